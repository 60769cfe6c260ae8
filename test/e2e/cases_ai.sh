# cases_ai.sh - e2e cases of the model client: a heal of a killed
# Flask app explained by a Groq-shaped model, the prompt redacted; a
# model that never answers costs no recovery time; `ansai analyze`.
#
# The model is test/ai/fake_llm.py, run INSIDE the box by Debian's
# /usr/bin/python3 as the transient unit fake-llm.service, HTTPS on
# 127.0.0.1 (a port the kernel picks) with a certificate for localhost
# from a test CA made by test/tls/mkcerts.sh on the host and copied in.
# ansai.conf points [ai] url at it: nothing leaves the box (its network
# namespace has only lo).  It records each request under /run/fake-llm;
# the file /run/fake-llm/mode selects how it answers.
#
# The app is a-flask.service on 127.0.0.1:5300, which prints planted
# secrets to its journal before it is killed.  Each case saves the
# configuration it found and puts it back, and stops what it started.

AI_KEY=gsk-e2e-fake-key-0123
AI_REC=/run/fake-llm
AI_PORT=""
AI_SAVED=""
AI_SECRETS="hunter2-SECRET tok3nSECRETvalue42 oncall.pager@example.org
ACME-493021"

AI_FLASK_UNIT='[Unit]
Description=Flask app for the model tests
[Service]
Environment=PORT=5300
ExecStartPre=/bin/echo db login password=hunter2-SECRET ok
ExecStartPre=/bin/echo upstream: Authorization: Bearer tok3nSECRETvalue42
ExecStartPre=/bin/echo alerts to oncall.pager@example.org, ref ACME-493021
ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py'

lacks() { ! contains "$1" "$2"; }
# between V LO HI: LO <= V < HI, V a number.
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; }

