# cases.sh - the e2e cases; each t_* function is one scenario and
# asserts the outcome, the report and the history line.

FLASK_UNIT='[Unit]
Description=Flask demo app
[Service]
ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py
'

report_of() { hfield "$1" 8; }
box_cat() { box cat -- "$1"; }
http_ok() { box curl -fsS --max-time 2 http://127.0.0.1:5000/ >/dev/null; }

t_seed_flask_sigkill() {
	begin "seed: Flask on :5000 killed with SIGKILL is healed"
	conf <<'C'
[heal]
stabilize_sec = 2
[unit flask-app]
port = 5000
C
	printf '%s' "$FLASK_UNIT" | unit flask-app.service
	box systemctl start flask-app.service
	check "app answers before the kill" wait_for 20 http_ok
	local out
	out=$(box /usr/local/bin/ansai enable flask-app)
	check "enable reports the OnFailure wiring" \
	    contains "$out" "OnFailure=ansai-heal@flask-app.service.service"
	box systemctl kill -s KILL flask-app.service
	check "a heal is recorded" wait_heals flask-app.service 1 40
	local h r
	h=$(last_history flask-app.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: cause signal:KILL" [ "$(hfield "$h" 5)" = signal:KILL ]
	check "history: downtime measured" [ "$(hfield "$h" 6)" -ge 0 ]
	check "history: restart ok" contains "$(hfield "$h" 7)" restart:ok
	r=$(box_cat "$(report_of "$h")")
	check "report: HEALED" contains "$r" "Result:    HEALED"
	check "report: cause" contains "$r" "killed by signal SIGKILL"
	check "report: restart strategy line" contains "$r" "1. restart  ok"
	check "report: port verified" contains "$r" "accepting on port 5000"
	check "report: journal of the failed run" \
	    contains "$r" "flask-app starting"
	check "report: machine" contains "$r" "Memory:"
	check "report mode 0600" [ "$(box stat -c %a "$(report_of "$h")")" \
	    = 600 ]
	check "app answers again" http_ok
	local j
	j=$(box journalctl -t ansai-self-heal --no-pager -o cat)
	check "journal: story told" contains "$j" "flask-app.service: healed"
}

t_exit_137() {
	begin "a service exiting 137 once is healed, cause explained"
	unit t137.service <<'U'
[Service]
ExecStart=/bin/sh -c 'if [ -e /run/t137.ran ]; then exec sleep infinity; fi; touch /run/t137.ran; echo "worker was killed" >&2; sleep 0.3; exit 137'
U
	box /usr/local/bin/ansai enable t137 >/dev/null
	box systemctl start t137.service
	check "a heal is recorded" wait_heals t137.service 1 30
	local h r
	h=$(last_history t137.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: cause exit:137" [ "$(hfield "$h" 5)" = exit:137 ]
	r=$(box_cat "$(report_of "$h")")
	check "report: explains 128+9" contains "$r" "128+9"
	check "report: journal line of the run" contains "$r" \
	    "worker was killed"
	check "unit is running" box systemctl -q is-active t137.service
}

t_exit_1_forever() {
	begin "a service exiting 1 at every start: not healed, no loop"
	unit broken.service <<'U'
[Service]
ExecStart=/bin/sh -c 'echo "fatal: cannot parse /etc/broken.conf line 3" >&2; exit 1'
U
	box /usr/local/bin/ansai enable broken >/dev/null
	box systemctl start broken.service
	check "a heal is recorded" wait_heals broken.service 1 30
	local h r
	h=$(last_history broken.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: cause exit:1" [ "$(hfield "$h" 5)" = exit:1 ]
	check "history: restart failed" contains "$(hfield "$h" 7)" \
	    restart:failed
	r=$(box_cat "$(report_of "$h")")
	check "report: NOT HEALED" contains "$r" "NOT HEALED"
	check "report: says it fell over" contains "$r" "fell over again"
	check "report: the service's own error" contains "$r" \
	    "cannot parse /etc/broken.conf"
	check "report: commands for a human" contains "$r" \
	    "systemctl restart broken.service"
	# No loop: the failure of ansai's own restart must not start
	# another heal once this one ended.
	sleep 3
	check "still exactly one heal after 3 s" \
	    [ "$(history_count broken.service)" -eq 1 ]
	check "heal unit finished as failed (exit 1)" [ "$(box systemctl \
	    show -p Result --value ansai-heal@broken.service.service)" \
	    = exit-code ]
}

t_start_limit_hit() {
	begin "start-limit-hit: reset-failed, then healed"
	box rm -f /run/slh.count
	unit slh.service <<'U'
[Unit]
StartLimitIntervalSec=60
StartLimitBurst=3
[Service]
Restart=always
RestartSec=50ms
ExecStart=/bin/sh -c 'n=$(cat /run/slh.count 2>/dev/null || echo 0); echo $((n+1)) > /run/slh.count; [ "$n" -ge 3 ] && exec sleep infinity; echo "attempt $n fails"; exit 1'
U
	box /usr/local/bin/ansai enable slh >/dev/null
	box systemctl start slh.service
	check "the healed heal is recorded" wait_for 40 sh -c \
	    "$TOP/test/box/box.sh run $BOX grep -q -P \
	    '\tslh.service\thealed\t' /var/lib/ansai/history"
	local h r
	h=$(box grep -P '\tslh.service\thealed\t' /var/lib/ansai/history |
	    tail -n 1)
	check "history: cause start-limit-hit" \
	    [ "$(hfield "$h" 5)" = start-limit-hit ]
	r=$(box_cat "$(report_of "$h")")
	check "report: start limit explained" contains "$r" "start limit"
	check "unit is running" box systemctl -q is-active slh.service
}

t_auto_restart_nothing() {
	begin "Restart=on-failure still restarting: ansai does nothing"
	unit ar.service <<'U'
[Service]
Restart=on-failure
RestartSec=4s
ExecStart=/bin/sleep infinity
U
	box systemctl start ar.service
	local inv before rc
	box systemctl kill -s KILL ar.service
	wait_for 5 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p SubState --value ar.service)\" = auto-restart ]"
	inv=$(box systemctl show -p InvocationID --value ar.service)
	before=$(history_count ar.service)
	box /usr/local/bin/ansai heal ar.service 2>/dev/null
	rc=$?
	check "exit 2 (nothing to do)" [ "$rc" -eq 2 ]
	check "history: nothing-to-do" [ "$(hfield \
	    "$(last_history ar.service)" 4)" = nothing-to-do ]
	check "one line added" [ "$(history_count ar.service)" -eq \
	    $((before + 1)) ]
	check "ansai did not restart it" [ "$(box systemctl show -p \
	    InvocationID --value ar.service)" = "$inv" ]
	check "systemd brings it back itself" wait_for 10 \
	    "$TOP/test/box/box.sh" run "$BOX" systemctl -q is-active ar.service
}

# Units whose names need escaping, and template instances.
t_names() {
	begin "names with \\x2d escapes and @ instances are healed"
	unit 'foo\x2dbar.service' <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	unit 'tmpl@.service' <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	unit 'foo-bar.service' <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	local u h
	for u in 'foo\x2dbar.service' 'tmpl@tty1.service' 'foo-bar.service'; do
		box /usr/local/bin/ansai enable "$u" >/dev/null
		box systemctl start -- "$u"
		box systemctl kill -s KILL -- "$u"
		check "$u: heal recorded" wait_heals "$u" 1 30
		h=$(last_history "$u")
		check "$u: healed" [ "$(hfield "$h" 4)" = healed ]
		check "$u: report exists" box test -s "$(report_of "$h")"
		check "$u: running" box systemctl -q is-active -- "$u"
	done
}

t_enable_disable() {
	begin "enable / disable round trip, refusals, analyze verify"
	local out rc
	box /usr/local/bin/ansai enable getty@tty1.service >/dev/null
	check "getty@tty1: OnFailure wired" [ "$(box systemctl show -p \
	    OnFailure --value getty@tty1.service)" = \
	    "ansai-heal@getty@tty1.service.service" ]
	check "drop-in file exists" box test -f \
	    /etc/systemd/system/getty@tty1.service.d/ansai-self-heal.conf
	box /usr/local/bin/ansai disable getty@tty1.service >/dev/null
	check "getty@tty1: OnFailure gone" [ -z "$(box systemctl show -p \
	    OnFailure --value getty@tty1.service)" ]
	check "drop-in directory removed" box test ! -e \
	    /etc/systemd/system/getty@tty1.service.d
	box /usr/local/bin/ansai enable nosuch.service 2>/dev/null
	rc=$?
	check "missing unit refused with 66" [ "$rc" -eq 66 ]
	check "no drop-in for a missing unit" box test ! -e \
	    /etc/systemd/system/nosuch.service.d
	box /usr/local/bin/ansai enable ansai-heal@x.service 2>/dev/null
	rc=$?
	check "ansai's own unit refused with 65" [ "$rc" -eq 65 ]
	out=$(box /usr/local/bin/ansai status)
	check "status lists enabled units" contains "$out" flask-app.service
	out=$(box systemd-analyze verify \
	    '/etc/systemd/system/ansai-heal@.service' 2>&1)
	rc=$?
	check "systemd-analyze verify clean (rc=$rc: $out)" \
	    [ "$rc" -eq 0 -a -z "$out" ]
}

t_heal_edges() {
	begin "heal: missing unit, dry run, broken configuration"
	local rc out h
	box /usr/local/bin/ansai heal nosuch.service 2>/dev/null
	rc=$?
	check "missing unit: exit 66" [ "$rc" -eq 66 ]
	check "missing unit: no history" [ "$(history_count nosuch.service)" \
	    -eq 0 ]
	unit dry.service <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	box systemctl start dry.service
	box systemctl kill -s KILL dry.service
	out=$(box /usr/local/bin/ansai heal --dry-run dry.service 2>/dev/null)
	rc=$?
	check "dry run: exit 0" [ "$rc" -eq 0 ]
	check "dry run: report on stdout" contains "$out" "DRY RUN"
	check "dry run: says what it would do" contains "$out" \
	    "would run systemctl restart dry.service"
	check "dry run: unit left failed" [ "$(box systemctl show -p \
	    ActiveState --value dry.service)" = failed ]
	check "dry run: no history" [ "$(history_count dry.service)" -eq 0 ]
	box cp /etc/ansai/ansai.conf /etc/ansai/ansai.conf.good
	printf '[heal]\nstabilize_sec = soon\n' | conf
	box /usr/local/bin/ansai heal dry.service 2>/dev/null
	rc=$?
	check "broken config: still healed (exit 0)" [ "$rc" -eq 0 ]
	h=$(last_history dry.service)
	out=$(box_cat "$(report_of "$h")")
	check "broken config: report says so, with FILE:LINE" contains \
	    "$out" "/etc/ansai/ansai.conf:2: stabilize_sec"
	box /usr/local/bin/ansai check >/dev/null 2>&1
	rc=$?
	check "ansai check: exit 78" [ "$rc" -eq 78 ]
	box mv /etc/ansai/ansai.conf.good /etc/ansai/ansai.conf
}
