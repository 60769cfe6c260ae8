#!/usr/bin/env bash
# build.sh - bootstrap the ansai build, then hand over to make.
#
#   ./build.sh [make args...]   install deps, fetch+build BearSSL, then `make "$@"`
#   ./build.sh deps             install deps, fetch+build BearSSL; does NOT run make
#   ./build.sh --no-install ... skip the dpkg/apt-get dependency step
#                               (same as ANSAI_SKIP_APT=1 in the environment)
#
# Everything it produces lives under build/ (relative to this script):
#   build/bearssl/libbearssl.a       BearSSL, musl-gcc -Os, for the static binary
#   build/bearssl/inc/               BearSSL public headers (bearssl*.h)
#   build/bearssl-san/libbearssl.a   BearSSL, host gcc (glibc) -g -fsanitize=address,undefined
#   build/bearssl-san/inc/           same headers
#   build/bearssl-src/               cached Debian source package (never re-fetched)
#   build/apt/                       private apt state used only for `apt-get source`
#
# Environment knobs (all optional):
#   ANSAI_SKIP_APT=1        do not check/install Debian packages
#   ANSAI_EXTRA_PKGS="a b"  extra Debian packages to ensure are installed
#   BEARSSL_MUSL_CFLAGS     override flags of the musl build
#   BEARSSL_SAN_CFLAGS      override flags of the sanitizer build
#   JOBS                    parallel compile jobs (default: nproc)
#
# Nothing of the machine's apt configuration or state is modified, except that
# missing packages are installed with the machine's ordinary `apt-get update`
# + `apt-get install --no-upgrade` (only when dpkg-query finds one missing).
set -eu
set -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
B="$ROOT/build"

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ---------------------------------------------------------------- arguments
skip_apt="${ANSAI_SKIP_APT:-0}"
deps_only=0
args=()
for a in "$@"; do
  case "$a" in
    --no-install) skip_apt=1 ;;
    *) args+=("$a") ;;
  esac
done
if [ "${#args[@]}" -gt 0 ] && [ "${args[0]}" = deps ]; then
  [ "${#args[@]}" -eq 1 ] || die "'deps' takes no further arguments"
  deps_only=1
fi

mkdir -p "$B/logs"

# Serialise concurrent runs (e.g. parallel make calling `./build.sh deps`).
# The lock is released before make runs, so make may call us again.
exec 9>"$B/.build.sh.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $*"
  fi
}

# Run a command with output to a log; on failure show the log's tail.
logged() {
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    say "command failed: $* (log: ${log#"$ROOT"/})"
    tail -n 25 "$log" >&2 || true
    return 1
  fi
}

# ------------------------------------------------------- step 1: Debian deps
PKGS="musl-tools check pkg-config gcc make binutils dpkg-dev xz-utils
      python3 python3-flask python3-aiosmtpd curl util-linux systemd openssl
      lsof iproute2 bsdutils mount
      ${ANSAI_EXTRA_PKGS:-}"

install_deps() {
  local missing=() p ok
  # one dpkg-query call for all packages (fast path: nothing to do)
  # shellcheck disable=SC2086
  ok=" $(dpkg-query -W -f='${Package}=${db:Status-Abbrev}\n' $PKGS 2>/dev/null |
          sed -n 's/=ii *$//p' | tr '\n' ' ' || true) "
  for p in $PKGS; do
    case "$ok" in *" $p "*) ;; *) missing+=("$p") ;; esac
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  logged "$B/logs/apt-update.log" \
    as_root apt-get -q -o DPkg::Lock::Timeout=600 update
  logged "$B/logs/apt-install.log" \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
      -o DPkg::Lock::Timeout=600 --no-upgrade install "${missing[@]}"
  say "installed: ${missing[*]}"
}

# ------------------------------------------- step 2: BearSSL Debian source
SRCPKG=bearssl
SRCCACHE="$B/bearssl-src"
APTDIR="$B/apt"

