#!/bin/bash
# run-all.sh - what `make test` runs: the unit tests (arguments: the
# Check binaries), the command-line tests of the sanitizer build, then
# the e2e tests in a throwaway systemd.  The last line adds them up.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
total_p=0
total_f=0
status=0

count() {
	# Take "NAME: N passed, N failed" from a suite's last lines.
	local line
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$1" |
	    tail -n 1)
	if [ -z "$line" ]; then
		total_f=$((total_f + 1))
		return
	fi
	total_p=$((total_p + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
	total_f=$((total_f + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
test/run-unit.sh "$@" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count "$log"
test/cli/run.sh build/san/ansai 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count "$log"
test/e2e/run.sh 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count "$log"
echo
echo "all: $total_p passed, $total_f failed"
exit $status
