#!/bin/bash
# selftest.sh - end-to-end check of box.sh itself (run as root).
#
# Boots a box and checks what the ansai tests rely on: services can be
# started, killed and restarted, OnFailure= template units run with the
# MONITOR_* environment and log under their SyslogIdentifier, specifiers
# %i/%I behave, a Flask app is reachable inside, writes stay in the box,
# and stop leaves no mount, process or cgroup behind.  Prints "ok: ..."
# lines; exits non-zero at the first failure.

set -euo pipefail

BOX=$(dirname "$(readlink -f -- "$0")")/box.sh
dir=$(mktemp -d /tmp/box-selftest.XXXXXX)
tmp_probe=/tmp/box-selftest-probe.$$ # the box has its own /tmp: must survive
probe=$(dirname "$BOX")/.selftest-probe.$$ # must be visible in the box
trap '"$BOX" stop "$dir"; rm -f "$probe" "$tmp_probe"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }
R() { "$BOX" run "$dir" "$@"; }

# Polls (up to 10 s) until "$@" succeeds.
eventually() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

mounts_before=$(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort)
host_name=$(hostname)
echo host >"$tmp_probe"
echo host >"$probe"

t0=$(date +%s%N)
"$BOX" start "$dir"
ok "start took $((($(date +%s%N) - t0) / 1000000)) ms; state $(R systemctl is-system-running || true)"

