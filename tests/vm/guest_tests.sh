#!/bin/sh
# The VM tier's default guest script (see tests/vm/README.md; `make vmtest` runs it through
# `python -m tests.vm.run`). Runs as root inside the test guest, from the repository root:
# loads vmpl_sgx.ko with the loopback transport and runs, in order,
#   conformance  tests/conformance against the device, served by a shared Python SEH
#   c_client     tests/vm/c_client built with gcc, a load plan of the sha256 sample
#   fuzz         python -m tests.vm.fuzz, when tests/vm/fuzz.py exists: once with the fixed
#                seed (reproducible across runs), once with a fresh random seed that the
#                VMTIER line names (new sequences each run, reproducible from the log)
#   guest        tests/vm/guest (device-only tests that start and stop their own SEH)
#   demo         python -m vmpl_sgx demo --backend device, signing with the fixed guest key
# then stops the SEH and unloads the module (not with VMPL_SGX_KEEP_MODULE set: the debug
# tier checks for leaks before it unloads). VMPL_SGX_VM_PARTS (comma-separated) runs only
# some of conformance,c_client,fuzz,guest,demo, in that order: the debug tier splits the
# suite between two guests. Coverage needs every part. When it loads and unloads the module itself,
# the function tracer records which module functions ran from insmod to rmmod
# (tests/vm/coverage.sh): coverage=<reached>/<total> unreached=<names>, failed unless only
# the hardware gate's functions (tests/vm/coverage_hardware_gate.txt) stayed unreached.
# After the fuzz runs live.pages must be 0. Logs go to $VMPL_SGX_VM_RESULTS; the last line
# is one summary (VMTIER part=result, ...); the exit status is non-zero if any part
# failed.
set -u
START=$PWD
if [ -n "${VMPL_SGX_PYTHON:-}" ]; then
    PYTHON=$VMPL_SGX_PYTHON
elif [ -x "$START/.venv/bin/python" ]; then
    PYTHON=$START/.venv/bin/python
else
    PYTHON=python3
fi
RESULTS=${VMPL_SGX_VM_RESULTS:-/tmp}
FUZZ_SEED=${VMPL_SGX_FUZZ_SEED:-20240601}
FUZZ_CALLS=${VMPL_SGX_FUZZ_CALLS:-2000}
FUZZ_RANDOM_SEED=${VMPL_SGX_FUZZ_RANDOM_SEED:-}
WORK=$(mktemp -d /tmp/vmpl-sgx-guest.XXXXXX)
export PYTHONPATH="$START/sdk:$START"
export PYTHONDONTWRITEBYTECODE=1
# pytest trims the reason off a FAILED summary line to fit the terminal (80 columns on
# the console); the console shows those lines, so make room for the reason.
export COLUMNS=400

ALL_PARTS="conformance c_client fuzz guest demo"
PARTS=$(echo "${VMPL_SGX_VM_PARTS:-$ALL_PARTS}" | tr ',' ' ')
for part in $PARTS; do
    case " $ALL_PARTS " in *" $part "*) ;; *)
        echo "VMTIER parts=FAILED (unknown part $part; the parts are $ALL_PARTS)"; exit 13;;
    esac
done
want() { case " $PARTS " in *" $1 "*) return 0;; esac; return 1; }

