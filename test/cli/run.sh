#!/bin/bash
# run.sh BINARY - command-line tests that need no systemd: usage and
# exit codes, `check` with good and broken files (exact FILE:LINE
# messages), `history` on a prepared state directory, `port` on a
# listener this script opens on loopback.  Run with the ASan/UBSan
# build so main's paths are checked by the sanitizers too.
set -u
BIN=${1:?usage: run.sh BINARY}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/ansai-cli.XXXXXX)
trap 'rm -rf "$T"; [ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null' EXIT
PASSED=0
FAILED=0

# expect RC DESCRIPTION CMD...: run CMD, compare its exit status.
expect() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		echo "FAIL: $what: exit $rc, wanted $want" >&2
		sed 's/^/  | /' "$T/err" >&2
	fi
}

# has FILE TEXT DESCRIPTION: FILE (out or err) holds TEXT.
has() {
	if grep -qF -- "$2" "$T/$1"; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		echo "FAIL: $3: '$2' not in std$1:" >&2
		sed 's/^/  | /' "$T/$1" >&2
	fi
}

export ANSAI_CONFIG=

expect 64 "no command" "$BIN"
has err "usage: ansai" "usage on no command"
expect 0 "help" "$BIN" help
has out "heal [--dry-run] UNIT" "help lists heal"
expect 0 "--help" "$BIN" --help
expect 0 "version" "$BIN" version
has out "ansai 0.1.0" "version text"
expect 64 "unknown command" "$BIN" frobnicate
has err "unknown command 'frobnicate'" "names the command"
expect 64 "unknown option" "$BIN" -x status
expect 64 "heal without unit" "$BIN" heal
expect 64 "heal with two units" "$BIN" heal a b
expect 65 "invalid unit name" "$BIN" heal 'a b.service'
has err "invalid unit name 'a b.service'" "names the bad unit"
expect 65 "template is not a unit" "$BIN" heal 'tmpl@.service'
expect 65 "timer refused" "$BIN" heal 'x.timer'
has err "ansai heals .service units only" "says why"
expect 65 "own unit refused" "$BIN" heal 'ansai-heal@x.service'
expect 65 "overlong name" "$BIN" heal "$(printf 'a%.0s' $(seq 300))"
expect 64 "port 0" "$BIN" port 0
expect 64 "port 70000" "$BIN" port 70000
expect 64 "port not a number" "$BIN" port http

# A configuration named with -c must exist.
expect 78 "missing -c file" "$BIN" -c "$T/none.conf" check
has err "$T/none.conf: cannot open" "names the missing file"
ANSAI_CONFIG="$T/none.conf" expect 78 "missing \$ANSAI_CONFIG" "$BIN" check
expect 0 "shipped example config is clean" "$BIN" -c "$TOP/conf/ansai.conf" \
    check
has out "ok, 0 unit sections" "check says ok"

