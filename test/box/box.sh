#!/bin/bash
# box.sh - boot a real, throwaway systemd as PID 1 of a namespace "box".
#
# Used by the end-to-end tests and the demo of ansai: they need a real
# systemd (Debian 12: systemd 252) that can start, stop, kill and restart
# services and run OnFailure= units, on machines that do not run systemd.
#
#   box.sh start DIR                   boot a box, DIR (created if missing) holds
#                                      its bookkeeping; waits until it is ready
#   box.sh run   DIR CMD [ARGS...]     run CMD inside the box (stdio + status pass through)
#   box.sh cp    DIR HOSTSRC BOXDEST   copy a host file into the box (mode kept;
#                                      BOXDEST may be a directory or end in /)
#   box.sh stop  DIR                   kill the box and remove DIR (idempotent)
#
# Environment knobs:
#   BOX_TIMEOUT=60   seconds to wait for the box to become ready
#   BOX_HOSTNET=1    share the host's network namespace instead of a private
#                    one (makes box services reachable from the host on
#                    127.0.0.1, but ports then collide between boxes)
#
# Needs (Debian 12 package names): bash, coreutils, util-linux (unshare,
# nsenter, setpriv, pivot_root, findmnt), mount, bsdutils (script), systemd,
# dbus (optional: system bus in the box); the tests also use curl and
# python3-flask inside the box.  Must run as root.
#
# Why this is safe for the host:
#  * systemd never sees the host's root: the box root is an overlay whose lower
#    layer is the host's / (read only to overlayfs) and whose upper/work dirs
#    live on a tmpfs that exists only inside the box's private mount namespace.
#    So systemd-tmpfiles & co. can only change the overlay.  /run, /tmp, /dev
#    are fresh tmpfs; device nodes are made with mknod, not bind-mounted, so
#    chmod/chown in the box cannot change the host's nodes.
#  * /sys and /proc/sys are read-only, and capabilities that reach past the
#    namespaces (modules, clock, raw I/O, audit, syslog, ...) are dropped from
#    the bounding set of systemd and of "box.sh run" commands, so the box
#    cannot change host kernel settings or the clock.
#  * Own PID, mount, UTS (hostname), IPC, cgroup and (by default) network
#    namespaces.  The private network namespace only has lo, which systemd
#    brings up itself; nothing leaves the box.
#  * /etc/systemd/system starts empty except for a minimal default.target
#    and masks of units that could touch hardware, network, clock or kernel.
#  * cgroups: the box's systemd runs in unified (cgroup2) mode on its own
#    cgroup2 subtree (ansai-box.* under the host's cgroup2 root, here
#    /sys/fs/cgroup/unified on hybrid hosts), seen as "/" through a cgroup
#    namespace.  That is what systemd 252 needs to track and kill services.
#  * stop SIGKILLs the box's PID 1: the kernel then kills everything in the
#    PID namespace and the mount namespace (with all box mounts) goes away;
#    no mount is ever made in the host's mount namespace.

set -euo pipefail

readonly BOX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly SYSTEMD=/lib/systemd/systemd
SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
readonly SELF

# Units the box must not run (symlinked to /dev/null).  Most would skip
# themselves in a container anyway; masking makes that explicit and quiet.
readonly MASKED_UNITS=(
	# network, name resolution: would configure links/DNS
	systemd-networkd.service systemd-networkd.socket
	systemd-networkd-wait-online.service systemd-network-generator.service
	systemd-resolved.service
	# clock
	systemd-timesyncd.service systemd-time-wait-sync.service
	systemd-timedated.service hwclock.service
	# kernel, hardware, firmware state shared with the host
	systemd-sysctl.service systemd-modules-load.service
	kmod-static-nodes.service systemd-binfmt.service
	proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
	systemd-pstore.service systemd-random-seed.service
	systemd-udevd.service systemd-udevd-control.socket
	systemd-udevd-kernel.socket systemd-udev-trigger.service
	systemd-udev-settle.service systemd-hwdb-update.service
	sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount
	sys-fs-fuse-connections.mount dev-hugepages.mount
	systemd-repart.service systemd-pcrphase.service
	systemd-pcrphase-sysinit.service systemd-machine-id-commit.service
	systemd-firstboot.service
	# kernel audit is not namespaced: the box journal would get host records
	systemd-journald-audit.socket
	# consoles, logins
	getty.target console-getty.service getty-static.service
	# background jobs that would surprise a test
	systemd-tmpfiles-clean.timer
)

