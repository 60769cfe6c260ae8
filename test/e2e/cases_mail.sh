# cases_mail.sh - e-mail alerts through ansai's own SMTP client to a real
# SMTP server (Debian's python3-aiosmtpd, in the box on 127.0.0.1:2525,
# plain SMTP: tls = none is allowed for loopback only), which stores
# each message in a Maildir; with the server down the alert waits in
# the spool and `ansai flush --now` delivers it exactly once.

ML_DIR=/run/fake-mail

ml_start() {
	box mkdir -p "$ML_DIR/tmp" "$ML_DIR/new" "$ML_DIR/cur"
	box systemd-run --quiet --unit=fake-mail.service /usr/bin/python3 \
	    -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox \
	    "$ML_DIR"
	wait_for 10 box sh -c 'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null
}

ml_stop() { box systemctl stop fake-mail.service 2>/dev/null; }

ml_count() {
	box sh -c 'ls "$1"/new 2>/dev/null | wc -l' sh "$ML_DIR"
}

# The newest message's decoded subject, by Python's own mail parser.
ml_subject() {
	box sh -c 'f=$(ls -t "$1"/new/* | head -n 1); /usr/bin/python3 -c "
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))
print(str(email.header.make_header(email.header.decode_header(m[\"Subject\"]))))
" "$f"' sh "$ML_DIR"
}

t_mail_alerts() {
	begin "mail: the seed's subject through a real SMTP server; spooled while down"
	box rm -rf "$ML_DIR"
	ml_start
	conf <<'C'
[heal]
stabilize_sec = 1
[mail]
server = 127.0.0.1
port = 2525
tls = none
from = ansai@box.example
to = oncall@example.org, backup@example.org
timeout_sec = 5
C
	unit ml-app.service <<'U'
[Service]
ExecStart=/bin/sleep infinity
U
	box systemctl start ml-app.service
	box ansai enable ml-app >/dev/null
	local n
	n=$(history_count ml-app.service)
	box systemctl kill -s KILL ml-app.service
	wait_heals ml-app.service $((n + 1)) 30
	check "a mail arrived" wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh \
	    run $BOX sh -c 'ls $ML_DIR/new | wc -l')\" -ge 1 ]"
	check "its subject decodes to the seed's text" [ "$(ml_subject)" = \
	    "✅ ANSAI: ml-app.service - RESOLVED" ]
	check "the body says what happened" box grep -rqa "RESOLVED\|healed" \
	    "$ML_DIR/new"
	# Down during the heal: spooled; back: flushed once.
	ml_stop
	n=$(history_count ml-app.service)
	box systemctl kill -s KILL ml-app.service
	wait_heals ml-app.service $((n + 1)) 30
	check "status: the mail waits in the spool" contains \
	    "$(box ansai status)" "1 pending"
	ml_start
	box ansai flush --now >/dev/null
	check "after flush: delivered" [ "$(ml_count)" -eq 2 ]
	box ansai flush --now >/dev/null
	check "a second flush sends nothing again" [ "$(ml_count)" -eq 2 ]
	# An escalation: the seed's FAILED subject, commands in the body.
	unit ml-dead.service <<'U'
[Service]
ExecStart=/bin/sh -c 'echo "fatal: no database"; exit 1'
U
	box ansai enable ml-dead >/dev/null
	box systemctl start ml-dead.service
	wait_heals ml-dead.service 1 30
	check "an escalation mail arrived" wait_for 10 sh -c "[ \"\$(\
	    $TOP/test/box/box.sh run $BOX sh -c 'ls $ML_DIR/new | wc -l')\" \
	    -ge 3 ]"
	check "its subject is the seed's FAILED one" [ "$(ml_subject)" = \
	    "❌ ANSAI: ml-dead.service - FAILED" ]
	check "the body carries the commands for a human" box sh -c \
	    'f=$(ls -t "$1"/new/* | head -n 1); /usr/bin/python3 -c "
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], \"rb\"))
t = m.get_payload(decode=True).decode()
sys.exit(0 if \"systemctl status ml-dead.service\" in t else 1)
" "$f"' sh "$ML_DIR"
	box ansai disable ml-dead ml-app >/dev/null
	box systemctl stop ml-app.service
	ml_stop
}

# The seed's scenario with alerts: the Flask app crashes with mail and
# Slack configured; the mail server greylists (450 on RCPT), so the
# mail waits in the spool while Slack has it at once; a later flush,
# once the server lets it through, delivers the mail once.
t_mail_flask_greylisted() {
	begin "alerts: Flask crash, Slack at once, greylisted mail on a later flush"
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/smtp/greylist.py" \
	    /usr/local/lib/greylist.py
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/alert/fake_hooks.py" \
	    /usr/local/lib/fake_hooks.py
	box rm -rf /run/greylist
	box mkdir -m 0700 /run/greylist
	box systemd-run --quiet --unit=greylist.service /usr/bin/python3 \
	    /usr/local/lib/greylist.py --dir /run/greylist --port 2526
	al_start
	conf <<C
[heal]
stabilize_sec = 1
[unit ml-flask]
port = 5320
[mail]
server = 127.0.0.1
port = 2526
tls = none
from = ansai@box.example
to = oncall@example.org
timeout_sec = 5
[slack]
url = http://127.0.0.1:$AL_PORT/slack-ok/T000/B000/secretpart
C
	unit ml-flask.service <<'U'
[Service]
Environment=PORT=5320
ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py
U
	box systemctl start ml-flask.service
	wait_for 20 box curl -fsS --max-time 1 http://127.0.0.1:5320/ >/dev/null
	box ansai enable ml-flask >/dev/null
	box systemctl kill -s KILL ml-flask.service
	check "healed" wait_heals ml-flask.service 1 30
	check "Flask answers again" box curl -fsS --max-time 2 \
	    http://127.0.0.1:5320/ -o /dev/null
	check "slack had it at once" wait_for 10 sh -c "[ \"\$(\
	    $TOP/test/box/box.sh run $BOX sh -c 'ls $AL_REC/req-*.body | wc -l')\" \
	    -ge 1 ]"
	check "the greylisted mail waits in the spool" contains \
	    "$(box ansai status)" "1 pending"
	check "nothing delivered yet" [ "$(box sh -c 'ls /run/greylist/*.eml \
	    2>/dev/null | wc -l')" -eq 0 ]
	box touch /run/greylist/open
	box ansai flush --now >/dev/null
	check "delivered on the later flush" [ "$(box sh -c \
	    'ls /run/greylist/*.eml 2>/dev/null | wc -l')" -eq 1 ]
	box ansai flush --now >/dev/null
	check "and only once" [ "$(box sh -c 'ls /run/greylist/*.eml \
	    2>/dev/null | wc -l')" -eq 1 ]
	check "the mail names the unit" box grep -q "ml-flask.service" \
	    /run/greylist/msg-1.eml
	box ansai disable ml-flask >/dev/null
	box systemctl stop ml-flask.service greylist.service
	al_stop
}
