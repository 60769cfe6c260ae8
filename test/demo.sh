#!/bin/bash
# demo.sh - `make demo`: ansai healing a real Flask app in a real,
# throwaway systemd.  Boots the box, installs ansai and a Flask app on
# 127.0.0.1:5000 wired with `ansai enable`, kills the app with SIGKILL
# (exit 137, as the OOM killer would), and shows what happened.  The
# box is removed at the end, whatever happens.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/test/e2e/lib.sh"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '    $ %s\n' "$*"; box "$@" 2>&1 | sed 's/^/    /'; }

trap box_down EXIT
trap 'exit 130' INT TERM

step "Booting a throwaway systemd (PID 1 of its own namespaces)"
box_up || { say "demo: the box did not boot"; exit 1; }
box systemctl --version | head -n 1 | sed 's/^/    /'

step "Installing a Flask app as flask-app.service on 127.0.0.1:5000"
unit flask-app.service <<'U'
[Unit]
Description=Flask demo app
[Service]
ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py
U
conf <<'C'
[heal]
stabilize_sec = 3
[unit flask-app]
port = 5000
critical = yes
C
box systemctl start flask-app.service
wait_for 20 box curl -fsS --max-time 1 http://127.0.0.1:5000/ ||
    { say "demo: the app did not come up"; exit 1; }
show curl -sS http://127.0.0.1:5000/
show cat /etc/ansai/ansai.conf

step "Wiring it to ansai"
show ansai enable flask-app.service
show systemctl cat flask-app.service

step "Killing the app with SIGKILL, as the OOM killer would"
pid=$(box systemctl show -p MainPID --value flask-app.service)
show kill -KILL "$pid"
t0=$(date +%s.%N)
wait_for 30 box curl -fsS --max-time 1 http://127.0.0.1:5000/ ||
    { say "demo: the app was not healed"; exit 1; }
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "    serving again after \
%.2f s (seen from outside, polling HTTP)\n", b - a }'
wait_heals flask-app.service 1 30 || { say "demo: no heal recorded"; exit 1; }

step "The story in the journal (journalctl -t ansai-self-heal)"
show journalctl -t ansai-self-heal --no-pager -o short-precise

step "The report"
report=$(last_history flask-app.service | cut -f 8)
show cat "$report"

step "ansai history and ansai status"
show ansai history
show ansai status

step "The app answers HTTP again"
show curl -sS http://127.0.0.1:5000/
show systemctl show -p NRestarts,ActiveState,SubState flask-app.service

step "Done; removing the box"
