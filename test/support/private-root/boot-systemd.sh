#!/bin/sh
# PID 1 of a private root in mode "systemd" (exec'd by setup.sh once its
# mounts are in place): boots Debian's systemd as PID 1 into testbed.target,
# which starts journald and D-Bus and nothing else. Follows the "safe boot" of
# shared/docs/systemd-testbed.md; test/support/systemd-testbed.ts drives it.
#
#   sh boot-systemd.sh          as PID 1 in the host's cgroup namespace
#   sh boot-systemd.sh cgroup   second stage, in a cgroup namespace of its own
#
# Files it leaves for the host side, under /run/.private-root:
#   cgroup               the cgroup2 directory, as the host sees it, holding
#                        everything systemd creates (the host removes it)
#   systemd-console.log  what systemd writes to /dev/console (also copied
#                        to our stdout, which PrivateRoot collects)
set -eu
layers=/run/.private-root
units=/run/systemd/system
# Unit directories systemd reads, lowest priority last (systemd.unit(5)).
unit_dirs='/etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system /lib/systemd/system /usr/lib/systemd/system'
# What testbed.target starts, and what that needs: never masked.
needed='systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service dbus.socket dbus.service'

# A cgroup of our own below our current one on the cgroup2 hierarchy, then a
# cgroup namespace rooted there, with a cgroup2 file system mounted over
# /sys/fs/cgroup: systemd runs "unified" and everything it creates lands in
# that one subtree. The v1 hierarchies (name=systemd, memory, pids, ...) stay
# out of its sight, so nothing is created at their roots and no unit leaves
# the memory cgroup the tests run in.
enter_own_cgroup() {
	hierarchy=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	[ -n "$hierarchy" ] || { echo 'boot-systemd.sh: no cgroup2 mount' >&2; exit 1; }
	current=$(sed -n 's/^0:://p' /proc/self/cgroup)
	own="$hierarchy${current%/}/init-service-testbed-$(cat /proc/sys/kernel/random/uuid)"
	mkdir "$own"
	echo "$own" >"$layers/cgroup"
	echo $$ >"$own/cgroup.procs"
}

# /dev is the host's devtmpfs, and systemd writes there: journald's socket
# alone left a /dev/log link on the host. So /dev becomes a tmpfs of our own
# with the few device nodes a service needs (those systemd-nspawn provides),
# bound from the host's, a devpts instance of its own, and a fresh /dev/shm.
private_dev() {
	dev="$layers/dev"
	mkdir "$dev"
	mount -t tmpfs -o mode=0755,nosuid tmpfs "$dev"
	for node in null zero full random urandom tty; do
		touch "$dev/$node"
		mount --bind "/dev/$node" "$dev/$node"
	done
	mkdir "$dev/pts" "$dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$dev/pts"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$dev/shm"
	ln -s pts/ptmx "$dev/ptmx"
	ln -s /proc/self/fd "$dev/fd"
	ln -s /proc/self/fd/0 "$dev/stdin"
	ln -s /proc/self/fd/1 "$dev/stdout"
	ln -s /proc/self/fd/2 "$dev/stderr"
	touch "$dev/console"
	mount --move "$dev" /dev
}

# systemd logs to /dev/console as PID 1 and refuses anything but a terminal
# there (open_terminal() checks isatty), so a redirect would not catch it and
# it would write on the host's console. Instead /dev/console becomes a pty
# whose other end script(1) copies into systemd-console.log (and our stdout).
capture_console() {
	log="$layers/systemd-console.log"
	# shellcheck disable=SC2016 # $(tty) is for the shell script(1) starts
	script -qfc 'mount --bind "$(tty)" /dev/console && echo console-ready && exec sleep infinity' "$log" </dev/null &
	tries=0
	until grep -q console-ready "$log" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo 'boot-systemd.sh: no console pty' >&2; exit 1; }
		sleep 0.05
	done
}