# Print deb-src twins of the machine's Debian `deb` entries (one-line format).
derive_deb_src() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -r "$f" ]; then
    awk '
      function flush(   n, m, i, j, U, S, opt, sb) {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no" &&
            uris != "" && suites != "") {
          opt = ""
          if (signedby != "" && !inline) {
            sb = signedby; gsub(/[ \t]+/, ",", sb); opt = " [signed-by=" sb "]"
          }
          n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
            if (U[i] != "" && S[j] != "" && U[i] !~ /^cdrom:/)
              print "deb-src" opt " " U[i] " " S[j] (S[j] ~ /\/$/ ? "" : " " comps)
        }
        types = uris = suites = comps = signedby = enabled = key = ""; inline = 0
      }
      /^[ \t]*#/   { next }
      /^[ \t]*$/   { flush(); next }
      /^[ \t]/     { if (key == "signed-by") inline = 1; next }
      {
        c = index($0, ":"); if (!c) next
        key = tolower(substr($0, 1, c - 1)); v = substr($0, c + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", v)
        if (key == "types") types = v; else if (key == "uris") uris = v
        else if (key == "suites") suites = v
        else if (key == "components") comps = v
        else if (key == "signed-by") signedby = v
        else if (key == "enabled") enabled = v
      }
      END { flush() }' "$f"
  fi
  if [ -r /etc/apt/sources.list ]; then
    awk '$1 == "deb" && $0 !~ /cdrom:/ { $1 = "deb-src"; print }' /etc/apt/sources.list
  fi
}

fallback_deb_src() {
  local codename=""
  if [ -r /etc/os-release ]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  fi
  [ -n "$codename" ] || codename=bookworm
  echo "deb-src http://deb.debian.org/debian $codename main"
}

# apt-get with private sources, lists and caches: the machine's own
# sources, lists, caches and locks are neither read nor written.
papt() {
  apt-get -q \
    -o Dir::Etc::SourceList="$APTDIR/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State="$APTDIR/state" \
    -o Dir::State::Lists="$APTDIR/lists" \
    -o Dir::State::status=/var/lib/dpkg/status \
    -o Dir::Cache="$APTDIR/cache" \
    -o Dir::Cache::archives="$APTDIR/cache/archives" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o Acquire::Languages=none \
    -o APT::Get::List-Cleanup=false \
    "$@"
}

papt_update() {
  rm -rf "$APTDIR/lists" "$APTDIR/state" "$APTDIR/cache"
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/state" "$APTDIR/cache/archives/partial"
  logged "$B/logs/apt-src-update.log" papt update
}

fetch_bearssl() {
  if [ -f "$SRCCACHE/.fetched" ] && [ -f "$(cat "$SRCCACHE/.srcdir" 2>/dev/null)/inc/bearssl.h" ]; then
    return 0
  fi
  command -v dpkg-source >/dev/null || die "dpkg-source missing (install dpkg-dev)"
  mkdir -p "$APTDIR"
  derive_deb_src | awk '!seen[$0]++' >"$APTDIR/sources.list" || true
  local used=derived
  if [ ! -s "$APTDIR/sources.list" ]; then
    fallback_deb_src >"$APTDIR/sources.list"; used=fallback
  fi
  say "bearssl: fetching Debian source package '$SRCPKG' ($used deb-src: $(awk '{printf "%s%s", (NR>1?"; ":""), $0}' "$APTDIR/sources.list"))"
  if ! papt_update; then
    if [ "$used" = derived ]; then
      say "bearssl: derived deb-src failed, falling back to: $(fallback_deb_src)"
      fallback_deb_src >"$APTDIR/sources.list"
      papt_update
    else
      return 1
    fi
  fi

  local tmp="$B/bearssl-src.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp"
  # apt downloads as the unprivileged _apt user when run as root:
  # let it write the download directory so the sandbox stays on.
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  (cd "$tmp" && logged "$B/logs/apt-source.log" papt source "$SRCPKG")

  local dsc ver dir
  dsc="$(find "$tmp" -maxdepth 1 -name "${SRCPKG}_*.dsc" | head -n1)"
  [ -n "$dsc" ] || die "bearssl: apt-get source produced no .dsc (see build/logs/apt-source.log)"
  ver="$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n1)"
  dir="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$SRCPKG-*" | head -n1)"
  if [ -z "$ver" ] || [ ! -f "$dir/inc/bearssl.h" ]; then
    die "bearssl: unexpected source layout in $tmp"
  fi
  if [ "$(id -u)" -eq 0 ]; then chown -R 0:0 "$tmp"; fi
  rm -rf "$SRCCACHE"
  mv "$tmp" "$SRCCACHE"
  echo "$ver" >"$SRCCACHE/.version"
  echo "$SRCCACHE/$(basename "$dir")" >"$SRCCACHE/.srcdir"
  touch "$SRCCACHE/.fetched"
  # the ~20 MB of Sources indices are only needed for the fetch itself
  rm -rf "$APTDIR/lists" "$APTDIR/cache"
  say "bearssl: fetched $ver"
}

