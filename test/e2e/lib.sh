# lib.sh - helpers for the e2e tests: a booted box, units inside it,
# waiting without fixed sleeps, and assertions that count.
# Sourced by run.sh and demo.sh; expects TOP (the repo) to be set.

BOX=${BOX:-}
PASSED=0
FAILED=0
CASE=""

say() { printf '%s\n' "$*" >&2; }

box() { "$TOP/test/box/box.sh" run "$BOX" "$@"; }

# Boot a box with ansai installed: the static binary, its units, and a
# configuration file from stdin.
box_up() {
	BOX=$(mktemp -d /tmp/ansai-e2e.XXXXXX)
	"$TOP/test/box/box.sh" start "$BOX"
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/build/ansai" /usr/local/bin/ansai
	for u in "$TOP"/units/*.service "$TOP"/units/*.timer; do
		[ -e "$u" ] || continue
		"$TOP/test/box/box.sh" cp "$BOX" "$u" /etc/systemd/system/
	done
	"$TOP/test/box/box.sh" cp "$BOX" "$TOP/test/e2e/flask_app.py" \
	    /usr/local/lib/flask_app.py
	box mkdir -p /etc/ansai
	box systemctl daemon-reload
}

box_down() {
	[ -n "$BOX" ] && "$TOP/test/box/box.sh" stop "$BOX"
	BOX=""
}

# Write a file inside the box from stdin.
box_write() { box sh -c 'cat > "$1"' sh "$1"; }

# A unit file from stdin into the box, then daemon-reload.
unit() {
	box_write "/etc/systemd/system/$1"
	box systemctl daemon-reload
}

conf() { box_write /etc/ansai/ansai.conf; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
}

history_count() {
	local n
	n=$(box sh -c 'grep -c -F -- "$(printf "\t%s\t" "$1")" \
	    /var/lib/ansai/history 2>/dev/null' sh "$1") || true
	printf '%s\n' "${n:-0}"
}

# Wait until UNIT has at least N history lines and no heal of it runs.
wait_heals() {
	local u=$1 n=$2 limit=${3:-60} i=0
	while [ "$(history_count "$u")" -lt "$n" ] || [ "$(box systemctl \
	    show -p ActiveState --value -- "ansai-heal@$u.service")" = \
	    activating ]; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
}

last_history() {
	box sh -c 'grep -F -- "$(printf "\t%s\t" "$1")" \
	    /var/lib/ansai/history | tail -n 1' sh "$1"
}

# Field K (1-based) of a history line.
hfield() { printf '%s\n' "$1" | cut -f "$2"; }

begin() {
	CASE=$1
	say "--- $CASE"
}

ok() {
	PASSED=$((PASSED + 1))
	say "ok: $CASE: $*"
}

fail() {
	FAILED=$((FAILED + 1))
	say "FAIL: $CASE: $*"
}

# check DESCRIPTION CMD...: one assertion.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

contains() { case $1 in *"$2"*) return 0 ;; esac; return 1; }
