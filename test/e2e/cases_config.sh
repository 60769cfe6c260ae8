# cases_config.sh - e2e cases of the config strategy: a configuration
# that does not validate is never restarted but escalated with the exact
# problem; with rollback = yes the last-known-good copy is put back.
# Units are named c-*; each case writes the whole ansai.conf it needs.

# A validator that needs no shell: exit 1 and one line on stderr when
# the JSON file named does not parse or lacks a key named after it.
C_VALIDATOR='#!/usr/bin/python3
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("%s: %s" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
for k in sys.argv[2:]:
    if k not in d:
        print("%s: required key %s is missing" % (sys.argv[1], k),
              file=sys.stderr)
        sys.exit(1)
'

c_validator() {
	printf '%s' "$C_VALIDATOR" | box_write /usr/local/bin/c-validate
	box chmod 0755 /usr/local/bin/c-validate
}

# A service that refuses to run on an invalid /etc/NAME.json and counts
# its starts in /run/NAME.starts.  $2: extra [Service] lines.
c_json_unit() {
	local q="'"
	{
		printf '[Service]\n%s' "${2:-}"
		printf 'ExecStart=/bin/sh -c %secho start >> ' "$q"
		printf '/run/%s.starts; /usr/local/bin/c-validate ' "$1"
		printf '/etc/%s.json || exit 1; exec sleep infinity%s\n' \
		    "$1" "$q"
	} | unit "$1.service"
}

c_starts() {
	box sh -c 'wc -l < "$1" 2>/dev/null || echo 0' sh "/run/$1.starts"
}
c_active() { box systemctl -q is-active -- "$1"; }
c_report() { box cat -- "$(hfield "$1" 8)"; }

t_config_validate_escalates() {
	begin "config: invalid JSON: no restart, the validator's words go up"
	local h r n
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-app]
strategies = config, restart
config = /etc/c-app.json
validate = /usr/local/bin/c-validate /etc/c-app.json
C
	c_validator
	printf '{"port": 5201}\n' | box_write /etc/c-app.json
	box rm -f /run/c-app.starts
	c_json_unit c-app
	box systemctl start c-app.service
	check "runs on the valid file" wait_for 10 c_active c-app.service
	box /usr/local/bin/ansai enable c-app >/dev/null
	printf '{"port": 5201,,}\n' | box_write /etc/c-app.json
	box systemctl restart c-app.service
	check "a heal is recorded" wait_heals c-app.service 1 30
	h=$(last_history c-app.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: config failed, restart never tried" \
	    [ "$(hfield "$h" 7)" = config:failed ]
	r=$(c_report "$h")
	check "report: NOT HEALED" contains "$r" "NOT HEALED"
	check "report: not restarted" contains "$r" "not restarted"
	check "report: names the validator and its exit" contains "$r" \
	    "validator /usr/local/bin/c-validate exited 1"
	check "report: the validator's own words" contains "$r" \
	    "/etc/c-app.json: Expecting property name"
	check "journal: escalation logged" contains "$(box journalctl \
	    -t ansai-self-heal -p warning --no-pager -o cat)" \
	    "c-app.service: configuration invalid, not restarted"
	n=$(c_starts c-app)
	check "ansai did not start it (2 starts: ours)" [ "$n" -eq 2 ]
	sleep 2
	check "no loop: still one heal after 2 s" \
	    [ "$(history_count c-app.service)" -eq 1 ]
	check "no loop: still 2 starts" [ "$(c_starts c-app)" -eq 2 ]
	check "the broken file is untouched" [ "$(box cat /etc/c-app.json)" \
	    = '{"port": 5201,,}' ]
	check "no good copy without rollback" box test ! -e \
	    /var/lib/ansai/good/c-app.service
}

t_config_restart_first() {
	begin "config: after a failed restart, the config strategy escalates"
	local h r
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-app2]
strategies = restart, config
config = /etc/c-app2.json
validate = /usr/local/bin/c-validate /etc/c-app2.json
C
	c_validator
	printf '[1, 2\n' | box_write /etc/c-app2.json
	box rm -f /run/c-app2.starts
	c_json_unit c-app2
	box /usr/local/bin/ansai enable c-app2 >/dev/null
	box systemctl start c-app2.service
	check "a heal is recorded" wait_heals c-app2.service 1 30
	h=$(last_history c-app2.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: restart failed, then config failed" \
	    [ "$(hfield "$h" 7)" = restart:failed,config:failed ]
	r=$(c_report "$h")
	check "report: the validator's words" contains "$r" \
	    "/etc/c-app2.json: Expecting"
	sleep 2
	check "no loop: one heal" [ "$(history_count c-app2.service)" -eq 1 ]
	check "no loop: 2 starts (ours, ansai's one restart)" \
	    [ "$(c_starts c-app2)" -eq 2 ]
}

t_config_rollback() {
	begin "config: rollback = yes puts the good copy back and heals"
	local h r out good store broken
	good='{"port": 5202, "name": "good"}'
	store='/var/lib/ansai/good/c-rb.service/etc-c%2drb.json'
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-rb]
strategies = config, restart
config = /etc/c-rb.json
validate = /usr/local/bin/c-validate /etc/c-rb.json
rollback = yes
C
	c_validator
	printf '%s\n' "$good" | box_write /etc/c-rb.json
	box chown root:nogroup /etc/c-rb.json
	box chmod 0640 /etc/c-rb.json
	c_json_unit c-rb 'User=nobody
Group=nogroup
'
	box systemctl start c-rb.service
	check "runs on the valid file" wait_for 10 c_active c-rb.service
	out=$(box /usr/local/bin/ansai enable c-rb)
	check "enable takes a good copy ($out)" contains "$out" \
	    "good copy of 1 config file kept in /var/lib/ansai/good/c-rb.ser"
	check "good copy: same bytes" [ "$(box cat -- "$store")" = "$good" ]
	check "good copy: mode 0600" [ "$(box stat -c %a -- "$store")" = 600 ]
	check "good copy: mode and owner recorded" contains \
	    "$(box cat -- "$store%meta")" "mode=0640
uid=0
gid=65534"
	printf '{"port": 5202, "name": }\n' | box_write /etc/c-rb.json
	box systemctl restart c-rb.service
	check "a heal is recorded" wait_heals c-rb.service 1 40
	h=$(last_history c-rb.service)
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: config ok" [ "$(hfield "$h" 7)" = config:ok ]
	check "the good content is back" [ "$(box cat /etc/c-rb.json)" = \
	    "$good" ]
	check "mode and owner kept" [ "$(box stat -c %a:%U:%G \
	    /etc/c-rb.json)" = 640:root:nogroup ]
	broken=$(box sh -c 'ls /etc/c-rb.json.ansai-broken-*')
	check "one broken file kept ($broken)" [ "$(printf '%s\n' "$broken" |
	    wc -l)" -eq 1 ]
	check "broken name: FILE.ansai-broken-YYYYmmddTHHMMSSZ" \
	    box sh -c 'ls /etc/c-rb.json.ansai-broken-* | grep -qE \
	    "^/etc/c-rb.json.ansai-broken-[0-9]{8}T[0-9]{6}Z$"'
	check "the broken file holds the broken content" [ "$(box cat -- \
	    "$broken")" = '{"port": 5202, "name": }' ]
	r=$(c_report "$h")
	check "report: HEALED" contains "$r" "Result:    HEALED"
	check "report: says what it restored" contains "$r" \
	    "restored /etc/c-rb.json from the good copy of 20"
	check "report: names the broken file" contains "$r" \
	    "broken file kept as $broken"
	check "journal: the restore at warning" contains "$(box journalctl \
	    -t ansai-self-heal -p warning --no-pager -o cat)" \
	    "c-rb.service: RESTORED /etc/c-rb.json from the good copy of"
	check "unit runs" c_active c-rb.service
}

