#!/bin/sh
# PID 1 of a private root for the real-program tests, started by
#   unshare --pid --fork --mount --uts --ipc --net --mount-proc sh setup.sh MODE REAPER
# Nothing a test does in here reaches the host: /etc, /usr and /var are
# overlays whose changes live in memory, /run, /tmp, /var/tmp and /dev/shm are
# fresh tmpfs, /sys and /proc/sys are read-only, and the network is a
# namespace of its own with only a loopback: programs inside can neither
# clash with a port on the host nor be reached from anywhere else.
# MODE "plain": exec REAPER (OpenRC and rc.subr run from outside by nsenter).
# MODE "systemd": exec systemd as PID 1 (see systemd-testbed.md in shared/docs).
set -eu
mode=$1
reaper=${2:-}

# Before anything else: no mount below may propagate to the host.
mount --make-rprivate /
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
layers=/run/.private-root
mkdir -m 0700 "$layers"
for dir in etc usr var; do
	mkdir -p "$layers/$dir/upper" "$layers/$dir/work"
	mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$layers/$dir/upper,workdir=$layers/$dir/work" "/$dir"
done
# This script's folder and the reaper may be under /tmp, which is hidden next.
cp -R "$(dirname "$0")" "$layers/bin"
[ -z "$reaper" ] || cp "$reaper" "$layers/bin/reaper"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mkdir -p /var/log/journal
mount -t tmpfs -o mode=0755 tmpfs /var/log/journal
mount -o remount,bind,ro /sys
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
hostname private-root
ip link set lo up

echo ready
case $mode in
plain) exec "$layers/bin/reaper" ;;
systemd) exec sh "$layers/bin/boot-systemd.sh" ;;
*) echo "setup.sh: unknown mode $mode" >&2; exit 2 ;;
esac
