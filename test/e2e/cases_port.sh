# cases_port.sh - e2e cases of the port strategy: a stale copy of the
# service holding its port is stopped and the service healed; anything
# else on the port (another unit, another user, a .socket unit, an owner
# ansai cannot see) is left alone and reported.
#
# Units are named p-*, ports are 5101..5199 (the seed Flask app keeps
# 5000).  Each case writes the whole configuration it needs.  Listeners
# are test/e2e/port_listen.py, run by /usr/bin/python3.

PORT_PY=/usr/local/lib/port_listen.py

p_setup() {
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/e2e/port_listen.py" \
	    "$PORT_PY"
	# Pid files of listeners of any user.
	box install -d -m 1777 /run/port_listen
}

# The pid of the listener that last bound PORT ("" if none did).
p_pid() { box sh -c 'cat "/run/port_listen/$1.pid" 2>/dev/null' sh "$1" |
    tr -d '\n'; }

# Is PID a live process (not a zombie) in the box?
p_alive() {
	box sh -c 's=$(cat "/proc/$1/stat" 2>/dev/null) || exit 1
	    s=${s##*) }; case $s in [ZX]*) exit 1 ;; esac' sh "$1"
}

p_dead() { ! p_alive "$1"; }

# Is there a LISTEN row for PORT in /proc/net/tcp or tcp6?  (No
# connection is made: one would activate a .socket unit's service.)
p_listening() {
	box awk -v p="$(printf ':%04X' "$1")" \
	    'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 }
	    END { exit !f }' /proc/net/tcp /proc/net/tcp6
}

# Does something accept on PORT (HOST, default 127.0.0.1)?
p_accepts() {
	box bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "${2:-127.0.0.1}" "$1" \
	    2>/dev/null
}

# A unit whose shell main process starts the listener in the background
# and waits for it; KillMode=process leaves the listener behind when the
# shell is killed: the stale copy.  p_stale_unit NAME LISTENER-ARGS...
p_stale_unit() {
	local name=$1
	shift
	unit "$name" <<U
[Unit]
Description=port strategy test $name
[Service]
KillMode=process
ExecStart=/bin/sh -c '/usr/bin/python3 $PORT_PY $* & wait \$\$!'
U
}

# Start NAME and wait until its listener on PORT accepts; prints the
# listener's pid.
p_start() {
	box rm -f "/run/port_listen/$2.pid"
	box systemctl start "$1"
	wait_for 20 p_accepts "$2" "${3:-127.0.0.1}" || say "$1: no listener"
	p_pid "$2"
}

# Kill only the main process, leaving the listener child on the port.
p_kill_main() {
	box systemctl kill -s KILL --kill-whom=main "$1"
}

p_report() { box cat -- "$(hfield "$1" 8)"; }

p_story() { box journalctl -t ansai-self-heal --no-pager -o cat; }

t_port_stale_child() {
	begin "port: a stale child of the unit holds its port: stopped, healed"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-stale]
port = 5101
C
	p_stale_unit p-stale.service 5101
	local stale h r j
	stale=$(p_start p-stale.service 5101)
	check "the listener runs (pid '$stale')" [ -n "$stale" ]
	box /usr/local/bin/ansai enable p-stale >/dev/null
	p_kill_main p-stale.service
	check "a heal is recorded" wait_heals p-stale.service 1 60
	h=$(last_history p-stale.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: restart failed first" \
	    contains "$(hfield "$h" 7)" restart:failed
	check "history: port ok" contains "$(hfield "$h" 7)" port:ok
	r=$(p_report "$h")
	check "report: names the stale pid" contains "$r" \
	    "SIGTERM to stale pid $stale (python3, user root, p-stale.service)"
	check "report: says it freed the port" contains "$r" \
	    "freed port 5101"
	check "report: verified on the port" contains "$r" \
	    "restarted: active, accepting on port 5101"
	check "the stale pid is gone" p_dead "$stale"
	check "a new listener serves" p_accepts 5101
	check "the new listener is another process" \
	    [ "$(p_pid 5101)" != "$stale" ]
	check "unit is running" box systemctl -q is-active p-stale.service
	j=$(p_story)
	check "journal: the SIGTERM is told" contains "$j" \
	    "p-stale.service: SIGTERM to pid $stale"
	check "journal: judged by cgroup" contains "$j" \
	    "in p-stale.service's own cgroup"
}

t_port_stale_stubborn() {
	begin "port: stale child ignoring SIGTERM, port from the journal"
	p_setup
	# No port configured: the restart's refusal in the journal names it.
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
C
	p_stale_unit p-stubborn.service 5102 --ignore-term --style go
	local stale h r
	stale=$(p_start p-stubborn.service 5102)
	box /usr/local/bin/ansai enable p-stubborn >/dev/null
	p_kill_main p-stubborn.service
	check "a heal is recorded" wait_heals p-stubborn.service 1 60
	h=$(last_history p-stubborn.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: restart:failed,port:ok" \
	    [ "$(hfield "$h" 7)" = restart:failed,port:ok ]
	r=$(p_report "$h")
	check "report: SIGKILL was needed" contains "$r" \
	    "SIGTERM, then SIGKILL, to stale pid $stale"
	check "the stale pid is gone" p_dead "$stale"
	check "a new listener serves" p_accepts 5102
	check "journal: port taken from the journal" contains "$(p_story)" \
	    "port strategy: port 5102 (named in its journal)"
}

t_port_first_dry_run() {
	begin "port first: dry run changes nothing, then a manual heal"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = port, restart
[unit p-first]
port = 5103
C
	p_stale_unit p-first.service 5103
	local stale out rc h
	stale=$(p_start p-first.service 5103)
	# Not enabled: this case calls ansai itself.
	p_kill_main p-first.service
	wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p ActiveState --value p-first.service)\" = failed ]"
	out=$(box /usr/local/bin/ansai heal --dry-run p-first.service \
	    2>/dev/null)
	rc=$?
	check "dry run: exit 0" [ "$rc" -eq 0 ]
	check "dry run: says whom it would stop" contains "$out" \
	    "would send SIGTERM (SIGKILL after 3 s) to stale pid $stale"
	check "dry run: the stale pid still lives" p_alive "$stale"
	check "dry run: unit left failed" [ "$(box systemctl show -p \
	    ActiveState --value p-first.service)" = failed ]
	box /usr/local/bin/ansai heal p-first.service 2>/dev/null
	rc=$?
	check "heal: exit 0" [ "$rc" -eq 0 ]
	h=$(last_history p-first.service)
	check "history: healed by port alone" \
	    [ "$(hfield "$h" 4)/$(hfield "$h" 7)" = healed/port:ok ]
	check "the stale pid is gone" p_dead "$stale"
	check "a new listener serves" p_accepts 5103
}

t_port_foreign_unit() {
	begin "port: another unit's process (as nobody) is never killed"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port, config
[unit p-victim]
port = 5111
C
	box rm -f /run/port_listen/5111.pid
	box systemd-run --quiet --uid=nobody --unit=p-squat.service \
	    /usr/bin/python3 "$PORT_PY" 5111
	wait_for 20 p_accepts 5111
	local squat h r
	squat=$(box systemctl show -p MainPID --value p-squat.service)
	unit p-victim.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5111
U
	box /usr/local/bin/ansai enable p-victim >/dev/null
	box systemctl start p-victim.service
	check "a heal is recorded" wait_heals p-victim.service 1 60
	h=$(last_history p-victim.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	# It exited saying the port is taken: port runs first (the
	# analyser read the journal), finds a conflict, and nothing runs
	# after it.
	check "history: port failed, nothing ran after it (a conflict)" \
	    [ "$(hfield "$h" 7)" = port:failed ]
	r=$(p_report "$h")
	check "report: the foreign owner's identity" contains "$r" \
	    "pid $squat (python3, user nobody, p-squat.service)"
	check "report: why it is foreign" contains "$r" \
	    "belongs to another unit, p-squat.service"
	check "report: not killed" contains "$r" "ansai does not kill it"
	check "the foreign process still lives" p_alive "$squat"
	check "the foreign unit is still active" \
	    box systemctl -q is-active p-squat.service
	check "no signal was sent" eval '! contains "$(p_story)" \
	    "SIGTERM to pid $squat"'
	box systemctl stop p-squat.service
}

t_port_foreign_user() {
	begin "port: same program, another user, no unit: never killed"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-victim2]
port = 5112
C
	# Started outside any unit, as nobody: only the program matches.
	box rm -f /run/port_listen/5112.pid
	box sh -c 'setsid setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups /usr/bin/python3 "$1" 5112 </dev/null \
	    >/dev/null 2>&1 &' sh "$PORT_PY"
	wait_for 20 p_accepts 5112
	local other h r
	other=$(p_pid 5112)
	unit p-victim2.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5112
U
	box /usr/local/bin/ansai enable p-victim2 >/dev/null
	box systemctl start p-victim2.service
	check "a heal is recorded" wait_heals p-victim2.service 1 60
	h=$(last_history p-victim2.service)
	check "history: not-healed, port failed" [ "$(hfield "$h" 4)/$(hfield \
	    "$h" 7)" = not-healed/port:failed ]
	r=$(p_report "$h")
	check "report: the other user's process" contains "$r" \
	    "pid $other (python3, user nobody, no unit)"
	check "report: why it is foreign" contains "$r" \
	    "as another user (uid 65534, not 0)"
	check "the other user's process still lives" p_alive "$other"
	box kill "$other"
}

t_port_same_program_no_unit() {
	begin "port: same program and user outside any unit: stale, stopped"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-exe]
port = 5113
C
	box rm -f /run/port_listen/5113.pid
	box sh -c 'setsid /usr/bin/python3 "$1" 5113 </dev/null >/dev/null \
	    2>&1 &' sh "$PORT_PY"
	wait_for 20 p_accepts 5113
	local stale h r
	stale=$(p_pid 5113)
	unit p-exe.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5113
U
	box /usr/local/bin/ansai enable p-exe >/dev/null
	box systemctl start p-exe.service
	check "a heal is recorded" wait_heals p-exe.service 1 60
	h=$(last_history p-exe.service)
	check "history: healed by port" [ "$(hfield "$h" 4)/$(hfield "$h" \
	    7)" = healed/port:ok ]
	r=$(p_report "$h")
	check "report: names the stale pid" contains "$r" \
	    "to stale pid $stale (python3, user root, no unit)"
	check "the stale pid is gone" p_dead "$stale"
	check "journal: judged by program and user" contains "$(p_story)" \
	    "runs p-exe.service's program /usr/bin/python3"
}