cat >"$T/bad.conf" <<'C'
# comment
stray = 1
[heal]
stabilize_sec = soon
journal_lines = 5000
strategies = restart, reboot
strategies = restart
state_dir = relative/path
colour = blue
[unit my app]
port = 80
[unit web]
port = 0
critical = maybe
nonsense line
[unit web.service]
[oops
[global]
C
expect 78 "broken config" "$BIN" -c "$T/bad.conf" check
B="$T/bad.conf"
has err "$B:2: 'stray' outside any section" "key before a section"
has err "$B:4: stabilize_sec: 'soon' is not a whole number from 0 to 600" \
    "bad number"
has err "$B:5: journal_lines: '5000' is not a whole number from 0 to 1000" \
    "out of range"
has err "$B:6: strategies: unknown strategy 'reboot'" "unknown strategy"
has err "$B:7: duplicate key 'strategies'" "duplicate key"
has err "$B:8: state_dir: 'relative/path' is not an absolute path" "path"
has err "$B:9: unknown key 'colour' in [heal]" "unknown key"
has err "$B:10: [unit my app]: invalid unit name" "bad section name"
has err "$B:13: port: '0' is not a whole number from 1 to 65535" "port 0"
has err "$B:14: critical: 'maybe' is not yes or no" "bool"
has err "$B:15: expected 'key = value' or '[section]'" "garbage"
has err "$B:16: [unit web.service] already defined at line 12" "dup section"
has err "$B:17: section header '[oops' lacks its closing ']'" "bracket"
has err "$B:18: unknown section [global]" "unknown section"
if grep -q ":11:" "$T/err"; then
	FAILED=$((FAILED + 1))
	echo "FAIL: a key in a rejected section is reported twice" >&2
else
	PASSED=$((PASSED + 1))
fi
# Every other command refuses a broken file too (heal alone goes on).
expect 78 "history with broken config" "$BIN" -c "$T/bad.conf" history
expect 78 "status with broken config" "$BIN" -c "$T/bad.conf" status

# Lists: commas and/or blanks, each entry once; ssh_target is USER@HOST.
cat >"$T/lists.conf" <<'C'
[heal]
ssh_target = admin@gw1
[unit a]
config = /etc/a.conf, /etc/a.d/b.conf
env = DB_URL,API_KEY
[unit b]
config = /etc/b.conf /etc/b.conf
env = X X
[unit c]
validate = /usr/bin/check --strict
C
printf '[heal]\nssh_target = -oProxyCommand=x\n' >"$T/ssh.conf"
expect 78 "duplicate list entries" "$BIN" -c "$T/lists.conf" check
has err "$T/lists.conf:7: config: '/etc/b.conf' listed twice" "dup config"
has err "$T/lists.conf:8: env: 'X' listed twice" "dup env"
if grep -q "lists.conf:[2345]:" "$T/err"; then
	FAILED=$((FAILED + 1))
	echo "FAIL: comma-separated lists refused" >&2
else
	PASSED=$((PASSED + 1))
fi
expect 78 "ssh_target that ssh would read as an option" "$BIN" -c \
    "$T/ssh.conf" check
has err "is not USER@HOST" "ssh_target form"

head -c 1100 /dev/zero | tr '\0' 'x' >"$T/long.conf"
expect 78 "overlong line" "$BIN" -c "$T/long.conf" check
has err "$T/long.conf:1: line longer than 1024 bytes" "overlong line named"
expect 78 "a directory is not a config" "$BIN" -c "$T" check
has err "not a regular file" "says what it is"

# history reads what heals wrote, oldest first, and skips junk.
mkdir -p "$T/state"
printf '[heal]\nstate_dir = %s/state\n' "$T" >"$T/s.conf"
printf 'v1\t1796399730\ta.service\thealed\tsignal:KILL\t546\trestart:ok\t/r1\n' \
    >"$T/state/history.1"
{
	printf 'garbage\n'
	printf 'v1\t1796399800\tb.service\tnot-healed\texit:1\t-1\trestart:failed\t-\n'
	printf 'v1\t1796399900\ta.service\thealed\toom-kill\t1200\trestart:ok\t/r2\n'
} >"$T/state/history"
expect 0 "history" "$BIN" -c "$T/s.conf" history
has out "2026-12-04T15:55:30Z  a.service" "rotated file first"
has out "not-healed" "all units"
has err "1 unreadable history lines skipped" "junk counted"
if [ "$(head -n 1 "$T/out" | cut -c1-20)" = "2026-12-04T15:55:30Z" ] &&
    [ "$(tail -n 1 "$T/out" | awk '{print $5}')" = 1.200s ]; then
	PASSED=$((PASSED + 1))
else
	FAILED=$((FAILED + 1))
	echo "FAIL: history order/downtime:" >&2
	cat "$T/out" >&2
fi
expect 0 "history of one unit" "$BIN" -c "$T/s.conf" history b
if grep -q "a.service" "$T/out"; then
	FAILED=$((FAILED + 1))
	echo "FAIL: history b shows a.service" >&2
else
	PASSED=$((PASSED + 1))
fi

# port: a listener of our own on loopback.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$T/port" &
LPID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
P=$(cat "$T/port")
expect 0 "port of our listener" "$BIN" port "$P"
has out "127.0.0.1:$P" "listener address"
has out "$LPID" "listener pid"
kill "$LPID"
wait "$LPID" 2>/dev/null
LPID=
expect 0 "port nobody listens on" "$BIN" port "$P"
has out "no process listens on TCP port $P" "free port"

echo "cli: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
