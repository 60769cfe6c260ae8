#!/bin/bash
# port_bench.sh - how fast is `ansai port P` on a busy machine, next to
# `lsof -ti :P` (what the older tool used) and `ss -ltnpH 'sport = :P'`?
#
#   test/bench/port_bench.sh          (as root, from anywhere)
#
# Builds its own load with test/bench/port/portload.c (compiled with cc
# into a temp dir): ~300 processes holding ~5000 TCP sockets on 127.0.0.1
# and ::1 (listeners on ephemeral ports and established connection
# pairs), plus pipes and open files, and ONE target listener on a free
# port (bound to port 0 and read back) held by one of those processes.
# Asserts that all three tools name that process, then times them in the
# same run and prints median, min and max, the ratios, and the socket,
# process and fd counts the tools had to wade through.  Goal: ansai at
# least 10x faster than lsof.
#
# Network namespace: by default everything runs in a private one
# (`unshare -n`, then `ip link set lo up`): the host's own sockets
# neither disturb the figures nor collide with the load, and the load's
# sockets vanish with it.  The script re-executes itself inside, so the
# three tools read the same /proc/net tables as the load creates.  The
# PID namespace is the host's: all three tools still walk every process
# of the machine, as they would in real use.  PORT_BENCH_NETNS=0 runs in
# the host namespace instead (loopback only there too).
#
# The load is bounded: it kills itself after PORT_BENCH_LIFETIME seconds,
# dies with this script (PR_SET_PDEATHSIG) and is killed on exit, Ctrl-C
# included (trap).
#
# Knobs (environment):
#   PORT_BENCH_PROCS=300       load processes
#   PORT_BENCH_SOCKETS=5000    TCP sockets they hold (plus the target)
#   PORT_BENCH_FDS=24          extra pipe ends and files per process
#   PORT_BENCH_RUNS=20         timed runs per tool, after 3 warm-up runs
#   PORT_BENCH_LIFETIME=120    seconds the load may live at most
#   PORT_BENCH_NETNS=1         0: stay in the host network namespace
#   PORT_BENCH_HYPERFINE=auto  auto: use hyperfine, apt-get install it
#                              if missing, else fall back to a shell
#                              loop; 0: always the loop
#   PORT_BENCH_JSON=FILE       keep hyperfine's JSON export there
#   ANSAI=PATH                 binary to time (default build/ansai,
#                              made with `make build/ansai` if needed)
# Exit status: 0 when measured (whether or not the goal is met), 1 on
# any failure, including the tools disagreeing about the owner.
set -u
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
TOP=$(cd "$(dirname "$SELF")/../.." && pwd)
PROCS=${PORT_BENCH_PROCS:-300}
SOCKETS=${PORT_BENCH_SOCKETS:-5000}
FDS=${PORT_BENCH_FDS:-24}
RUNS=${PORT_BENCH_RUNS:-20}
WARMUP=3
LIFETIME=${PORT_BENCH_LIFETIME:-120}
NETNS=${PORT_BENCH_NETNS:-1}
HYPERFINE=${PORT_BENCH_HYPERFINE:-auto}
GOAL=10

say() { printf 'port_bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for v in PROCS SOCKETS FDS RUNS LIFETIME; do
	case ${!v} in
	'' | *[!0-9]*) die "PORT_BENCH_$v must be a number: ${!v}" ;;
	esac
done
[ "$RUNS" -ge 1 ] || die "PORT_BENCH_RUNS must be at least 1"

# ---------------------------------------------------------------- outer
# Checks, builds and installs in the host namespace (apt needs the
# network), then re-executes inside a private network namespace.
if [ -z "${PORT_BENCH_STAGE:-}" ]; then
	[ "$(id -u)" = 0 ] || die "run as root (all three tools must see every process's fds)"
	for c in lsof ss cc awk sort; do
		command -v "$c" >/dev/null || die "$c is missing (build.sh installs lsof, iproute2, gcc)"
	done
	if [ -z "${ANSAI:-}" ]; then
		ANSAI=$TOP/build/ansai
		if ! make -C "$TOP" -q build/ansai >/dev/null 2>&1; then
			say "making build/ansai"
			if ! make -C "$TOP" -s build/ansai >&2; then
				[ -x "$ANSAI" ] || die "make build/ansai failed"
				say "warning: make failed; timing the existing, possibly stale $ANSAI"
			fi
		fi
	fi
	[ -x "$ANSAI" ] || die "no ansai binary at $ANSAI"
	ANSAI=$(cd "$(dirname "$ANSAI")" && pwd)/$(basename "$ANSAI")
	if [ "$HYPERFINE" != 0 ] && ! command -v hyperfine >/dev/null; then
		say "hyperfine missing: apt-get install -y hyperfine"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y hyperfine >/dev/null 2>&1 ||
		    { apt-get update >/dev/null 2>&1 &&
		    apt-get install -y hyperfine >/dev/null 2>&1; } ||
		    say "could not install hyperfine; timing with a shell loop"
	fi
	export ANSAI PORT_BENCH_STAGE=inner
	if [ "$NETNS" != 0 ]; then
		command -v unshare >/dev/null && command -v ip >/dev/null ||
		    die "unshare (util-linux) or ip (iproute2) missing; PORT_BENCH_NETNS=0 runs without a namespace"
		unshare -n true 2>/dev/null ||
		    die "unshare -n fails here; PORT_BENCH_NETNS=0 runs in the host network namespace"
		export PORT_BENCH_WHERE="private network namespace (unshare -n)"
		exec unshare -n -- bash "$SELF"
	fi
	export PORT_BENCH_WHERE="host network namespace (PORT_BENCH_NETNS=0)"