ai_http_ok() { box curl -fsS --max-time 2 http://127.0.0.1:5300/ >/dev/null; }

# The certificates, the server and the key; the app, wired and running.
ai_begin() {
	local certs
	AI_SAVED=$(box cat /etc/ansai/ansai.conf 2>/dev/null)
	certs=$(mktemp -d /tmp/ansai-e2e-certs.XXXXXX)
	sh "$TOP/test/tls/mkcerts.sh" "$certs" >/dev/null 2>&1 ||
	    fail "mkcerts.sh failed"
	for f in ca.crt good.crt good.key; do
		"$TOP/test/box/box.sh" cp "$BOX" "$certs/$f" \
		    "/etc/ansai-test/$f"
	done
	rm -rf "$certs"
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/ai/fake_llm.py" \
	    /usr/local/lib/fake_llm.py
	box rm -rf "$AI_REC"
	box mkdir -m 0700 "$AI_REC"
	box systemd-run --quiet --unit=fake-llm.service \
	    /usr/bin/python3 /usr/local/lib/fake_llm.py --dir "$AI_REC" \
	    --cert /etc/ansai-test/good.crt --key /etc/ansai-test/good.key \
	    --api-key "$AI_KEY"
	wait_for 10 box test -s "$AI_REC/port" || fail "fake-llm did not start"
	AI_PORT=$(box cat "$AI_REC/port" | tr -d '\n')
	printf '%s\n' "$AI_KEY" | box sh -c 'umask 077; cat > /etc/ansai/ai.key'
	ai_conf 5
	if ! box systemctl -q is-active a-flask.service; then
		printf '%s' "$AI_FLASK_UNIT" | unit a-flask.service
		box systemctl start a-flask.service
		box /usr/local/bin/ansai enable a-flask >/dev/null
	fi
	wait_for 20 ai_http_ok || fail "a-flask does not answer"
}

ai_end() {
	box systemctl stop fake-llm.service 2>/dev/null
	box /usr/local/bin/ansai disable a-flask >/dev/null 2>&1
	box systemctl stop a-flask.service 2>/dev/null
	if [ -n "$AI_SAVED" ]; then
		printf '%s\n' "$AI_SAVED" | conf
	else
		box rm -f /etc/ansai/ansai.conf
	fi
}

# ai_conf TIMEOUT_SEC: the whole configuration, [ai] at fake-llm.
ai_conf() {
	conf <<C
[heal]
stabilize_sec = 1
[unit a-flask]
port = 5300
[ai]
provider = groq
url = https://localhost:$AI_PORT/openai/v1/chat/completions
model = fake-model-1
key_file = /etc/ansai/ai.key
timeout_sec = $1
redact = ACME-[0-9]{6}
[tls]
ca_file = /etc/ansai-test/ca.crt
C
}

ai_mode() { printf '%s\n' "$1" | box_write "$AI_REC/mode"; }
ai_requests() { box sh -c 'ls "$1"/req-*.json 2>/dev/null | wc -l' sh \
    "$AI_REC"; }
ai_clear() { box sh -c 'rm -f "$1"/req-*' sh "$AI_REC"; }

# Field of the last recorded request, read by Python in the box:
# method, path, auth (the Authorization header), content (the user
# message, JSON-decoded), body (as received).
ai_last() {
	box /usr/bin/python3 - "$AI_REC" "$1" <<'PY'
import glob, json, sys
d, what = sys.argv[1], sys.argv[2]
last = sorted(glob.glob(d + "/req-*.json"))[-1]
meta = json.load(open(last))
body = open(last[:-5] + ".body", "rb").read().decode("utf-8", "replace")
if what == "body":
    print(body)
elif what == "content":
    print(json.loads(body)["messages"][1]["content"])
elif what == "auth":
    print(meta["header"].get("authorization", "-"))
else:
    print(meta[what])
PY
}

# Kill a-flask and wait for heal number N of it; prints its history line.
ai_kill_and_heal() {
	box systemctl kill -s KILL a-flask.service
	wait_heals a-flask.service "$1" 40 || fail "no heal number $1"
	last_history a-flask.service
}

t_ai_explains_heal() {
	begin "ai: a killed Flask app healed and explained by the model"
	ai_begin
	ai_mode ok
	ai_clear
	local n h r body content s
	n=$(history_count a-flask.service)
	h=$(ai_kill_and_heal $((n + 1)))
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: cause signal:KILL" [ "$(hfield "$h" 5)" = signal:KILL ]
	r=$(box_cat "$(report_of "$h")")
	check "report: Analysis section" contains "$r" "
Analysis
--------
"
	check "report: from the model" contains "$r" \
	    "From the model fake-model-1 at https://localhost:$AI_PORT/"
	check "report: ROOT CAUSE from the model" contains "$r" "ROOT CAUSE: \
FAKE-LLM root cause: the process was killed by SIGKILL."
	check "report: WHY from the model" contains "$r" \
	    "WHY: FAKE-LLM why: systemd reports signal KILL."
	check "report: FIX from the model" contains "$r" \
	    "FIX: FAKE-LLM fix: systemctl restart the unit."
	check "report: PREVENTION from the model" contains "$r" \
	    "PREVENTION: FAKE-LLM prevention: find who sends SIGKILL."
	check "report: built-in analysis for comparison" contains "$r" \
	    "Built-in analysis, for comparison: a-flask.service was killed"
	# password, Bearer token, e-mail address, [ai] redact pattern.
	check "report: 4 values were removed" contains "$r" \
	    "Redaction: 4 values were removed before this text left the"
	check "one request to the model" [ "$(ai_requests)" -eq 1 ]
	check "request: POST" [ "$(ai_last method)" = POST ]
	check "request: Groq's path" \
	    [ "$(ai_last path)" = /openai/v1/chat/completions ]
	check "request: the key from key_file" \
	    [ "$(ai_last auth)" = "Bearer $AI_KEY" ]
	content=$(ai_last content)
	body=$(ai_last body)
	check "prompt: the unit" contains "$content" "Unit: a-flask.service"
	check "prompt: the cause" contains "$content" "killed by signal SIGKILL"
	check "prompt: the failed run's journal" contains "$content" \
	    "flask-app starting"
	check "prompt: password redacted in place" contains "$content" \
	    "password=[REDACTED]"
	for s in $AI_SECRETS; do
		check "request: no $s" lacks "$body" "$s"
	done
	check "the secret was in the journal" contains "$(box journalctl \
	    -u a-flask.service --no-pager -o cat)" "hunter2-SECRET"
	check "journal: the model explained it" contains "$(box journalctl \
	    -t ansai-self-heal --no-pager -o cat)" \
	    "a-flask.service: fake-model-1 explained it"
	check "app answers again" ai_http_ok
	ai_end
}

t_ai_silent_model() {
	begin "ai: a model that never answers costs no recovery time"
	ai_begin
	ai_conf 3
	ai_mode silent
	ai_clear
	local n h r t0 took
	n=$(history_count a-flask.service)
	t0=$(date +%s%N)
	h=$(ai_kill_and_heal $((n + 1)))
	took=$((($(date +%s%N) - t0) / 1000000))
	check "history: healed" [ "$(hfield "$h" 4)" = healed ]
	check "history: downtime under 2 s ($(hfield "$h" 6) ms)" \
	    between "$(hfield "$h" 6)" 0 2000
	check "the app answered long before the model gave up" ai_http_ok
	# The heal waited for the model's deadline (3 s) and no longer.
	check "heal waited the model's deadline, no more ($took ms)" \
	    between "$took" 3000 9000
	r=$(box_cat "$(report_of "$h")")
	check "report: no analysis from the model" contains "$r" \
	    "The model fake-model-1 gave no analysis"
	# N counts from the connect, a few ms after the deadline was set.
	local n_ms
	n_ms=$(printf '%s\n' "$r" | grep -o 'timed out after [0-9]* ms' |
	    head -n 1 | tr -dc 0-9)
	check "report: the reason, timed out after ${n_ms:-?} ms" \
	    between "$n_ms" 2500 3001
	check "report: built-in analysis in place" contains "$r" \
	    "ROOT CAUSE: a-flask.service was killed by signal SIGKILL"
	check "report: no model text" lacks "$r" FAKE-LLM
	check "the model got the request" [ "$(ai_requests)" -eq 1 ]
	check "journal: warning with the reason" contains "$(box journalctl \
	    -t ansai-self-heal --no-pager -o cat)" \
	    "no explanation from the model: "
	ai_end
}

# systemd merges an OnFailure= start into a heal still running, here
# one waiting on a silent model: ansai must look again when it is done
# and heal the new failure itself.
t_ai_fails_during_model_wait() {
	begin "ai: a failure while the model is waited on is healed too"
	ai_begin
	ai_conf 6
	ai_mode silent
	local n
	n=$(history_count a-flask.service)
	box systemctl kill -s KILL a-flask.service
	# Healed in well under a second; the model keeps the heal busy.
	wait_for 10 ai_http_ok
	sleep 1
	box systemctl kill -s KILL a-flask.service
	check "two heals are recorded" wait_heals a-flask.service $((n + 2)) 60
	check "the second is healed too" [ "$(hfield "$(last_history \
	    a-flask.service)" 4)" = healed ]
	check "the app answers" wait_for 10 ai_http_ok
	check "journal: it says it healed again" contains "$(box journalctl \
	    -t ansai-self-heal --no-pager -o cat)" \
	    "a-flask.service: it failed again while this heal finished"
	ai_end
}

t_ai_analyze() {
	begin "ai: ansai analyze prints the model's four sections"
	ai_begin
	ai_mode ok
	ai_clear
	local n out rc content
	# A failure to analyse: kill it, let the heal run.
	n=$(history_count a-flask.service)
	ai_kill_and_heal $((n + 1)) >/dev/null
	ai_clear
	out=$(box /usr/local/bin/ansai analyze a-flask 2>/dev/null)
	rc=$?
	check "analyze: exit 0" [ "$rc" -eq 0 ]
	check "analyze: from the model" contains "$out" \
	    "From fake-model-1 (https://localhost:$AI_PORT/"
	check "analyze: ROOT CAUSE" contains "$out" "ROOT CAUSE: FAKE-LLM root"
	check "analyze: WHY" contains "$out" "WHY: FAKE-LLM why"
	check "analyze: FIX" contains "$out" "FIX: FAKE-LLM fix"
	check "analyze: PREVENTION" contains "$out" "PREVENTION: FAKE-LLM prev"
	check "analyze: one request" [ "$(ai_requests)" -eq 1 ]
	content=$(ai_last content)
	check "analyze: prompt names the unit" contains "$content" \
	    "Unit: a-flask.service"
	check "analyze: prompt redacted" lacks "$(ai_last body)" \
	    hunter2-SECRET
	# The model refuses the key: the built-in analysis, and why.
	ai_mode 401
	out=$(box /usr/local/bin/ansai analyze a-flask 2>/dev/null)
	check "analyze, 401: says why" contains "$out" \
	    "The model gave no answer (refused (401)"
	check "analyze, 401: built-in ROOT CAUSE" contains "$out" \
	    "ROOT CAUSE: "
	check "analyze, 401: no model text" lacks "$out" FAKE-LLM
	ai_end
}
