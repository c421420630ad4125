#!/bin/sh
# PID 1 of the test guest (busybox). Loads the virtio/9p modules, enters the host's root
# (shared read-only over 9p) and runs the guest script named on the kernel command line,
# then reports its exit status on the console, in the results share and through the
# isa-debug-exit port, and powers off.
#
# From the kernel command line (unknown key=value words land in this environment):
#   VMPL_SGX_VM_SCRIPT   guest script, a path in the host's root
#   VMPL_SGX_VM_RESULTS  host path of the writable results share (mounted at the same path)
#   VMPL_SGX_VM_CWD      directory the script starts in
# plus any caller parameters, passed on unchanged.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
NEWROOT=/host

say() { echo "VMPL_SGX_VM: $*"; }  # sentinel lines the host parses

report() {
    rc=$1
    say "RC=$rc"
    if grep -q " /results " /proc/mounts; then
        dmesg > /results/dmesg.txt 2>&1
        echo "$rc" > /results/rc
        sync
    fi
    say "END"
    # isa-debug-exit at 0xf4 (244): QEMU exits at once with status (rc << 1) | 1.
    printf "\\$(printf %o $((rc & 255)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    poweroff -f
    sleep 5
}

die() {
    say "INIT-FAILED: $*"
    report 125
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
KERNEL=$(cat /proc/sys/kernel/osrelease)
say "BOOT kernel=$KERNEL"

while read -r ko params; do
    [ -n "$ko" ] || continue
    # shellcheck disable=SC2086  # module parameters are separate words
    insmod "/modules/$ko" $params || die "insmod $ko"
done < /modules/order

P9="trans=virtio,version=9p2000.L,msize=262144"
mkdir -p /results "$NEWROOT" /rw
mount -t 9p -o "$P9,ro,cache=loose" hostroot "$NEWROOT" || die "mount hostroot"
mount -t 9p -o "$P9,rw" results /results || die "mount results"
[ -n "$VMPL_SGX_VM_SCRIPT" ] || die "no VMPL_SGX_VM_SCRIPT on the kernel command line"
[ -n "$VMPL_SGX_VM_RESULTS" ] || die "no VMPL_SGX_VM_RESULTS on the kernel command line"

mount --bind /dev "$NEWROOT/dev" || die "bind /dev"
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts "$NEWROOT/dev/pts"
mount -t tmpfs tmpfs "$NEWROOT/dev/shm"
mount --bind /proc "$NEWROOT/proc" || die "bind /proc"
mount --bind /sys "$NEWROOT/sys" || die "bind /sys"
mount -t tmpfs tmpfs "$NEWROOT/run" || die "tmpfs /run"
# The host root is read-only; /tmp becomes writable by an overlay whose lower layer is the
# host's /tmp, so host files under /tmp (scripts, modules, caches) stay visible. A plain
# tmpfs is the fallback, which hides them.
mount -t tmpfs tmpfs /rw
mkdir -p /rw/tmp /rw/work
if ! mount -t overlay overlay -o "lowerdir=$NEWROOT/tmp,upperdir=/rw/tmp,workdir=/rw/work" \
        "$NEWROOT/tmp"; then
    say "NOTE: overlay on /tmp failed, using an empty tmpfs"
    mount -t tmpfs tmpfs "$NEWROOT/tmp" || die "tmpfs /tmp"
fi
chmod 1777 "$NEWROOT/tmp"
# The results share appears inside the host root at the host's own path of it.
mkdir -p "$NEWROOT$VMPL_SGX_VM_RESULTS" 2>/dev/null
mount --bind /results "$NEWROOT$VMPL_SGX_VM_RESULTS" || die "bind results"

export VMPL_SGX_VM_KERNEL="$KERNEL"
export VMPL_SGX_VM_CWD="${VMPL_SGX_VM_CWD:-/}"
export HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
say "BEGIN script=$VMPL_SGX_VM_SCRIPT"
# The script's output goes to the console and to guest.log; its status to /rw/rc.
{
    chroot "$NEWROOT" /usr/bin/env \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/sh -c 'cd "$1" || exit 126; if [ -x "$2" ]; then exec "$2"; fi; exec /bin/sh "$2"' \
        guest "$VMPL_SGX_VM_CWD" "$VMPL_SGX_VM_SCRIPT" < /dev/null
    echo $? > /rw/rc
} 2>&1 | tee /results/guest.log
rc=$(cat /rw/rc 2>/dev/null)
say "DONE script=$VMPL_SGX_VM_SCRIPT"
report "${rc:-125}"