rc=0
summary=""
seh=""
note() { summary="${summary:+$summary, }$1"; }
fail() { note "$1"; rc=1; }
now() { date +%s; }
# The ids of the failed tests in a pytest log (its -rfE summary), for the VMTIER line.
failed_tests() {
    sed -n 's/^\(FAILED\|ERROR\) \([^ ]*\).*/\2/p' "$1" | sed 's|^tests/||' | tr '\n' ' ' |
        sed 's/ $//'
}
# pids of the processes holding /dev/vmpl_sgx_seh open (the guest tests fork their SEHs
# from pytest, so their command lines do not name vmpl_sgx.seh)
seh_holders() {
    for fds in /proc/[0-9]*/fd; do
        if ls -l "$fds" 2>/dev/null | grep -q '/dev/vmpl_sgx_seh$'; then
            holder=${fds#/proc/}; echo "${holder%/fd}"
        fi
    done
}

. "$START/tests/vm/wait_seh.sh"
start_seh() {
    stop_seh  # the device serves one SEH; a part may start one while the setup's still runs
    "$PYTHON" -m vmpl_sgx.seh >> "$RESULTS/seh.log" 2>&1 &
    seh=$!
    # The first GET_INFO after the SEH holds its device asks QUERY.
    wait_for_seh "$seh" || return 1
    timeout 120 "$PYTHON" -m vmpl_sgx info --backend device > "$RESULTS/info.txt" 2>&1
}
stop_seh() {
    if [ -n "$seh" ]; then
        kill "$seh" 2>/dev/null
        wait "$seh" 2>/dev/null
        seh=""
    fi
}
. "$START/tests/vm/coverage.sh"
trap 'stop_seh; coverage_stop; rm -rf "$WORK"' EXIT

echo "guest_tests: python $PYTHON ($("$PYTHON" --version 2>&1)), kernel ${VMPL_SGX_VM_KERNEL:-$(uname -r)}"

# ---- setup
# The SEH model's chain keys, made on the host (tests/vm/model_keys.py): generating them
# here would take about 95 s of the first quote. They go where the SEH keeps them, beside
# its root secret (made here as usual).
if [ -n "${VMPL_SGX_MODEL_KEYS:-}" ]; then
    state="${XDG_STATE_HOME:-$HOME/.local/state}/vmpl-sgx"
    if [ ! -e "$state/seh-root-secret.chain.json" ]; then
        mkdir -p "$state" && cp "$VMPL_SGX_MODEL_KEYS" "$state/seh-root-secret.chain.json" &&
            chmod 600 "$state/seh-root-secret.chain.json" ||
            echo "guest_tests: cannot place the SEH model's chain keys"
    fi
fi
if ! grep -qs " /sys/kernel/debug debugfs" /proc/mounts; then
    mount -t debugfs none /sys/kernel/debug || echo "guest_tests: cannot mount debugfs"
fi
# Coverage needs the whole module lifetime: this script's insmod to its rmmod.
coverage=0
if [ -n "${VMPL_SGX_VM_MODULE:-}" ] && [ -z "${VMPL_SGX_KEEP_MODULE:-}" ] &&
        [ "$PARTS" = "$ALL_PARTS" ]; then
    coverage_arm && coverage=1
fi
if [ -n "${VMPL_SGX_VM_MODULE:-}" ]; then
    # Two TCG guests share the host's CPUs, so an SEH call can take far longer than on
    # hardware: the tier's window is 120 s (the module's default is 30 s). Tests of the
    # timeout itself set their own windows and restore this one.
    insmod "$VMPL_SGX_VM_MODULE" transport=loopback seh_timeout_ms=120000 ||
        { echo "VMTIER insmod=FAILED"; exit 10; }
fi
[ $coverage -eq 1 ] && coverage_snapshot
[ -c /dev/vmpl_sgx ] && [ -c /dev/vmpl_sgx_seh ] || {
    echo "VMTIER setup=FAILED (no /dev/vmpl_sgx or /dev/vmpl_sgx_seh)"; exit 11; }
if ! start_seh; then
    cat "$RESULTS/info.txt" "$RESULTS/seh.log"
    echo "VMTIER seh=FAILED (GET_INFO through the SEH did not work)"
    exit 12
fi
cat "$RESULTS/info.txt"

# ---- (a) conformance suite against the device
part_conformance() {
    t=$(now)
    VMPL_SGX_BACKEND=device VMPL_SGX_REQUIRE_DEVICE=1 "$PYTHON" -m pytest -p no:cacheprovider \
        -q -rfEs --durations=15 tests/conformance > "$RESULTS/conformance.log" 2>&1
    part=$?
    tail -n 3 "$RESULTS/conformance.log"
    line=$(tail -n 1 "$RESULTS/conformance.log" | sed 's/^=* *//; s/ in [0-9.]*s.*$//')
    if [ $part -eq 0 ]; then note "conformance=$line ($(( $(now) - t ))s)"; else
        fail "conformance=FAILED: $line ($(failed_tests "$RESULTS/conformance.log"))"; fi
}

# ---- (b) the C client
part_c_client() {
    t=$(now)
    client_ok=1
    mkdir -p "$WORK/c"
    if ! gcc -O2 -Wall -Werror -I kernel_module/include/uapi -o "$WORK/c/vmpl-sgx-client" \
            tests/vm/c_client/vmpl_sgx_client.c > "$RESULTS/c_client.log" 2>&1; then
        client_ok=0; why="gcc failed"
    elif ! "$PYTHON" -m tests.vm.guest.c_client_plan "$WORK/c/plan" >> "$RESULTS/c_client.log" 2>&1; then
        client_ok=0; why="no plan"
    elif ! "$WORK/c/vmpl-sgx-client" load "$WORK/c/plan/plan.txt" >> "$RESULTS/c_client.log" 2>&1; then
        client_ok=0; why="load plan failed"
    else
        got=$(sed -n 's/^run exit_kind=.* output=\([0-9a-f]*\)$/\1/p' "$RESULTS/c_client.log")
        expected=$(cat "$WORK/c/plan/expected.txt")
        [ -n "$got" ] && [ "$got" = "$expected" ] ||
            { client_ok=0; why="digest $got, not $expected"; }
    fi
    if [ $client_ok -eq 1 ]; then
        if ! { "$WORK/c/vmpl-sgx-client" info && "$WORK/c/vmpl-sgx-client" info-sizes; } \
                >> "$RESULTS/c_client.log" 2>&1; then
            tail -n 3 "$RESULTS/c_client.log"
            fail "c_client=FAILED: info or info-sizes"
        elif "$WORK/c/vmpl-sgx-client" bench-info 20000 > "$RESULTS/bench-info.txt" 2>&1; then
            note "c_client=ok ($(cat "$RESULTS/bench-info.txt"))"
        else
            fail "c_client=FAILED: bench-info"
        fi
    else
        cat "$RESULTS/c_client.log"
        fail "c_client=FAILED: $why"
    fi
}

# ---- (c) the fuzzer, when there is one
part_fuzz() {
    . "$START/tests/vm/fuzz_runs.sh"
    fuzz_runs
    # kmemleak cannot see page leaks: with every enclave of the fuzz runs closed, the module
    # must hold no page (live.pages; the shared SEH may still be finishing a DESTROY).
    live_pages() { sed -n 's/^live.pages //p' /sys/kernel/debug/vmpl_sgx/stats 2>/dev/null; }
    waited=0
    while [ "$(live_pages)" != 0 ] && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    live=$(live_pages)
    if [ "${live:-x}" = 0 ]; then
        note "live.pages=0 after fuzz"
    else
        fail "pages=FAILED (live.pages ${live:-unreadable} after the fuzz runs)"
    fi
}

# ---- (d) device-only tests; they start and stop their own SEH
part_guest() {
    stop_seh
    t=$(now)
    "$PYTHON" -m pytest -p no:cacheprovider -v -rfEs --durations=15 tests/vm/guest \
        > "$RESULTS/guest-tests.log" 2>&1
    part=$?
    tail -n 5 "$RESULTS/guest-tests.log"
    faults=$(grep -c '^tests/vm/guest/test_faults.py::.* PASSED' "$RESULTS/guest-tests.log")
    privileges=$(grep -c '^tests/vm/guest/test_privileges.py::.* PASSED' "$RESULTS/guest-tests.log")
    gate=$(grep -c '^tests/vm/guest/test_gate.py::.* PASSED' "$RESULTS/guest-tests.log")
    quota=$(grep -c '^tests/vm/guest/test_quota.py::.* PASSED' "$RESULTS/guest-tests.log")
    line=$(tail -n 1 "$RESULTS/guest-tests.log" | sed 's/^=* *//; s/ in [0-9.]*s.*$//')
    if [ $part -eq 0 ] && [ "$faults" -gt 0 ]; then
        note "faults=$faults cases, gate=$gate cases, privileges=$privileges cases, quota=$quota cases ($line, $(( $(now) - t ))s)"
    else
        grep -E '^(FAILED|ERROR) ' "$RESULTS/guest-tests.log"
        fail "guest=FAILED: $line ($(failed_tests "$RESULTS/guest-tests.log"))"
    fi
    if pgrep -f 'vmpl_sgx[.]seh' > /dev/null || [ -n "$(seh_holders)" ]; then
        fail "guest=an SEH was left running"
    fi
}

# ---- (e) the demo, signing with the guest tests' fixed key (tests/vm/guest/keys.py): a
# throwaway RSA-3072 key takes tens of seconds to generate under TCG, and the host tiers
# run the demo with one.
part_demo() {
    t=$(now)
    sed -n '/BEGIN RSA PRIVATE KEY/,/END RSA PRIVATE KEY/p' "$START/tests/vm/guest/keys.py" \
        > "$WORK/demo-key.pem"
    if ! start_seh; then
        fail "demo=FAILED (the SEH did not start; $RESULTS/seh.log)"
    elif "$PYTHON" -m vmpl_sgx demo --backend device --key "$WORK/demo-key.pem" \
            > "$RESULTS/demo.log" 2>&1; then
        note "demo=ok ($(( $(now) - t ))s)"
    else
        tail -n 20 "$RESULTS/demo.log"
        fail "demo=FAILED"
    fi
    stop_seh
}

for part in $ALL_PARTS; do
    if want "$part"; then "part_$part"; fi
done

# ---- unload
stop_seh
if [ -n "${VMPL_SGX_KEEP_MODULE:-}" ]; then
    note "rmmod=deferred"
elif rmmod vmpl_sgx > "$RESULTS/rmmod.log" 2>&1; then
    note "rmmod=ok"
    if [ $coverage -eq 1 ]; then
        coverage_stop
        coverage_verdict
    fi
else
    cat "$RESULTS/rmmod.log"
    fail "rmmod=FAILED"
fi
echo "VMTIER $summary"
exit $rc
