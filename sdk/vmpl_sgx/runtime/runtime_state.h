/* SPDX-License-Identifier: MIT */
/* What the runtime's C files share: the ecall each TCS is running. */
#ifndef VMPL_SGX_RUNTIME_STATE_H
#define VMPL_SGX_RUNTIME_STATE_H

#include "vmpl_sgx_enclave.h"

/* TCSs whose running ecall the runtime tracks; threads beyond get no log, abort message or heap. */
#define VMPL_SGX_TRACKED_THREADS 1024

/* The ecall running on this thread (by the thread data it was entered with), or NULL. */
struct vmpl_sgx_call *vmpl_sgx_current_call(void);

#endif /* VMPL_SGX_RUNTIME_STATE_H */