# --------------------------------------------- step 3: build BearSSL (x2)
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
MUSL_CFLAGS="${BEARSSL_MUSL_CFLAGS:--Os -ffunction-sections -fdata-sections}"
# BR_*_UNALIGNED=0: BearSSL's x86 default does misaligned loads through
# unions, which UBSan (rightly) reports; the sanitizer copy uses byte access.
SAN_CFLAGS="${BEARSSL_SAN_CFLAGS:--O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0}"

# build_bearssl OUTDIR CC LABEL CFLAGS...
build_bearssl() {
  local out="$1" cc="$2" label="$3" cflags="$4"
  local src ver stamp lib="$out/libbearssl.a"
  src="$(cat "$SRCCACHE/.srcdir")"
  ver="$(cat "$SRCCACHE/.version")"
  command -v "$cc" >/dev/null || die "$cc not found"
  stamp="$ver|$cc $("$cc" -dumpfullversion 2>/dev/null)|$cflags"
  if [ -f "$lib" ] && [ -f "$out/inc/bearssl.h" ] && [ -f "$out/.stamp" ] &&
     [ "$(cat "$out/.stamp")" = "$stamp" ] &&
     [ -z "$(find "$src/src" "$src/inc" -newer "$lib" -print -quit)" ]; then
    return 0
  fi
  say "bearssl: building ${lib#"$ROOT"/} ($label, $JOBS jobs)"
  rm -rf "$out"
  mkdir -p "$out/obj" "$out/inc"
  # shellcheck disable=SC2016
  (cd "$src" && find src -name '*.c' -print0 | sort -z |
    CC="$cc" CFLAGS="$cflags" OBJ="$out/obj" xargs -0 -r -n 8 -P "$JOBS" sh -c '
      for f; do
        o="$OBJ/$(echo "${f#src/}" | tr / _)"; o="${o%.c}.o"
        $CC $CFLAGS -Iinc -Isrc -c "$f" -o "$o" || exit 255
      done' sh) || die "bearssl: compile failed ($label)"
  (cd "$out/obj" && ls | LC_ALL=C sort | xargs ar rcD "$out/libbearssl.a.tmp") ||
    die "bearssl: ar failed"
  ranlib "$out/libbearssl.a.tmp"
  cp "$src"/inc/*.h "$out/inc/"
  mv "$out/libbearssl.a.tmp" "$lib"
  echo "$stamp" >"$out/.stamp"
  say "bearssl: built ${lib#"$ROOT"/} ($label, $(find "$out/obj" -name '*.o' | wc -l) objects)"
  rm -rf "$out/obj"   # the archive is all that is needed
}

# ------------------------------------------------------------------- main
if [ "$skip_apt" = 1 ]; then
  say "skipping dependency installation (ANSAI_SKIP_APT/--no-install)"
else
  install_deps
fi
fetch_bearssl
build_bearssl "$B/bearssl"     musl-gcc musl          "$MUSL_CFLAGS"
build_bearssl "$B/bearssl-san" gcc      "gcc+asan+ubsan" "$SAN_CFLAGS"
say "bearssl: $(cat "$SRCCACHE/.version") ready (build/bearssl, build/bearssl-san)"

exec 9>&-   # release the lock: make may call ./build.sh deps itself
[ "$deps_only" = 1 ] && exit 0

# Debian's python3 (with python3-flask), not whatever python3 is first in PATH.
export PYTHON="${PYTHON:-/usr/bin/python3}"
cd "$ROOT"
exec make ${args[@]+"${args[@]}"}
