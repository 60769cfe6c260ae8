#!/bin/bash
# run-unit.sh - run the Check unit-test binaries given as arguments
# (built with ASan and UBSan) and print "unit: N passed, N failed" from
# Check's own counts.  Exit 1 when any test failed or a binary crashed.
set -u
passed=0
failed=0
status=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	# Check's own lines do not say which binary they came from.
	printf '%s\n' "$out" | grep -v '^Running suite' |
	    sed "s|^\([0-9]*%: Checks\)|$(basename "$t"): \1|" >&2
	# Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(printf '%s\n' "$out" | grep -E 'Checks: [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		echo "unit: $t printed no Check summary (rc=$rc)" >&2
		failed=$((failed + 1))
		status=1
		continue
	fi
	n=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e))
	failed=$((failed + f + e))
	[ "$rc" -eq 0 ] && [ $((f + e)) -eq 0 ] || status=1
done
echo "unit: $passed passed, $failed failed"
exit $status