t_port_socket_unit() {
	begin "port: a .socket unit holds it: conflict naming it, PID 1 spared"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port, config
[unit p-sb]
port = 5122
C
	# p-sa binds the port its own socket already listens on.  No port
	# is configured for it: the journal names it, and no probe of the
	# port after a restart queues a connection that would make systemd
	# start p-sa.service again and again.
	unit p-sa.socket <<'U'
[Socket]
ListenStream=127.0.0.1:5121
U
	unit p-sa.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5121
U
	# p-sb wants a port that another unit's socket holds.
	unit p-other.socket <<'U'
[Socket]
ListenStream=5122
U
	unit p-other.service <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	unit p-sb.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5122 --host ::
U
	box /usr/local/bin/ansai enable p-sa p-sb >/dev/null
	box systemctl start p-sa.socket p-other.socket
	local pid1 h r
	pid1=$(box sh -c 'cut -d" " -f22 /proc/1/stat')
	check "p-sa.socket listens" wait_for 10 p_listening 5121
	# Started directly (a queued connection would make systemd start it
	# again and again); it gets the socket but binds the port itself.
	box systemctl start p-sa.service
	check "p-sa: a heal is recorded" wait_heals p-sa.service 1 60
	h=$(last_history p-sa.service)
	check "p-sa: not-healed; config never ran" [ "$(hfield "$h" \
	    4)/$(hfield "$h" 7)" = not-healed/port:failed ]
	r=$(p_report "$h")
	check "p-sa: report names the socket unit" contains "$r" \
	    "port 5121 is held by p-sa.socket (127.0.0.1:5121), the socket \
that activates p-sa.service"
	check "p-sa: report calls it a configuration conflict" contains "$r" \
	    "configuration conflict"
	check "p-sa: the socket is still active" box systemctl -q is-active \
	    p-sa.socket
	check "p-sa: and still listens" p_listening 5121
	box systemctl start p-sb.service
	check "p-sb: a heal is recorded" wait_heals p-sb.service 1 60
	h=$(last_history p-sb.service)
	check "p-sb: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	r=$(p_report "$h")
	check "p-sb: report names the other socket unit" contains "$r" \
	    "port 5122 is held by p-other.socket ([::]:5122, activates \
p-other.service)"
	check "p-sb: still one heal (not retried)" \
	    [ "$(history_count p-sb.service)" -eq 1 ]
	check "PID 1 is the same systemd" [ "$(box sh -c \
	    'cut -d" " -f22 /proc/1/stat')" = "$pid1" ]
	check "no signal was sent" eval '! contains "$(p_story)" \
	    "p-sa.service: SIGTERM" && ! contains "$(p_story)" \
	    "p-sb.service: SIGTERM"'
	box systemctl stop p-sa.socket p-other.socket
}

