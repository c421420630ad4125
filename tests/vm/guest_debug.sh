#!/bin/sh
# Guest script of the debug tier (`make vmtest-debug`, python -m tests.vm.debug_run), in
# the debug kernel:
#   checkers   KASAN, lockdep, kmemleak, page_owner and fault injection must be active,
#              read from the running kernel (a kernel without them cannot pass)
#   suite      tests/vm/guest_tests.sh, the whole VM suite, keeping the module loaded
#   faults     python -m tests.vm.faultinject against the same module (its own SEH)
#   leaks      kmemleak scan with the module loaded and every file closed (objects the
#              module allocated), page_owner's count of pages still held from the
#              module's own page allocations, then rmmod and a second kmemleak scan
#              (objects the unload orphaned)
# VMPL_SGX_VM_PARTS (comma-separated, default all) picks which of the suite's parts
# (conformance,c_client,fuzz,guest,demo) and faultinject run here: `--guests 2` splits them
# between two guests, each with every checker and the leak scans.
# The last line is `VMTIER-DEBUG kernel=... kasan=on lockdep=on ... parts=...`; the host adds
# the console's report count. Exit status non-zero if any part failed.
set -u
START=$PWD
if [ -n "${VMPL_SGX_PYTHON:-}" ]; then PYTHON=$VMPL_SGX_PYTHON
elif [ -x "$START/.venv/bin/python" ]; then PYTHON=$START/.venv/bin/python
else PYTHON=python3; fi
RESULTS=${VMPL_SGX_VM_RESULTS:-/tmp}
export PYTHONPATH="$START/sdk:$START"
export PYTHONDONTWRITEBYTECODE=1
D=/sys/kernel/debug
PARTS=${VMPL_SGX_VM_PARTS:-conformance,c_client,fuzz,guest,demo,faultinject}
suite_parts=$(echo "$PARTS" | tr ',' '\n' | grep -vx faultinject | paste -sd, -)
case ",$PARTS," in *,faultinject,*) faultinject=1;; *) faultinject=0;; esac
rc=0
summary=""
note() { summary="${summary:+$summary }$1"; }
fail() { note "$1"; rc=1; }

grep -qs " $D debugfs" /proc/mounts || mount -t debugfs none "$D"

# ---- checkers, from the running kernel
on() { if "$@"; then echo on; else echo off; fi; }
kasan=$(if dmesg | grep -q 'KernelAddressSanitizer initialized'; then echo on; else echo off; fi)
# debug_locks drops to 0 once lockdep has reported (or was never built in).
lockdep=$(on grep -qs '^ *debug_locks: *1$' /proc/lockdep_stats)
kmemleak=$(on test -e "$D/kmemleak")
page_owner=$(on test -r "$D/page_owner_stacks/show_stacks")
faultinj=$(on test -e "$D/failslab/require-start" -a -e "$D/fail_page_alloc/require-start")
note "kernel=$(uname -r) kasan=$kasan lockdep=$lockdep kmemleak=$kmemleak page_owner=$page_owner fault_injection=$faultinj"
for checker in "$kasan" "$lockdep" "$kmemleak" "$page_owner" "$faultinj"; do
    [ "$checker" = on ] || { echo "VMTIER-DEBUG $summary checkers=MISSING"; exit 20; }
done
# Only what happens from here on counts as the module's.
echo clear > "$D/kmemleak"

# ---- the suite (it loads the module); its rmmod comes last, below
[ -n "$suite_parts" ] || { echo "VMTIER-DEBUG $summary parts=FAILED (no part of the suite)"; exit 21; }
VMPL_SGX_KEEP_MODULE=1 VMPL_SGX_VM_PARTS=$suite_parts sh "$START/tests/vm/guest_tests.sh"
part=$?
[ $part -eq 0 ] && note "suite=ok" || fail "suite=FAILED($part)"

# ---- allocation-failure injection; it starts (and restarts) its own SEH
if [ $faultinject -eq 0 ]; then
    :
elif grep -q '^vmpl_sgx ' /proc/modules; then
    timeout 1800 "$PYTHON" -m tests.vm.faultinject --seh-log "$RESULTS/seh-faultinject.log" \
        ${VMPL_SGX_FAULTINJECT_ROUNDS:+--rounds "$VMPL_SGX_FAULTINJECT_ROUNDS"} \
        > "$RESULTS/faultinject.log" 2>&1
    part=$?
    cat "$RESULTS/faultinject.log"
    line=$(sed -n 's/^VMTIER-DEBUG //p' "$RESULTS/faultinject.log" | tail -n 1)
    if [ $part -eq 0 ]; then note "$line"; else fail "${line:-faultinject=FAILED($part)}"; fi
else
    fail "faultinject=FAILED(module not loaded)"
fi

# ---- leaks: kmemleak needs two scans to call an object unreferenced
scan() { echo scan > "$D/kmemleak"; echo scan > "$D/kmemleak"; cat "$D/kmemleak"; }
scan > "$RESULTS/kmemleak-loaded.txt"
# Objects whose allocation backtrace runs through the module.
leaks=$(awk '/^unreferenced object/ {obj=$0} /\[vmpl_sgx\]/ && obj {print obj; obj=""}' \
    "$RESULTS/kmemleak-loaded.txt" | wc -l)
cat "$D/page_owner_stacks/show_stacks" > "$RESULTS/page_owner_stacks.txt"
# Pages the module allocated itself that are still allocated (every file is closed by
# now). Slab pages first filled through the module stay with their caches, so only the
# module's own page allocator, vmpl_sgx_alloc_page, counts.
held=$(awk '/^ *nr_base_pages:/ { if (mod && $2 > 0) n += $2; mod=0; next }
           /vmpl_sgx_alloc_page/ { mod=1 } END { print n + 0 }' \
    "$RESULTS/page_owner_stacks.txt")
if rmmod vmpl_sgx > "$RESULTS/rmmod.log" 2>&1; then note "rmmod=ok"; else
    cat "$RESULTS/rmmod.log"; fail "rmmod=FAILED"; fi
scan > "$RESULTS/kmemleak-unloaded.txt"
# After the unload the module's frames show as bare addresses; any new object counts.
orphans=$(grep -c '^unreferenced object' "$RESULTS/kmemleak-unloaded.txt")
if [ "$leaks" -eq 0 ] && [ "$orphans" -eq 0 ]; then note "kmemleak=0"; else
    cat "$RESULTS/kmemleak-loaded.txt" "$RESULTS/kmemleak-unloaded.txt"
    fail "kmemleak=$leaks+$orphans"; fi
if [ "$held" -eq 0 ]; then note "page_owner=0"; else
    grep -B 20 'vmpl_sgx_alloc_page' "$RESULTS/page_owner_stacks.txt" | head -n 60
    fail "page_owner=$held pages held by module stacks"; fi
lockdep_end=$(on grep -qs '^ *debug_locks: *1$' /proc/lockdep_stats)
[ "$lockdep_end" = on ] || fail "lockdep=turned-off(it reported)"
note "parts=$PARTS"
echo "VMTIER-DEBUG $summary"
exit $rc