t_config_dry_run() {
	begin "config: a dry run says it would restore, and changes nothing"
	local out rc
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-dry]
strategies = config, restart
config = /etc/c-dry.json
validate = /usr/local/bin/c-validate /etc/c-dry.json
rollback = yes
C
	c_validator
	printf '{"ok": true}\n' | box_write /etc/c-dry.json
	c_json_unit c-dry
	box systemctl start c-dry.service
	check "runs on the valid file" wait_for 10 c_active c-dry.service
	# enable takes the good copy; disable leaves it (nothing deleted)
	# and lets the failure below wait for us.
	box /usr/local/bin/ansai enable c-dry >/dev/null
	box /usr/local/bin/ansai disable c-dry >/dev/null
	check "good copy kept after disable" box test -f \
	    '/var/lib/ansai/good/c-dry.service/etc-c%2ddry.json'
	printf '{"ok": tru\n' | box_write /etc/c-dry.json
	box systemctl restart c-dry.service
	wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl \
	    show -p ActiveState --value c-dry.service)\" = failed ]"
	out=$(box /usr/local/bin/ansai heal --dry-run c-dry 2>/dev/null)
	rc=$?
	check "exit 0" [ "$rc" -eq 0 ]
	check "says it would restore" contains "$out" \
	    "dry run: would restore /etc/c-dry.json from the good copy of"
	check "names the broken file it would keep" contains "$out" \
	    "keeping the broken file as /etc/c-dry.json.ansai-broken-"
	check "file unchanged" [ "$(box cat /etc/c-dry.json)" = '{"ok": tru' ]
	check "no broken file made" [ -z "$(box sh -c \
	    'ls /etc/c-dry.json.ansai-broken-* 2>/dev/null')" ]
	check "unit left failed" [ "$(box systemctl show -p ActiveState \
	    --value c-dry.service)" = failed ]
	check "no history" [ "$(history_count c-dry.service)" -eq 0 ]
}