# --- the box cannot change host-wide settings -------------------------------
capbits() { # FILE FIELD: the capability mask FIELD of /proc/.../status in the box
	R sed -n "s/^$2:[[:space:]]*//p" "$1"
}
for who in "self CapEff" "1 CapBnd"; do # a "box.sh run" command; systemd
	read -r p field <<<"$who"
	caps=$(capbits "/proc/$p/status" "$field")
	for bit in 16 17 25; do # sys_module sys_rawio sys_time
		if (((16#$caps >> bit) & 1)); then
			fail "/proc/$p $field has capability bit $bit"
		fi
	done
done
for m in /proc/sys /sys; do
	[[ $(R findmnt -n -o OPTIONS --mountpoint "$m") == ro,* ]] || fail "$m is not read-only in the box"
done
[[ $(R hostname) == ansai-box ]] || fail "box hostname"
ok "no CAP_SYS_TIME/SYS_MODULE/SYS_RAWIO in the box; /proc/sys and /sys read-only"

# --- a service killed by a signal triggers an OnFailure= template --------
tmp=$(mktemp -d)
cat >"$tmp/t.service" <<'EOF'
[Unit]
Description=selftest sleeper
OnFailure=x@%n.service
[Service]
ExecStart=/bin/sleep infinity
EOF
cat >"$tmp/x@.service" <<'EOF'
[Unit]
Description=selftest healer for %i
[Service]
Type=oneshot
SyslogIdentifier=selftest-healer
ExecStart=/bin/sh -c 'echo healing %i; env | grep MONITOR_ | sort'
EOF
"$BOX" cp "$dir" "$tmp/t.service" /etc/systemd/system/
"$BOX" cp "$dir" "$tmp/x@.service" /etc/systemd/system/
rm -r "$tmp"
R systemctl daemon-reload
R systemctl start t.service
inv=$(R systemctl show -P InvocationID t.service)
R systemctl kill -s KILL t.service
state() { [[ $(R systemctl show -P ActiveState "$1") == "$2" ]]; }
eventually state t.service failed || fail "t.service did not fail"
[[ $(R systemctl show -P Result t.service) == signal ]] || fail "Result is not signal"
ok "t.service killed: failed, Result=signal"
healer_says() { R journalctl -q -t selftest-healer -o cat | grep -qx "$1"; }
eventually healer_says "healing t.service" || fail "OnFailure unit did not run"
for want in MONITOR_SERVICE_RESULT=signal MONITOR_EXIT_CODE=killed \
	MONITOR_EXIT_STATUS=KILL MONITOR_UNIT=t.service MONITOR_INVOCATION_ID="$inv"; do
	healer_says "$want" || fail "healer output lacks $want"
done
ok "OnFailure=x@%n.service ran, journalctl -t shows its output and MONITOR_*"
R journalctl -q INVOCATION_ID="$inv" -o cat | grep -q "Failed with result 'signal'" ||
	fail "journalctl INVOCATION_ID= finds no systemd message"
ok "journalctl INVOCATION_ID=<id> finds systemd's messages about the run"
R systemctl restart t.service
eventually state t.service active || fail "restart of a failed unit"
R systemctl stop t.service
ok "restart and stop"

# --- _SYSTEMD_INVOCATION_ID matches what the service itself logged --------
R sh -c 'printf "[Service]\nExecStart=/bin/sh -c \"echo selftest-out; exit 3\"\n" >/etc/systemd/system/u.service
	systemctl daemon-reload; systemctl start u.service'
eventually state u.service failed || fail "u.service did not fail"
inv=$(R systemctl show -P InvocationID u.service)
[[ $(R journalctl -q -u u.service _SYSTEMD_INVOCATION_ID="$inv" -o cat) == selftest-out ]] ||
	fail "journalctl -u u.service _SYSTEMD_INVOCATION_ID= misses the output"
ok "journalctl -u u.service _SYSTEMD_INVOCATION_ID=<id>"

# --- specifiers for unit names with '-', '\x2d' and '@' --------------------
R sh -ec '
cd /etc/systemd/system
cat >h@.service <<"EOF"
[Service]
Type=oneshot
SyslogIdentifier=selftest-spec
ExecStart=/usr/bin/printf "i=[%%s] I=[%%s]\n" "%i" "%I"
EOF
printf "[Unit]\nOnFailure=h@%%n.service\n[Service]\nExecStart=/bin/false\n" >foo-bar.service
printf "[Unit]\nOnFailure=h@%%n.service\n[Service]\nExecStart=/bin/false\n" >"foo\\x2dbar.service"
printf "[Service]\nExecStart=/bin/false\n" >foo@.service
mkdir -p foo@bar.service.d
printf "[Unit]\nOnFailure=h@%%n.service\n" >foo@bar.service.d/onfail.conf
systemctl daemon-reload
systemctl start foo-bar.service "foo\\x2dbar.service" foo@bar.service || true'
spec_says() { R journalctl -q -t selftest-spec -o cat | grep -qxF "$1"; }
for want in 'i=[foo-bar.service] I=[foo/bar.service]' \
	'i=[foo\x2dbar.service] I=[foo-bar.service]' \
	'i=[foo@bar.service] I=[foo@bar.service]'; do
	eventually spec_says "$want" || fail "specifiers: missing $want"
done
ok "x@%n with foo-bar, foo\\x2dbar, foo@bar (drop-in): %i raw, %I unescaped"

# --- a Flask app as a service on 127.0.0.1:5000 ---------------------------
R sh -ec 'mkdir -p /opt/selftest
cat >/opt/selftest/app.py <<"EOF"
from flask import Flask
app = Flask(__name__)
@app.route("/")
def index():
    return "hello from the box\n"
app.run(host="127.0.0.1", port=5000)
EOF
printf "[Service]\nExecStart=/usr/bin/python3 /opt/selftest/app.py\nRestart=on-failure\nRestartSec=1\n" \
	>/etc/systemd/system/web.service
systemctl daemon-reload; systemctl start web.service'
curl_ok() { [[ $(R curl -s http://127.0.0.1:5000/) == "hello from the box" ]]; }
eventually curl_ok || fail "flask app not reachable inside the box"
ok "flask on 127.0.0.1:5000 answers inside the box"
R systemctl kill -s KILL web.service
restarted() { [[ $(R systemctl show -P NRestarts web.service) == 1 ]] && curl_ok; }
eventually restarted || fail "Restart=on-failure did not bring web.service back"
ok "Restart=on-failure after SIGKILL"

# --- box.sh run passes status and stdin; writes stay in the box -----------
set +e
R sh -c 'exit 7'
rc=$?
set -e
((rc == 7)) || fail "run exit status $rc, want 7"
[[ $(echo piped | R cat) == piped ]] || fail "run stdin"
ok "run passes exit status and stdin"
[[ $(R cat "$probe") == host ]] || fail "host file not visible in the box"
R sh -c "echo box >$probe; echo box >/etc/selftest-written; rm -rf /var/tmp/*"
R test ! -e "$tmp_probe" || fail "host /tmp is visible in the box"
[[ $(cat "$probe") == host && ! -e /etc/selftest-written ]] || fail "box write reached the host"
ok "host files visible read-through; box writes stay in the box"

# --- stop leaves nothing behind --------------------------------------------
pid=$(cut -d' ' -f1 "$dir/pid")
cg=$(<"$dir/cgroup")
"$BOX" stop "$dir"
"$BOX" stop "$dir" # twice is fine
trap - EXIT
[[ ! -e $dir ]] || fail "$dir still exists"
[[ ! -e /proc/$pid ]] || fail "box PID 1 ($pid) still alive"
[[ ! -e $cg ]] || fail "cgroup $cg still exists"
[[ $(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort) == "$mounts_before" ]] || fail "host mounts changed"
[[ $(hostname) == "$host_name" ]] || fail "host name changed"
[[ $(cat "$tmp_probe") == host ]] || fail "host /tmp file changed"
rm -f "$probe" "$tmp_probe"
ok "stop: no box process, cgroup, mount or directory left; host /tmp and hostname intact"
echo "selftest passed"
