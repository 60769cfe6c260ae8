#!/bin/bash
# run.sh - end-to-end tests of ansai in a real, throwaway systemd.
#
# Boots one box (test/box/box.sh), installs build/ansai and units/ in
# it, and runs every case in cases.sh.  Prints "e2e: N passed, N failed"
# last; exits non-zero when any assertion failed.
#   test/e2e/run.sh [CASE...]     run only the named cases (t_seed ...)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/test/e2e/lib.sh"
for f in "$TOP"/test/e2e/cases*.sh; do . "$f"; done

[ -x "$TOP/build/ansai" ] || { say "e2e: build/ansai missing: run make"; exit 2; }
trap box_down EXIT
trap 'exit 130' INT TERM
box_up || { say "e2e: the box did not boot"; exit 2; }

# Cases run in the order the cases*.sh files define them.
if [ $# -gt 0 ]; then cases=("$@"); else
	mapfile -t cases < <(grep -ho '^t_[a-z0-9_]*' \
	    "$TOP"/test/e2e/cases*.sh)
fi
for c in "${cases[@]}"; do
	"$c"
done
echo "e2e: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
