#!/bin/bash
# bench.sh [RUNS] - `make bench`: how fast is a Flask app on :5000
# serving again after SIGKILL, in a throwaway systemd, three ways in one
# run:
#   restart=  plain Restart=on-failure, RestartSec=0 (systemd alone)
#   onfail    a bare OnFailure= unit that only runs systemctl restart
#   ansai     OnFailure= wired by `ansai enable`
# Prints the median, min and max of RUNS kills each (default 9), the
# ratio ansai/onfail, the binary's size and ansai heal's peak RSS.
set -u
RUNS=${1:-9}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/test/e2e/lib.sh"
trap box_down EXIT
trap 'exit 130' INT TERM

box_up >/dev/null || { say "bench: the box did not boot"; exit 1; }
"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/bench/killpoll.py" \
    /usr/local/lib/killpoll.py
# The benchmark kills the app far more often than ansai's rate limit
# allows a real service to fail; lift it for this unit only.
printf '[heal]\nstabilize_sec = 1\n[unit app-ansai]\nport = 5000\nmax_heals = 1000\n' |
    conf

unit bare-restart@.service <<'U'
[Unit]
StartLimitIntervalSec=0
[Service]
Type=oneshot
ExecStart=/bin/systemctl restart %i
U
for mode in restart onfail ansai; do
	{
		echo "[Unit]"
		[ "$mode" = onfail ] &&
		    echo "OnFailure=bare-restart@%n.service"
		echo "StartLimitIntervalSec=0"
		echo "[Service]"
		echo "ExecStart=/usr/bin/python3 /usr/local/lib/flask_app.py"
		[ "$mode" = restart ] &&
		    printf 'Restart=on-failure\nRestartSec=0\n'
	} | unit "app-$mode.service"
done
box ansai enable app-ansai.service >/dev/null

# measure MODE: RUNS kills; prints the sorted times.
measure() {
	local u="app-$1.service" i pid t
	box systemctl start "$u"
	wait_for 20 box curl -fsS --max-time 1 http://127.0.0.1:5000/ ||
	    { say "bench: $u did not come up"; return 1; }
	for i in $(seq "$RUNS"); do
		# Let the previous heal finish and the app settle.
		wait_for 30 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX \
		    systemctl list-jobs --no-legend | wc -l)\" = 0 ]"
		wait_for 30 sh -c "! $TOP/test/box/box.sh run $BOX \
		    systemctl -q is-active 'ansai-heal@*' 'bare-restart@*'"
		wait_for 20 box curl -fsS --max-time 1 \
		    http://127.0.0.1:5000/ >/dev/null
		sleep 0.3
		pid=$(box systemctl show -p MainPID --value "$u")
		t=$(box /usr/bin/python3 /usr/local/lib/killpoll.py "$pid" \
		    5000) || { say "bench: $u: $t"; continue; }
		echo "$t"
	done | sort -n
	box systemctl stop "$u"
	wait_for 10 sh -c "! $TOP/test/box/box.sh run $BOX curl -s \
	    --max-time 1 http://127.0.0.1:5000/"
}

stats() { # sorted numbers on stdin -> "median min max"
	awk '{ v[NR] = $1 } END {
		if (NR == 0 || v[1] == "timeout") { print "n/a n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

echo "ansai bench: $RUNS SIGKILLs of a Flask app per mode, time until"
echo "it answers HTTP again (systemd $(box systemctl --version |
    awk 'NR==1 {print $2}'), $(nproc) cores)"
printf '%-10s %8s %8s %8s\n' mode median min max
declare -A med
for mode in restart onfail ansai; do
	read -r m lo hi < <(measure "$mode" | stats)
	med[$mode]=$m
	printf '%-10s %7ss %7ss %7ss\n' "$mode" "$m" "$lo" "$hi"
done
awk -v a="${med[ansai]}" -v b="${med[onfail]}" 'BEGIN {
	if (b > 0) printf "ratio ansai/onfail: %.2f (goal: at most 1.30)\n",
	    a / b }'

# Peak RSS: one more failure, healed by hand with -v, which logs it.
box ansai disable app-ansai.service >/dev/null
box systemctl start app-ansai.service
wait_for 20 box curl -fsS --max-time 1 http://127.0.0.1:5000/ >/dev/null
box systemctl kill -s KILL app-ansai.service
wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl show \
    -p ActiveState --value app-ansai.service)\" = failed ]"
rss=$(box ansai -v heal app-ansai.service 2>&1 |
    sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
# Peak RSS again, this time with a TLS exchange in the heal: a Groq-
# shaped model server inside the box (test/ai/fake_llm.py, HTTPS with
# the tests' own CA), asked to explain the failure.
. "$TOP/test/e2e/cases_ai.sh"
ai_begin >/dev/null 2>&1
box ansai disable a-flask >/dev/null
box systemctl kill -s KILL a-flask.service
wait_for 10 sh -c "[ \"\$($TOP/test/box/box.sh run $BOX systemctl show \
    -p ActiveState --value a-flask.service)\" = failed ]"
out=$(box ansai -v heal a-flask.service 2>&1)
rss_tls=$(printf '%s\n' "$out" | sed -n 's/.*peak RSS \([0-9]*\) KiB.*/\1/p')
case $out in
*"explained it in"*) tls_ok="TLS exchange with the model done" ;;
*) tls_ok="the model did not answer: figure without a TLS exchange" ;;
esac
size=$(stat -c %s "$TOP/build/ansai")
echo "binary: build/ansai $size bytes ($(awk -v s="$size" \
    'BEGIN { printf "%.1f", s / 1024 }') KiB), static, stripped"
echo "ansai heal peak RSS: ${rss:-?} KiB"
echo "ansai heal peak RSS with a model over TLS: ${rss_tls:-?} KiB ($tls_ok)"
react=$(box sh -c 'grep -h "^Reaction:" /var/lib/ansai/reports/*' |
    sed -n 's/.*issued \([0-9]*\) ms after ansai started.*/\1/p' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
echo "ansai's own work before the restart (median): ${react:-?} ms"
