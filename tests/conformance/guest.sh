#!/bin/sh
# Run the conformance suite against the real module inside a test guest (see tests/vm):
# load vmpl_sgx.ko with the loopback transport, serve it with the Python SEH, run the suite
# with VMPL_SGX_BACKEND=device. Usage, from the repository root:
#   python -m tests.vm.run --kernel all --guest-script tests/conformance/guest.sh \
#       --param VMPL_SGX_PYTHON=/path/to/python-with-pytest
set -u
PYTHON=${VMPL_SGX_PYTHON:-python3}
RESULTS=${VMPL_SGX_VM_RESULTS:-/tmp}
export PYTHONPATH="$PWD/sdk:$PWD"

if [ -n "${VMPL_SGX_VM_MODULE:-}" ]; then
    insmod "$VMPL_SGX_VM_MODULE" transport=loopback || exit 10
fi
[ -c /dev/vmpl_sgx ] || { echo "no /dev/vmpl_sgx"; exit 11; }

"$PYTHON" -m vmpl_sgx.seh > "$RESULTS/seh.log" 2>&1 &
seh=$!
trap 'kill $seh 2>/dev/null' EXIT
# Until the SEH holds its device, calls fail with EIO and GET_INFO answers un-negotiated
# defaults: wait for it before the first call.
. tests/vm/wait_seh.sh
wait_for_seh "$seh" || exit 12
"$PYTHON" -m vmpl_sgx info --backend device || exit 12

VMPL_SGX_BACKEND=device VMPL_SGX_REQUIRE_DEVICE=1 "$PYTHON" -m pytest -p no:cacheprovider \
    -q -rs tests/conformance > "$RESULTS/conformance.log" 2>&1
rc=$?
tail -n 20 "$RESULTS/conformance.log"
"$PYTHON" -m vmpl_sgx demo --backend device || rc=13
exit $rc
