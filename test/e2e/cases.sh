# cases.sh - the e2e cases; each t_* function is one scenario and
# asserts the outcome, the report and the history line.

FLASK_UNIT='[Unit]
Description=Flask demo app
[Service]
ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py
'

report_of() { hfield "$1" 8; }
box_cat() { box cat -- "$1"; }
http_ok() { box curl -fsS --max-time 2 http://127.0.0.1:5000/; }

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