write_target() {
	mkdir -p "$units"
	cat >"$units/testbed.target" <<-'EOF'
		[Unit]
		Description=init-service test bed: journald and D-Bus only
		DefaultDependencies=no
		Wants=systemd-journald.socket dbus.socket
		After=systemd-journald.socket dbus.socket
	EOF
	# The journal stays in /run, and the host's kernel log stays out of it.
	mkdir -p /run/systemd/journald.conf.d
	printf '[Journal]\nStorage=volatile\nReadKMsg=no\n' >/run/systemd/journald.conf.d/testbed.conf
}

# Names, one a line, of the unit files in any unit directory matching a glob.
units_matching() {
	for dir in $unit_dirs; do
		for file in "$dir"/$1; do
			if [ -e "$file" ] || [ -L "$file" ]; then echo "${file##*/}"; fi
		done
	done
}

# Every unit an installed package or the host's admin enabled: what a
# *.wants/ or *.requires/ link would start if its target were reached.
enabled_units() {
	for dir in $unit_dirs; do
		for link in "$dir"/*.wants/* "$dir"/*.requires/*; do
			if [ -e "$link" ] || [ -L "$link" ]; then echo "${link##*/}"; fi
		done
	done
}

# The units the doc lists as harmful here: they clean /tmp, set kernel
# settings, mount, log users in, ask for passwords, run apt.
harmful_units() {
	for glob in 'systemd-tmpfiles-*' 'systemd-update-utmp*' '*getty*' 'systemd-udev*' 'apt-daily*' 'man-db.*' 'systemd-networkd*'; do
		units_matching "$glob"
	done
	echo systemd-sysctl.service systemd-modules-load.service systemd-remount-fs.service \
		systemd-sysusers.service systemd-random-seed.service systemd-logind.service \
		systemd-timesyncd.service networking.service systemd-udevd.service \
		systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-udev-trigger.service | tr ' ' '\n'
}

# A /dev/null link in /run/systemd/system masks a unit of /lib; a file or
# alias of the same name in /etc/systemd/system outranks it (the doc's step 6),
# so such an entry is masked there too: /etc is an overlay, only we see it.
mask() {
	case " $needed " in *" $1 "*) return ;; esac
	ln -sfn /dev/null "$units/$1"
	if [ -L "/etc/systemd/system/$1" ] || [ -f "/etc/systemd/system/$1" ]; then
		ln -sfn /dev/null "/etc/systemd/system/$1"
	fi
}

# Generators turn the host's fstab, crypttab, init.d scripts and PostgreSQL
# clusters into units; a test bed needs none of them. A /dev/null link in
# /run/systemd/system-generators masks one (systemd.generator(7)).
mask_generators() {
	mkdir -p /run/systemd/system-generators
	for dir in /etc/systemd/system-generators /usr/local/lib/systemd/system-generators /lib/systemd/system-generators /usr/lib/systemd/system-generators; do
		for generator in "$dir"/*; do
			if [ -e "$generator" ]; then ln -sfn /dev/null "/run/systemd/system-generators/${generator##*/}"; fi
		done
	done
}

case ${1:-} in
'')
	[ $$ = 1 ] || { echo 'boot-systemd.sh: must run as PID 1' >&2; exit 1; }
	enter_own_cgroup
	private_dev
	capture_console
	write_target
	{ enabled_units; harmful_units; } | sort -u | while read -r unit; do mask "$unit"; done
	mask_generators
	exec unshare --cgroup sh "$0" cgroup
	;;
cgroup)
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# container=docker: systemd acts as a container's init ("Detected
	# virtualization docker"): it loads no security policy, mounts no
	# securityfs, and logs to /dev/console instead of the host's /dev/kmsg.
	# env -i: no SYSTEMD_* variable of the test run reaches it.
	exec env -i container=docker /lib/systemd/systemd --system --unit=testbed.target --log-color=no
	;;
esac
echo "boot-systemd.sh: unknown stage $1" >&2
exit 2