t_config_env() {
	begin "config: missing EnvironmentFile= and variable escalate"
	local h r
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-env]
strategies = config, restart
env = DB_URL PORT
C
	box rm -f /etc/c-missing.env
	printf 'export PORT=5203\n# DB_URL=commented.out\n' |
	    box_write /etc/c-present.env
	unit c-env.service <<'U'
[Service]
Environment=OTHER=1 "GREETING=hello world"
EnvironmentFile=/etc/c-present.env
EnvironmentFile=-/etc/c-optional.env
EnvironmentFile=/etc/c-missing.env
ExecStart=/bin/sleep infinity
U
	box /usr/local/bin/ansai enable c-env >/dev/null
	box systemctl start c-env.service 2>/dev/null
	check "a heal is recorded" wait_heals c-env.service 1 30
	h=$(last_history c-env.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: config failed, no restart" \
	    [ "$(hfield "$h" 7)" = config:failed ]
	r=$(c_report "$h")
	check "report: the missing EnvironmentFile" contains "$r" \
	    "EnvironmentFile=/etc/c-missing.env does not exist"
	check "report: the missing variable" contains "$r" \
	    "DB_URL is set neither by Environment= nor by an EnvironmentFile="
	check "report: PORT (export in a file) is not missing" \
	    eval '! contains "$r" "PORT is set neither"'
	check "report: the optional file is not a problem" \
	    eval '! contains "$r" c-optional'
	sleep 2
	check "no loop: one heal" [ "$(history_count c-env.service)" -eq 1 ]
	check "systemd tried to start it once only" [ "$(box journalctl \
	    -u c-env.service --no-pager -o cat | grep -c \
	    'Failed to load environment files')" -eq 1 ]
}

t_config_unreadable() {
	begin "config: a file its User= cannot read, and verify errors"
	local h r
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-ur]
strategies = config, restart
config = /etc/c-ur.conf
C
	printf 'secret\n' | box_write /etc/c-ur.conf
	box chown root:root /etc/c-ur.conf
	box chmod 0600 /etc/c-ur.conf
	unit c-ur.service <<'U'
