# cases_limits.sh - rate limiting, one heal per unit, escalation.

# Count history lines of UNIT with RESULT.
count_result() {
	local n
	n=$(box sh -c 'grep -c -P -- "\t\Q$1\E\t\Q$2\E\t" \
	    /var/lib/ansai/history 2>/dev/null' sh "$1" "$2") || true
	printf '%s\n' "${n:-0}"
}

t_limit_escalation() {
	begin "escalation: exact commands, crit priority, critical marked"
	conf <<'C'
[heal]
stabilize_sec = 1
ssh_target = admin@gw-test
[unit l-crit]
critical = yes
C
	unit l-crit.service <<'U'
[Service]
ExecStart=/bin/sh -c 'echo "fatal: no license" >&2; exit 3'
U
	box ansai enable l-crit >/dev/null
	box systemctl start l-crit.service
	check "a heal is recorded" wait_heals l-crit.service 1 30
	local h r j
	h=$(last_history l-crit.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	r=$(box_cat "$(report_of "$h")")
	check "report: ESCALATED headline, critical" contains "$r" \
	    "NOT HEALED - ESCALATED - CRITICAL"
	check "report: ESCALATED section" contains "$r" \
	    "ESCALATED: a human is needed"
	check "report: ssh to the configured target" contains "$r" \
	    "ssh admin@gw-test"
	check "report: journalctl command" contains "$r" \
	    "journalctl -u l-crit.service -b"
	check "report: names itself" contains "$r" "cat $(report_of "$h")"
	j=$(box journalctl -t ansai-self-heal -p crit --no-pager -o cat)
	check "journal: crit line for the escalation" contains "$j" \
	    "l-crit.service: ESCALATED (critical unit)"
}

t_limit_two_triggers() {
	begin "two heals of one unit at the same moment: one heals"
	conf <<'C'
[heal]
stabilize_sec = 2
C
	unit l-two.service <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	box systemctl start l-two.service
	box systemctl kill -s KILL l-two.service
	wait_for 5 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p ActiveState --value l-two.service)\" = failed ]"
	local rcs
	rcs=$(box sh -c 'ansai heal l-two.service >/dev/null 2>&1 & a=$!
	    ansai heal l-two.service >/dev/null 2>&1 & b=$!
	    wait $a; ra=$?; wait $b; rb=$?; echo "$ra $rb"')
	check "exit codes are 0 and 75 (got $rcs)" \
	    [ "$(echo "$rcs" | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "0 75 " ]
	check "history: one healed" [ "$(count_result l-two.service healed)" \
	    -eq 1 ]
	check "history: one busy" [ "$(count_result l-two.service busy)" -eq 1 ]
	check "it runs" box systemctl -q is-active l-two.service
	# Through systemd: two start requests merge into one heal.
	box ansai enable l-two >/dev/null
	box systemctl kill -s KILL l-two.service
	wait_heals l-two.service 3 30
	box sh -c 'systemctl start --no-block ansai-heal@l-two.service.service
	    systemctl start --no-block ansai-heal@l-two.service.service'
	sleep 1
	wait_heals l-two.service 3 30
	check "OnFailure plus two start requests: still two healed" \
	    [ "$(count_result l-two.service healed)" -eq 2 ]
}

t_limit_storm() {
	begin "restart storm for a minute: max_heals per window, one escalation"
	conf <<'C'
[heal]
stabilize_sec = 1
[unit l-storm]
max_heals = 3
window_sec = 300
C
	unit l-storm.service <<'U'
[Unit]
StartLimitIntervalSec=0
[Service]
ExecStart=/bin/sh -c 'echo crashing; exit 1'
U
	box ansai enable l-storm >/dev/null
	local end=$((SECONDS + 60)) starts=0
	while [ "$SECONDS" -lt "$end" ]; do
		box systemctl start --no-block l-storm.service
		starts=$((starts + 1))
		sleep 1
	done
	wait_for 30 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p ActiveState --value ansai-heal@l-storm.service.service)\" \
	    != activating ]"
	local acted rl sup
	acted=$(( $(count_result l-storm.service not-healed) +
	    $(count_result l-storm.service healed) ))
	rl=$(count_result l-storm.service rate-limited)
	sup=$(count_result l-storm.service suppressed)
	say "storm: $starts starts, $acted heals, $rl rate-limited, $sup suppressed"
	check "exactly max_heals (3) heals acted" [ "$acted" -eq 3 ]
	check "exactly one escalation in the window" [ "$rl" -eq 1 ]
	check "the other triggers were recorded as suppressed" [ "$sup" -ge 10 ]
	check "heal unit never refused by systemd's start limit" [ "$(box \
	    systemctl show -p Result --value \
	    ansai-heal@l-storm.service.service)" != start-limit-hit ]
	check "no start-limit message for the heal unit" [ -z "$(box \
	    journalctl --no-pager -o cat -u ansai-heal@l-storm.service.service \
	    | grep -i 'repeated too quickly')" ]
	local r
	r=$(box sh -c 'grep -l "rate limit" /var/lib/ansai/reports/*l-storm*' |
	    head -n 1)
	check "the escalation report names the rate limit" [ -n "$r" ]
	box ansai disable l-storm >/dev/null
}