# Generators that would only add noise (SysV scripts, postgresql clusters
# and consoles of the host); masked the same way.
readonly MASKED_GENERATORS=(
	systemd-sysv-generator postgresql-generator systemd-getty-generator
	systemd-gpt-auto-generator
)

# Dropped from the capability bounding set of the box's PID 1 (and so of
# every service) and of every "box.sh run" command: they act on host-wide
# state that no namespace covers (clock, kernel modules, raw I/O, audit,
# kernel log, LSM policy, ...).  With BOX_HOSTNET=1 also net_admin, net_raw.
readonly DROP_CAPS=(
	sys_module sys_time sys_rawio syslog audit_control audit_write
	mac_admin mac_override wake_alarm sys_pacct block_suspend
)

die() {
	echo "box.sh: $*" >&2
	exit 1
}

usage() {
	cat >&2 <<-'EOF'
		usage: box.sh start DIR
		       box.sh run   DIR CMD [ARGS...]
		       box.sh cp    DIR HOSTSRC BOXDEST
		       box.sh stop  DIR
		(see the comment at the top of box.sh)
	EOF
	exit 2
}

# Start time (in clock ticks since boot) of a live (not zombie) process,
# used together with its PID so that we never signal an unrelated process
# that reused the PID.
proc_starttime() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }          # drop "pid (comm) ": comm may contain spaces
	# shellcheck disable=SC2086 # word splitting wanted
	set -- $stat
	[[ $1 != [ZX] ]] || return 1 # dead, only waiting to be reaped
	echo "${20}"               # field 22 of stat(5)
}

# Reads "PID STARTTIME" from FILE; prints PID if that process still lives.
live_pid() {
	local file=$1 pid stamp now
	[[ -r $file ]] || return 1
	read -r pid stamp <"$file" || true
	[[ $pid =~ ^[0-9]+$ && -n $stamp ]] || return 1
	now=$(proc_starttime "$pid") || return 1
	[[ $now == "$stamp" ]] || return 1
	echo "$pid"
}

# Waits (up to $2 * 50 ms) until the process recorded in FILE $1 is gone.
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		live_pid "$1" >/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# Host PID of the box's PID 1, if the box is up and PID 1 is systemd by now
# (before that it is the setup shell, whose root is still the host's /).
box_pid() {
	local pid comm
	pid=$(live_pid "$1/pid") || return 1
	read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
	[[ $comm == systemd ]] || return 1
	echo "$pid"
}

# Prints the setpriv --bounding-set argument that drops DROP_CAPS, plus the
# network capabilities when the box shares the host's network ($1 = 1).
drop_caps_arg() {
	local -a caps=("${DROP_CAPS[@]}")
	[[ $1 != 1 ]] || caps+=(net_admin net_raw)
	local IFS=,
	echo "${caps[*]/#/-}"
}

# Sets BOX_CMD to a command line that runs "$@" inside the box with PID 1
# $1: all of its namespaces, its root, cwd /, a clean environment, and the
# same capability limits as the box's systemd (nsenter alone would keep all
# of the caller's capabilities, e.g. CAP_SYS_TIME: "date -s" would set the
# host's clock).
box_cmd() {
	local pid=$1 hostnet=0
	shift
	local -a env=(PATH="$BOX_PATH" HOME=/root USER=root LOGNAME=root)
	[[ -z ${TERM:-} ]] || env+=(TERM="$TERM")
	[[ $(readlink "/proc/$pid/ns/net") != "$(readlink /proc/self/ns/net)" ]] || hostnet=1
	BOX_CMD=(nsenter --target "$pid" --mount --uts --ipc --net --pid --cgroup
		--root --wd -- /usr/bin/setpriv --inh-caps=-all
		--bounding-set "$(drop_caps_arg "$hostnet")" --
		/usr/bin/env -i "${env[@]}" "$@")
}

box_exec() {
	box_cmd "$@"
	"${BOX_CMD[@]}"
}

