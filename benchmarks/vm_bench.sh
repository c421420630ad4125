#!/bin/sh
# Guest script for `make bench`: the benchmarks that need the real module (B1 on the
# device, B3, the per-RUN overhead). Run by benchmarks/run_all.py through tests.vm.run;
# writes bench.json to the results directory.
set -u
RESULTS=${VMPL_SGX_VM_RESULTS:-/tmp}
PYTHON=${VMPL_SGX_PYTHON:-}
[ -n "$PYTHON" ] || { [ -x .venv/bin/python ] && PYTHON=.venv/bin/python || PYTHON=python3; }
export PYTHONPATH="$PWD/sdk:$PWD"

grep -q " /sys/kernel/debug debugfs" /proc/mounts || mount -t debugfs none /sys/kernel/debug ||
    exit 10
# The first RUN starts the executor's zygote, a Python start under emulation: on a busy host
# that can take longer than the default 30 s SEH timeout, so the benchmark allows more.
insmod "$VMPL_SGX_VM_MODULE" transport=loopback seh_timeout_ms=180000 || exit 11
"$PYTHON" -m vmpl_sgx.seh > "$RESULTS/seh.log" 2>&1 &
seh=$!
# Until the SEH holds its device, GET_INFO answers un-negotiated defaults: wait for it.
. tests/vm/wait_seh.sh
wait_for_seh "$seh" || exit 12
"$PYTHON" -m vmpl_sgx info --backend device > /dev/null || exit 12

gcc -O2 -D_GNU_SOURCE -Ikernel_module/include/uapi tests/vm/c_client/vmpl_sgx_client.c \
    -o /tmp/vmpl-sgx-client || exit 13
c_ns() { /tmp/vmpl-sgx-client bench-info 20000 | sed -n 's/^get_info_ns=\([0-9.]*\).*/\1/p'; }
# C before and after the Python runs, so a drift of the guest's speed shows.
c_before=$(c_ns)
py_json=$(VMPL_SGX_C_CLIENT=/tmp/vmpl-sgx-client VMPL_SGX_SEH_PID=$seh \
    "$PYTHON" benchmarks/device_bench.py) || exit 14
c_after=$(c_ns)
echo "{\"kernel\": \"$(uname -r)\", \"c_get_info_ns\": [$c_before, $c_after], \"device\": $py_json}" > "$RESULTS/bench.json"
cat "$RESULTS/bench.json"

kill "$seh"; wait "$seh"
rmmod vmpl_sgx || exit 15