t_port_ipv6() {
	begin "port: IPv6-only and dual-stack stale listeners are found"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-v6]
port = 5131
[unit p-dual]
port = 5132
C
	p_stale_unit p-v6.service 5131 --host ::1 --v6only yes
	p_stale_unit p-dual.service 5132 --host :: --v6only no
	local u p host stale h
	for u in p-v6:5131:::1 p-dual:5132:127.0.0.1; do
		p=${u#*:}
		host=${p#*:}
		p=${p%%:*}
		u=${u%%:*}.service
		stale=$(p_start "$u" "$p" "$host")
		check "$u: listener (pid '$stale') on $host" [ -n "$stale" ]
		box /usr/local/bin/ansai enable "$u" >/dev/null
		p_kill_main "$u"
		check "$u: a heal is recorded" wait_heals "$u" 1 60
		h=$(last_history "$u")
		check "$u: healed by port" [ "$(hfield "$h" 4)/$(hfield "$h" \
		    7)" = healed/restart:failed,port:ok ]
		check "$u: report names the stale pid" contains \
		    "$(p_report "$h")" "stale pid $stale (python3"
		check "$u: the stale pid is gone" p_dead "$stale"
		check "$u: serves again" p_accepts "$p" "$host"
	done
	check "p-v6: listens on IPv6 only" eval '! p_accepts 5131 127.0.0.1'
}

t_port_time_wait() {
	begin "port: TIME_WAIT sockets but no listener: nothing to kill"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-tw]
port = 5141
C
	# 40 connections closed by the server first leave its end of each
	# in TIME_WAIT on port 5141; then the listener exits.
	box sh -c 'setsid /usr/bin/python3 "$1" 5141 --accept 40 \
	    </dev/null >/dev/null 2>&1 &' sh "$PORT_PY"
	wait_for 20 p_accepts 5141
	box /usr/bin/python3 -c '
import socket
for i in range(39):
    s = socket.create_connection(("127.0.0.1", 5141))
    s.recv(1)
    s.close()'
	local tw h r
	wait_for 10 eval '! p_accepts 5141'
	tw=$(box awk '$2 ~ /:1415$/ && $4 == "06"' /proc/net/tcp | wc -l)
	check "TIME_WAIT sockets on 5141 ($tw)" [ "$tw" -ge 30 ]
	# Without SO_REUSEADDR those block the bind: a real failure.
	unit p-tw.service <<U
[Service]
ExecStart=/usr/bin/python3 $PORT_PY 5141 --no-reuse
U
	box /usr/local/bin/ansai enable p-tw >/dev/null
	box systemctl start p-tw.service
	check "a heal is recorded" wait_heals p-tw.service 1 60
	h=$(last_history p-tw.service)
	check "history: not-healed, port skipped" [ "$(hfield "$h" \
	    4)/$(hfield "$h" 7)" = not-healed/port:skipped,restart:failed ]
	r=$(p_report "$h")
	check "report: says the port is free" contains "$r" \
	    "port 5141 is free (no listener; sockets in TIME_WAIT"
	check "report: nothing to kill" contains "$r" "nothing to kill"
	check "journal: no signal sent" eval '! contains "$(p_story)" \
	    "p-tw.service: SIGTERM"'
}