fi

# ---------------------------------------------------------------- inner
TMP=
LOAD=
cleanup() {
	local i
	if [ -n "$LOAD" ] && kill -0 "$LOAD" 2>/dev/null; then
		# The load kills and reaps its children on SIGTERM.
		kill -TERM "$LOAD" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$LOAD" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$LOAD" 2>/dev/null && kill -KILL -- "-$LOAD" 2>/dev/null
		wait "$LOAD" 2>/dev/null
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$NETNS" != 0 ]; then
	ip link set lo up || die "ip link set lo up failed"
fi
TMP=$(mktemp -d /tmp/port_bench.XXXXXX) || die "mktemp failed"
cc -O2 -Wall -o "$TMP/portload" "$TOP/test/bench/port/portload.c" ||
    die "cannot compile test/bench/port/portload.c"

"$TMP/portload" "$PROCS" "$SOCKETS" "$FDS" "$LIFETIME" \
    >"$TMP/load.out" 2>"$TMP/load.err" &
LOAD=$!
for i in $(seq 600); do
	grep -q '^ready ' "$TMP/load.out" && break
	kill -0 "$LOAD" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^ready ' "$TMP/load.out"; then
	cat "$TMP/load.err" >&2
	die "the load did not come up"
fi
read -r _ port pid procs sockets fds <"$TMP/load.out"
P=${port#port=}
TPID=${pid#pid=}
echo "== load: ${procs#procs=} processes, ${sockets#sockets=} sockets, ${fds#fds=} fds; target 127.0.0.1:$P held by pid $TPID"

# Rows in the socket tables, processes and fds that every tool walks.
rows() { echo $(( $(wc -l </proc/net/tcp) - 1 + $( (cat /proc/net/tcp6 2>/dev/null || echo) | wc -l) - 1 )); }
nprocs() { local d n=0; for d in /proc/[0-9]*; do n=$((n + 1)); done; echo "$n"; }
nfds() { find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

CMD_ANSAI="$ANSAI port $P"
CMD_LSOF="lsof -ti :$P"
CMD_SS="ss -ltnpH 'sport = :$P'"

# ---------------------------------------------------------- correctness
# Every tool must name exactly the target's pid, and nothing else.
"$ANSAI" port "$P" >"$TMP/ansai.out" 2>"$TMP/ansai.err"; rc_a=$?
lsof -ti ":$P" >"$TMP/lsof.out" 2>"$TMP/lsof.err"; rc_l=$?
ss -ltnpH "sport = :$P" >"$TMP/ss.out" 2>"$TMP/ss.err"; rc_s=$?
pid_a=$(awk -v p="$P" 'NR > 1 && $1 == p { print $3 }' "$TMP/ansai.out" | sort -u | paste -sd' ')
pid_l=$(sort -u "$TMP/lsof.out" | paste -sd' ')
pid_s=$(grep -o 'pid=[0-9]*' "$TMP/ss.out" | cut -d= -f2 | sort -u | paste -sd' ')
echo "== check: who listens on port $P (expected pid $TPID)"
echo "--- $CMD_ANSAI  (exit $rc_a)"
cat "$TMP/ansai.out" "$TMP/ansai.err"
echo "--- $CMD_LSOF  (exit $rc_l)"
cat "$TMP/lsof.out" "$TMP/lsof.err"
echo "--- ss -ltnpH 'sport = :$P'  (exit $rc_s)"
cat "$TMP/ss.out" "$TMP/ss.err"
bad=
[ "$rc_a" = 0 ] && [ "$pid_a" = "$TPID" ] || bad="$bad ansai=[${pid_a}](exit $rc_a)"
[ "$rc_l" = 0 ] && [ "$pid_l" = "$TPID" ] || bad="$bad lsof=[${pid_l}](exit $rc_l)"
[ "$rc_s" = 0 ] && [ "$pid_s" = "$TPID" ] || bad="$bad ss=[${pid_s}](exit $rc_s)"
[ -z "$bad" ] || die "the tools disagree on the owner of port $P (expected $TPID):$bad"
echo "ok: ansai, lsof and ss all name pid $TPID"

ROWS=$(rows)
NPROCS=$(nprocs)
NFDS=$(nfds)
echo "== load during the run: $ROWS sockets (rows in /proc/net/tcp + tcp6)," \
    "$NPROCS processes, $NFDS fds on the machine; $PORT_BENCH_WHERE"

# --------------------------------------------------------------- timing
# Writes "tool median_ms min_ms max_ms runs" lines to $TMP/stats.
if [ "$HYPERFINE" != 0 ] && command -v hyperfine >/dev/null; then
	METHOD="hyperfine -N, $WARMUP warm-up + $RUNS runs each"
	hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
	    --export-csv "$TMP/h.csv" --export-json "$TMP/h.json" \
	    -n ansai "$CMD_ANSAI" -n lsof "$CMD_LSOF" \
	    -n ss "ss -ltnpH 'sport = :$P'" >"$TMP/h.log" 2>&1 ||
	    { cat "$TMP/h.log" >&2; die "hyperfine failed"; }
	# command,mean,stddev,median,user,system,min,max (seconds)
	awk -F, -v r="$RUNS" 'NR > 1 { printf "%s %.2f %.2f %.2f %d\n",
	    $1, $4 * 1000, $7 * 1000, $8 * 1000, r }' "$TMP/h.csv" \
	    >"$TMP/stats"
	if [ -n "${PORT_BENCH_JSON:-}" ]; then
		cp "$TMP/h.json" "$PORT_BENCH_JSON" &&
		    say "hyperfine JSON kept in $PORT_BENCH_JSON"
	fi
else
	METHOD="shell loop, \$EPOCHREALTIME, $WARMUP warm-up + $RUNS interleaved runs each"
	# Sets $US to microseconds; no subshell, so no fork in the window.
	stamp() {
		if [ -n "${EPOCHREALTIME:-}" ]; then
			US=${EPOCHREALTIME/[.,]/}
		else
			US=$(( $(date +%s%N) / 1000 ))
		fi
	}
	run() {
		case $1 in
		ansai) "$ANSAI" port "$P" ;;
		lsof) lsof -ti ":$P" ;;
		ss) ss -ltnpH "sport = :$P" ;;
		esac >/dev/null 2>&1
	}
	for i in $(seq $((WARMUP + RUNS))); do
		for t in ansai lsof ss; do
			stamp; t0=$US
			run "$t" || die "$t failed during timing"
			stamp; t1=$US
			[ "$i" -gt "$WARMUP" ] && echo "$((t1 - t0))" >>"$TMP/$t.us"
		done
	done
	for t in ansai lsof ss; do
		sort -n "$TMP/$t.us" | awk -v t="$t" '{ v[NR] = $1 }
		    END {
			if (NR % 2)
				m = v[(NR + 1) / 2]
			else
				m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %.2f %.2f %.2f %d\n", t, m / 1000,
			    v[1] / 1000, v[NR] / 1000, NR
		    }'
	done >"$TMP/stats"