[Service]
User=nobody
ExecStart=/usr/local/bin/c-no-such-binary
U
	box /usr/local/bin/ansai enable c-ur >/dev/null
	box systemctl start c-ur.service 2>/dev/null
	check "a heal is recorded" wait_heals c-ur.service 1 30
	h=$(last_history c-ur.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: config failed" [ "$(hfield "$h" 7)" = config:failed ]
	r=$(c_report "$h")
	check "report: unreadable by its user" contains "$r" \
	    "/etc/c-ur.conf is not readable by User=nobody: Permission denied"
	check "report: systemd-analyze verify on its file" contains "$r" \
	    "c-ur.service: Command /usr/local/bin/c-no-such-binary is not"
}

t_config_rollback_still_invalid() {
	begin "config: the good copy fails too: it stays, both files named"
	local h r good broken
	good='{"name": "good"}'
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-si]
strategies = config, restart
config = /etc/c-si.json
validate = /usr/local/bin/c-validate /etc/c-si.json name
rollback = yes
C
	c_validator
	printf '%s\n' "$good" | box_write /etc/c-si.json
	box rm -f /run/c-si.starts
	c_json_unit c-si
	box systemctl start c-si.service
	check "runs on the valid file" wait_for 10 c_active c-si.service
	box /usr/local/bin/ansai enable c-si >/dev/null
	check "good copy taken" box test -f \
	    '/var/lib/ansai/good/c-si.service/etc-c%2dsi.json'
	# A stricter validator now (an upgrade, say): the good copy
	# lacks "version" as well.
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-si]
strategies = config, restart
config = /etc/c-si.json
validate = /usr/local/bin/c-validate /etc/c-si.json name version
rollback = yes
C
	printf '{"name": \n' | box_write /etc/c-si.json
	box systemctl restart c-si.service
	check "a heal is recorded" wait_heals c-si.service 1 30
	h=$(last_history c-si.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	check "history: config failed" [ "$(hfield "$h" 7)" = config:failed ]
	check "the good copy stays in place" [ "$(box cat /etc/c-si.json)" = \
	    "$good" ]
	broken=$(box sh -c 'ls /etc/c-si.json.ansai-broken-*')
	check "the broken file is kept" [ "$(box cat -- "$broken")" = \
	    '{"name": ' ]
	r=$(c_report "$h")
	check "report: still invalid after the rollback" contains "$r" \
	    "still invalid after the rollback"
	check "report: the validator's words on the good copy" contains "$r" \
	    "required key version is missing"
	check "report: names the restored file" contains "$r" \
	    "restored /etc/c-si.json from the good copy of"
	check "report: names the broken file" contains "$r" \
	    "broken file kept as $broken"
	check "not restarted by ansai (2 starts: ours)" \
	    [ "$(c_starts c-si)" -eq 2 ]
}

t_config_rollback_no_copy() {
	begin "config: rollback = yes without a good copy escalates, untouched"
	local h r out
	conf <<'C'
[heal]
stabilize_sec = 1
[unit c-nc]
strategies = config, restart
config = /etc/c-nc.json
validate = /usr/local/bin/c-validate /etc/c-nc.json
rollback = yes
C
	c_validator
	printf '{"never": "valid"\n' | box_write /etc/c-nc.json
	c_json_unit c-nc
	out=$(box /usr/local/bin/ansai enable c-nc 2>&1 >/dev/null)
	check "enable: no good copy of an inactive unit ($out)" contains \
	    "$out" "not active (inactive/dead), so not known to be good"
	box systemctl start c-nc.service
	check "a heal is recorded" wait_heals c-nc.service 1 30
	h=$(last_history c-nc.service)
	check "history: not-healed" [ "$(hfield "$h" 4)" = not-healed ]
	r=$(c_report "$h")
	check "report: no good copy was ever taken" contains "$r" \
	    "not rolled back: no good copy was ever taken"
	check "report: the validator's words" contains "$r" \
	    "/etc/c-nc.json: Expecting"
	check "file untouched" [ "$(box cat /etc/c-nc.json)" = \
	    '{"never": "valid"' ]
	check "no broken file made" [ -z "$(box sh -c \
	    'ls /etc/c-nc.json.ansai-broken-* 2>/dev/null')" ]
}