# Directory argument: without characters that would break overlayfs mount
# options (',' ':' '\') or our bookkeeping (whitespace).
check_dir_arg() {
	[[ -n ${1:-} ]] || usage
	[[ $1 != *[,:\\[:space:]]* ]] || die "DIR must not contain ',', ':', '\\' or spaces: $1"
}

host_cgroup2_root() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [[ $(stat -f -c %T "$d" 2>/dev/null) == cgroup2fs ]]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

cmd_start() {
	local dir=$1 timeout=${BOX_TIMEOUT:-60}
	check_dir_arg "$dir"
	[[ $EUID -eq 0 ]] || die "must run as root"
	local tool
	for tool in unshare nsenter setpriv pivot_root mount umount findmnt setsid flock script; do
		command -v "$tool" >/dev/null ||
			die "missing tool '$tool' (Debian packages: util-linux mount bsdutils)"
	done
	[[ -x $SYSTEMD ]] || die "missing $SYSTEMD (install systemd)"
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		die "kernel has no overlayfs"

	mkdir -p -- "$dir"
	dir=$(cd -- "$dir" && pwd -P)
	if [[ -e $dir/pid || -e $dir/launch.pid || -e $dir/cgroup ]]; then
		die "$dir already holds a box; run: box.sh stop $dir"
	fi

	local cgroot cg
	cgroot=$(host_cgroup2_root) || die "no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
	cg=$cgroot/ansai-box.$$.$RANDOM$RANDOM
	mkdir "$cg" || die "cannot create cgroup $cg"
	echo "$cg" >"$dir/cgroup"
	mkdir -p "$dir/mnt"

	# Tear down on any failure or interrupt from here on.
	BOX_DIR=$dir
	trap 'start_failed "$BOX_DIR" interrupted' INT TERM HUP

	local -a ns=(--pid --fork --kill-child=SIGKILL --mount --propagation private --uts --ipc)
	[[ ${BOX_HOSTNET:-0} == 1 ]] || ns+=(--net)
	# unshare makes the namespaces; --kill-child: if unshare dies, so does
	# the box.  script(1) gives the box a pseudo-terminal as its console
	# (systemd only logs to a tty) and copies it into DIR/console.log.
	# setsid: the box must outlive this script and not get the caller's
	# Ctrl-C/hangup.
	local launch
	launch=$(printf '%q ' exec unshare "${ns[@]}" -- /bin/bash "$SELF" __stage1 "$dir")
	(
		exec /usr/bin/env -i PATH="$BOX_PATH" SHELL=/bin/sh BOX_HOSTNET="${BOX_HOSTNET:-0}" \
			setsid script -q -f -c "$launch" "$dir/console.log"
	) </dev/null >/dev/null 2>&1 &
	echo "$! $(proc_starttime $! || true)" >"$dir/launch.pid"
	disown # no "Killed" job report when stop kills it

	local t0=$SECONDS pid state marker
	# Stage 1 writes DIR/pid; then wait for it to have exec'd systemd.
	until pid=$(box_pid "$dir"); do
		if ! live_pid "$dir/launch.pid" >/dev/null && ! live_pid "$dir/pid" >/dev/null; then
			start_failed "$dir" "box setup failed before systemd started"
		fi
		((SECONDS - t0 < timeout)) || start_failed "$dir" "timed out waiting for systemd to start"
		sleep 0.05
	done

	# Wait for the boot transaction to finish.
	while :; do
		state=$(box_exec "$pid" systemctl is-system-running 2>/dev/null) || true
		case $state in
			running | degraded) break ;;
		esac
		kill -0 "$pid" 2>/dev/null || start_failed "$dir" "box PID 1 died during boot"
		((SECONDS - t0 < timeout)) ||
			start_failed "$dir" "timed out after ${timeout}s; systemctl is-system-running says '${state:-no answer}'"
		sleep 0.1
	done

	# journald must take a message and journalctl must find it.
	marker=ready-$$-$RANDOM
	box_exec "$pid" systemd-cat -t ansai-box-ready echo "$marker" ||
		start_failed "$dir" "systemd-cat failed: journald does not answer"
	until box_exec "$pid" journalctl -q -t ansai-box-ready -o cat 2>/dev/null | grep -qx "$marker"; do
		((SECONDS - t0 < timeout)) || start_failed "$dir" "journald did not record a test message"
		sleep 0.1
	done
	trap - INT TERM HUP
	if [[ $state == degraded ]]; then
		echo "box.sh: note: box is degraded; failed units:" >&2
		box_exec "$pid" systemctl --no-legend --plain list-units --failed >&2 || true
	fi
}

