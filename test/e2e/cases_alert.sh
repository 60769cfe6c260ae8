# cases_alert.sh - alerts reach Slack and a webhook (test/alert/
# fake_hooks.py inside the box, plain HTTP on 127.0.0.1); with the
# receivers down they wait in the spool and `ansai flush --now` delivers
# each exactly once; a permanent refusal is kept as dead.

AL_REC=/run/fake-hooks

# al_start [--cert CERT --key KEY]
al_start() {
	box rm -rf "$AL_REC"
	box mkdir -m 0700 "$AL_REC"
	box systemd-run --quiet --unit=fake-hooks.service /usr/bin/python3 \
	    /usr/local/lib/fake_hooks.py --dir "$AL_REC" "$@"
	wait_for 10 box test -s "$AL_REC/port"
	AL_PORT=$(box cat "$AL_REC/port" | tr -d '\n')
}

al_stop() { box systemctl stop fake-hooks.service 2>/dev/null; }

# al_conf SLACK_MODE HOOK_MODE
al_conf() {
	conf <<C
[heal]
stabilize_sec = 1
[slack]
url = http://127.0.0.1:$AL_PORT/$1/T000/B000/secretpart
timeout_sec = 3
[webhook]
url = http://127.0.0.1:$AL_PORT/$2/hookkey
header = X-Ansai-Token: test-token-1
timeout_sec = 3
C
}

al_count() {
	box sh -c 'ls "$1"/req-*.body 2>/dev/null | wc -l' sh "$AL_REC"
}

al_bodies() { box sh -c 'cat "$1"/req-*.body 2>/dev/null' sh "$AL_REC"; }

al_kill_heal() {
	local n
	n=$(history_count al-app.service)
	box systemctl kill -s KILL al-app.service
	wait_heals al-app.service $((n + 1)) 30
}

t_alert_channels() {
	begin "alerts: Slack and webhook on heal; spooled while down; flushed once"
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/alert/fake_hooks.py" \
	    /usr/local/lib/fake_hooks.py
	al_start
	al_conf slack-ok hook-200
	unit al-app.service <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	box systemctl start al-app.service
	box ansai enable al-app >/dev/null
	al_kill_heal
	check "both channels got the alert" wait_for 10 \
	    sh -c "[ \"\$($TOP/test/box/box.sh run $BOX sh -c 'ls $AL_REC/req-*.body | wc -l')\" -ge 2 ]"
	local b
	b=$(al_bodies)
	check "webhook: the stable JSON document" contains "$b" \
	    '"event":"ansai.heal"'
	check "webhook: unit and result" contains "$b" \
	    '"unit":"al-app.service"'
	check "webhook: healed" contains "$b" '"result":"healed"'
	check "slack: the seed's subject" contains "$b" \
	    "ANSAI: al-app.service - RESOLVED"
	check "the header was sent" box grep -rq "test-token-1" "$AL_REC"
	local t
	t=$(box ansai test-alert)
	check "test-alert: slack sent" contains "$t" "slack    sent"
	check "test-alert: webhook sent" contains "$t" "webhook  sent"

	# The receivers go down: the alert waits in the spool.
	box sh -c 'rm -f "$1"/req-*' sh "$AL_REC"
	al_stop
	al_kill_heal
	local s
	s=$(box ansai status)
	check "status: two alerts pending in the spool" contains "$s" \
	    "2 pending"
	al_start
	al_conf slack-ok hook-200
	box ansai flush --now >/dev/null
	check "after flush: each channel got it once" [ "$(al_count)" -eq 2 ]
	box ansai flush --now >/dev/null
	check "a second flush sends nothing again" [ "$(al_count)" -eq 2 ]
	s=$(box ansai status)
	check "the spool is empty" lacks "$s" "alert spool:"

	# A permanent refusal is kept as dead and shown, never retried.
	al_conf slack-ok hook-404
	al_kill_heal
	s=$(box ansai status)
	check "status: the webhook's refusal is dead" contains "$s" \
	    "dead: al-app.service to webhook"
	local before
	before=$(al_count)
	box ansai flush --now >/dev/null
	check "flush does not retry the dead one" [ "$(al_count)" -eq "$before" ]
	# The same over HTTPS, verified against the tests' own CA.
	local certs
	al_stop
	certs=$(mktemp -d /tmp/ansai-e2e-certs.XXXXXX)
	sh "$TOP/test/tls/mkcerts.sh" "$certs" >/dev/null 2>&1
	for f in ca.crt good.crt good.key; do
		"$TOP/test/box/box.sh" cp "$BOX" "$certs/$f" "/etc/ansai-al/$f"
	done
	rm -rf "$certs"
	al_start --cert /etc/ansai-al/good.crt --key /etc/ansai-al/good.key
	conf <<C
[heal]
stabilize_sec = 1
[tls]
ca_file = /etc/ansai-al/ca.crt
[slack]
url = https://localhost:$AL_PORT/slack-ok/T000/B000/secretpart
[webhook]
url = https://localhost:$AL_PORT/hook-200/hookkey
C
	al_kill_heal
	check "https: both channels got the alert" wait_for 10 sh -c "[ \
	    \"\$($TOP/test/box/box.sh run $BOX sh -c 'ls $AL_REC/req-*.body \
	    2>/dev/null | wc -l')\" -ge 2 ]"
	check "https: the webhook JSON arrived" contains "$(al_bodies)" \
	    '"unit":"al-app.service"'
	s=$(box ansai status)
	# Only the webhook's earlier dead entry may remain.
	check "https: nothing pending in the spool" contains "$s" \
	    "alert spool: 0 pending, 1 dead"
	box ansai disable al-app >/dev/null
	box systemctl stop al-app.service
	al_stop
}