fi

# The load must have lived through the timing, or the figures are void.
kill -0 "$LOAD" 2>/dev/null && kill -0 "$TPID" 2>/dev/null ||
    die "the load ended during the timing (PORT_BENCH_LIFETIME=$LIFETIME too short?); figures void"
ROWS2=$(rows)
NPROCS2=$(nprocs)

# --------------------------------------------------------------- report
echo "== timing: $METHOD"
echo "   afterwards: $ROWS2 sockets, $NPROCS2 processes"
awk -v goal="$GOAL" '
	{ t[$1] = $1; med[$1] = $2; mn[$1] = $3; mx[$1] = $4; n[$1] = $5 }
	END {
		printf "%-6s %10s %10s %10s %5s\n", "tool", "median ms",
		    "min ms", "max ms", "runs"
		split("ansai lsof ss", order, " ")
		for (i = 1; i <= 3; i++) {
			k = order[i]
			printf "%-6s %10.2f %10.2f %10.2f %5d\n", k, med[k],
			    mn[k], mx[k], n[k]
		}
		if (med["ansai"] <= 0)
			exit 1
		rl = med["lsof"] / med["ansai"]
		rs = med["ss"] / med["ansai"]
		printf "ansai is %.1fx faster than lsof, %.1fx faster than ss" \
		    " (medians)\n", rl, rs
		printf "goal (>= %dx faster than lsof): %s\n", goal,
		    (rl >= goal ? "MET" : "NOT MET")
	}' "$TMP/stats"