start_failed() {
	local dir=$1 msg=$2 pid
	echo "box.sh: start failed: $msg" >&2
	if pid=$(box_pid "$dir"); then
		echo "box.sh: failed units in the box:" >&2
		box_exec "$pid" systemctl --no-legend --plain list-units --failed >&2 || true
	fi
	if [[ -s $dir/console.log ]]; then
		echo "box.sh: last lines of the box console ($dir/console.log):" >&2
		tail -n 40 "$dir/console.log" | sed 's/^/  | /' >&2
	fi
	cmd_stop "$dir"
	exit 1
}

# Stage 1: PID 1 of the new PID namespace, in the new mount/UTS/IPC/net
# namespaces but still in the host's cgroup namespace and root.
stage1() {
	local dir=$1 key hostpid rest stat
	# Record our host PID and start time (/proc is still the host's one;
	# its NSpid line reads "NSpid: <host pid> 1").  Builtins only: a
	# subshell would be another process.
	while read -r key hostpid rest; do
		[[ $key == NSpid: ]] && break
	done </proc/self/status
	read -r stat </proc/self/stat
	stat=${stat##*) }
	# shellcheck disable=SC2086 # word splitting wanted
	set -- $stat
	echo "$hostpid ${20}" >"$dir/pid.new"
	mv "$dir/pid.new" "$dir/pid"

	# Move into the box's cgroup, then make it our cgroup namespace root so
	# systemd sees it as "/" ("0" = the writing process itself).
	echo 0 >"$(<"$dir/cgroup")/cgroup.procs"
	exec unshare --cgroup -- /bin/bash "$SELF" __stage2 "$dir"
}

# Stage 2: build the box root, pivot into it, exec systemd.
stage2() {
	local dir=$1
	local mnt=$dir/mnt
	local new=$mnt/root
	set -x # goes to DIR/console.log, helps when a boot fails

	# Layers: a tmpfs that exists only in this mount namespace.
	mount -t tmpfs -o mode=0755,nosuid,nodev box-layers "$mnt"
	mkdir "$mnt/upper" "$mnt/work" "$new"
	mount -t overlay -o "lowerdir=/,upperdir=$mnt/upper,workdir=$mnt/work" box-root "$new"
	[[ $(findmnt -n -o FSTYPE --mountpoint "$new") == overlay ]] || {
		echo "box root is not an overlay" >&2
		exit 1
	}

	# The overlay of / does not include other filesystems mounted on the
	# host.  If this repository or /work live on one, overlay that too, so
	# that host files stay visible (read-through) but box writes stay in RAM.
	local p t i=0 done_list=" / "
	for p in "$(dirname "$(dirname "$(dirname "$SELF")")")" /work; do
		[[ -d $p ]] || continue
		t=$(findmnt -n -o TARGET -T "$p") || continue
		case $t in
			/proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /run | /run/* | /tmp | /tmp/*) continue ;;
		esac
		[[ $done_list == *" $t "* ]] && continue
		done_list+="$t "
		i=$((i + 1))
		mkdir "$mnt/upper$i" "$mnt/work$i"
		mount -t overlay -o "lowerdir=$t,upperdir=$mnt/upper$i,workdir=$mnt/work$i" box-extra "$new$t"
	done

	# API filesystems.  proc belongs to the new PID namespace; the parts of
	# it that change host-wide settings (sysctls, sysrq, IRQ affinity,
	# buses, ...) are made read-only, as systemd-nspawn does, and so is
	# sysfs.  cgroup2 is rw: this is the box's own subtree.
	mount -t proc -o nosuid,nodev,noexec proc "$new/proc"
	for p in sys sysrq-trigger irq bus fs acpi scsi asound driver; do
		[[ -e $new/proc/$p ]] || continue # depends on the kernel config
		mount --bind "$new/proc/$p" "$new/proc/$p"
		mount -o remount,bind,ro,nosuid,nodev,noexec "$new/proc/$p"
	done
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$new/sys"
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$new/sys/fs/cgroup"

	# /dev: a tmpfs with our own nodes.
	mount -t tmpfs -o mode=0755,nosuid,size=4m box-dev "$new/dev"
	mknod -m 0666 "$new/dev/null" c 1 3
	mknod -m 0666 "$new/dev/zero" c 1 5
	mknod -m 0666 "$new/dev/full" c 1 7
	mknod -m 0666 "$new/dev/random" c 1 8
	mknod -m 0666 "$new/dev/urandom" c 1 9
	mknod -m 0666 "$new/dev/tty" c 5 0
	mkdir -m 0755 "$new/dev/pts"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$new/dev/pts"
	ln -s pts/ptmx "$new/dev/ptmx"
	mkdir -m 1777 "$new/dev/shm"
	mount -t tmpfs -o mode=1777,nosuid,nodev box-shm "$new/dev/shm"
	ln -s /proc/self/fd "$new/dev/fd"
	ln -s /proc/self/fd/0 "$new/dev/stdin"
	ln -s /proc/self/fd/1 "$new/dev/stdout"
	ln -s /proc/self/fd/2 "$new/dev/stderr"
	# /dev/console: the pseudo-terminal from script(1) that we write to.
	touch "$new/dev/console"
	mount --bind "$(readlink /proc/self/fd/2)" "$new/dev/console"

	mount -t tmpfs -o mode=0755,nosuid,nodev box-run "$new/run"
	mount -t tmpfs -o mode=1777,nosuid,nodev box-tmp "$new/tmp"

	# /etc: everything below is written into the overlay's upper layer.
	local etc=$new/etc u g
	rm -rf "$etc/systemd/system" # a whiteout in the overlay only
	mkdir -p "$etc/systemd/system" "$etc/systemd/system-generators" \
		"$etc/systemd/journald.conf.d"
	cat >"$etc/systemd/system/default.target" <<-'EOF'
		# Written by test/box/box.sh: a minimal boot for the ansai test box.
		[Unit]
		Description=ansai test box
		Requires=basic.target
		Wants=systemd-journald.service dbus.socket
		After=basic.target
		AllowIsolate=yes
	EOF
	for u in "${MASKED_UNITS[@]}"; do
		ln -s /dev/null "$etc/systemd/system/$u"
	done
	for g in "${MASKED_GENERATORS[@]}"; do
		ln -s /dev/null "$etc/systemd/system-generators/$g"
	done
	# Journal in RAM (/run), never rate-limited: tests read it back.
	cat >"$etc/systemd/journald.conf.d/ansai-box.conf" <<-'EOF'
		[Journal]
		Storage=volatile
		RateLimitIntervalSec=0
		ForwardToSyslog=no
		ForwardToWall=no
	EOF
	# Own identity, so the box journal never mixes with the host's.
	local uuid
	uuid=$(</proc/sys/kernel/random/uuid)
	rm -f "$etc/machine-id"
	echo "${uuid//-/}" >"$etc/machine-id"
	rm -f "$etc/hostname"
	echo ansai-box >"$etc/hostname"

	# Switch root: "pivot_root . ." stacks the old root on top of the new
	# one; the lazy umount then drops it (and every host mount) for good.
	cd "$new"
	pivot_root . .
	umount -l .
	cd /

	set +x
	exec </dev/null
	# Drop the capabilities (for the whole box: the bounding set is
	# inherited), then become systemd with a clean environment.
	exec /usr/bin/env -i container=other PATH="$BOX_PATH" \
		/usr/bin/setpriv --inh-caps=-all --bounding-set "$(drop_caps_arg "${BOX_HOSTNET:-0}")" -- \
		"$SYSTEMD" systemd.show_status=auto
}

cmd_run() {
	local dir=$1 pid
	shift
	check_dir_arg "$dir"
	(($# > 0)) || usage
	pid=$(box_pid "$dir") || die "no running box in $dir"
	# exec: the caller gets nsenter's status, which is CMD's (nsenter
	# re-raises a fatal signal of CMD on itself).
	box_cmd "$pid" "$@"
	exec "${BOX_CMD[@]}"
}

cmd_cp() {
	local dir=$1 src=$2 dest=$3 pid mode
	check_dir_arg "$dir"
	[[ -f $src ]] || die "cp: not a regular file: $src"
	[[ $dest == /* ]] || die "cp: BOXDEST must be absolute: $dest"
	pid=$(box_pid "$dir") || die "no running box in $dir"
	mode=$(stat -c %a -- "$src")
	# Copy through stdin into a process inside the box, so that the path is
	# resolved by the box (symlinks included), never on the host.  Write a
	# temporary file and rename it: replacing a running binary then works.
	# shellcheck disable=SC2016,SC2094 # expanded by the box's sh; src is only read
	box_exec "$pid" /bin/sh -ec '
		dest=$1 base=$2 mode=$3
		case $dest in */) mkdir -p "$dest"; dest=$dest$base ;; esac
		[ -d "$dest" ] && dest=$dest/$base
		mkdir -p "$(dirname "$dest")"
		tmp=$dest.box-cp.$$
		cat >"$tmp"
		chmod "$mode" "$tmp"
		mv -f "$tmp" "$dest"
	' box-cp "$dest" "$(basename -- "$src")" "$mode" <"$src"
}