t_port_owner_unknown() {
	begin "port: owners ansai may not inspect: never killed, says why"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-unk]
port = 5151
C
	p_stale_unit p-unk.service 5151
	local stale out
	stale=$(p_start p-unk.service 5151)
	p_kill_main p-unk.service
	wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p ActiveState --value p-unk.service)\" = failed ]"
	# As nobody, the fds of root's processes cannot be read: the owner
	# of the port is unknown.  A dry run, as nobody may change nothing.
	out=$(box setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    /usr/local/bin/ansai heal --dry-run p-unk.service 2>/dev/null)
	check "says it cannot tell, and why" contains "$out" \
	    "cannot tell who holds port 5151: permission denied"
	check "says nothing was killed" contains "$out" "nothing was killed"
	check "would not stop anything" eval '! contains "$out" "would send"'
	check "the stale pid still lives" p_alive "$stale"
	# As root the same dry run does name it.
	out=$(box /usr/local/bin/ansai heal --dry-run p-unk.service \
	    2>/dev/null)
	check "as root it would stop the stale pid" contains "$out" \
	    "would send SIGTERM (SIGKILL after 3 s) to stale pid $stale"
	box kill "$stale"
}

# A service that exits saying its port is taken: the analyser reads the
# journal before the first action and puts the port strategy first,
# so the stale holder goes before any restart is tried.
t_port_first_from_journal() {
	begin "port: a bind error in the journal puts the port strategy first"
	p_setup
	conf <<'C'
[heal]
stabilize_sec = 1
strategies = restart, port
[unit p-jfirst]
port = 5195
C
	box rm -f /run/p-jfirst.ran
	unit p-jfirst.service <<U
[Service]
KillMode=process
ExecStart=/bin/sh -c 'if [ -e /run/p-jfirst.ran ]; then exec /usr/bin/python3 $PORT_PY 5195; fi; touch /run/p-jfirst.ran; /usr/bin/python3 $PORT_PY 5195 & sleep 1; echo "listen tcp :5195: bind: address already in use" >&2; exit 1'
U
	box /usr/local/bin/ansai enable p-jfirst >/dev/null
	box systemctl start p-jfirst.service
	check "a heal is recorded" wait_heals p-jfirst.service 1 60
	local h j
	h=$(last_history p-jfirst.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: port first, no restart tried before it" \
	    [ "$(hfield "$h" 7)" = port:ok ]
	j=$(p_story)
	check "journal: the reorder is told" contains "$j" \
	    "p-jfirst.service: the evidence points past a restart: trying port, restart"
	check "a listener serves again" p_accepts 5195
	box ansai disable p-jfirst >/dev/null
}
