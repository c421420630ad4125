"""Generate the C headers, the ctypes module and the ABI reference from abi/vmpl_sgx.yaml."""