cmd_stop() {
	local dir=$1 pid cg i lockfd
	check_dir_arg "$dir"
	[[ -d $dir ]] || return 0
	# Serialise concurrent stops (e.g. start's own cleanup after Ctrl-C and
	# the caller's trap): lock the directory itself, then re-check it.
	exec {lockfd}<"$dir"
	flock "$lockfd"
	if [[ ! -d $dir ]]; then
		exec {lockfd}<&-
		return 0
	fi

	# SIGKILL to the PID namespace's init kills everything in the box; the
	# launcher (script + unshare) then exits by itself.  If the box never got
	# that far, kill the launcher: unshare --kill-child takes the box along.
	if pid=$(live_pid "$dir/pid"); then
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$dir/launch.pid" 100 || true
	fi
	if pid=$(live_pid "$dir/launch.pid"); then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait_gone "$dir/pid" 100 || true
	wait_gone "$dir/launch.pid" 100 || true
	if live_pid "$dir/pid" >/dev/null || live_pid "$dir/launch.pid" >/dev/null; then
		echo "box.sh: stop: box processes still alive after SIGKILL" >&2
	fi

	# Remove the box's cgroup subtree (bottom-up), only if it is ours.
	if [[ -r $dir/cgroup ]]; then
		cg=$(<"$dir/cgroup")
		if [[ $cg == /sys/fs/cgroup/*/ansai-box.* || $cg == /sys/fs/cgroup/ansai-box.* ]] && [[ -d $cg ]]; then
			# Stragglers (there should be none): cgroup.kill needs Linux 5.14.
			if [[ -w $cg/cgroup.kill ]]; then
				echo 1 >"$cg/cgroup.kill" 2>/dev/null || true
			fi
			for ((i = 0; i < 100; i++)); do
				find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
				[[ -d $cg ]] || break
				sleep 0.05
			done
			[[ ! -d $cg ]] || echo "box.sh: stop: could not remove cgroup $cg" >&2
		fi
	fi

	rm -f -- "$dir/pid" "$dir/pid.new" "$dir/launch.pid" "$dir/cgroup" "$dir/console.log"
	[[ ! -d $dir/mnt ]] || rmdir -- "$dir/mnt" 2>/dev/null ||
		echo "box.sh: stop: $dir/mnt is not empty, left alone" >&2
	rmdir -- "$dir" 2>/dev/null || echo "box.sh: stop: $dir has other files, left alone" >&2
	exec {lockfd}<&-
	return 0
}

main() {
	(($# >= 2)) || usage
	local cmd=$1
	shift
	case $cmd in
		start) (($# == 1)) || usage; cmd_start "$1" ;;
		run) cmd_run "$@" ;;
		cp) (($# == 3)) || usage; cmd_cp "$@" ;;
		stop) (($# == 1)) || usage; cmd_stop "$1" ;;
		__stage1) stage1 "$1" ;;
		__stage2) stage2 "$1" ;;
		*) usage ;;
	esac
}

main "$@"
