/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave that uses SGX's user leaves through the runtime.
 *
 * ecall 0 report(TARGETINFO 512, REPORTDATA 64): return the REPORT (432) this
 *         enclave makes for that target
 * ecall 1 getkey(KEYREQUEST 512): return struct vmpl_sgx_key_answer (24)
 * ecall 2 targetinfo(): return this enclave's own TARGETINFO (512), built
 *         from a report about itself, so others can target reports at it
 */
#include "vmpl_sgx_enclave.h"

static uint64_t ecall_report(struct vmpl_sgx_call *call)
{
	struct vmpl_sgx_targetinfo target;
	struct vmpl_sgx_report report;
	uint64_t status;

	if (call->input_len != sizeof(target) + VMPL_SGX_REPORT_DATA_SIZE)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&target, call->input, sizeof(target));
	status = vmpl_sgx_ereport(call, &target, call->input + sizeof(target), &report);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return status;
	return vmpl_sgx_output(call, &report, sizeof(report));
}

static uint64_t ecall_getkey(struct vmpl_sgx_call *call)
{
	struct vmpl_sgx_keyrequest request;
	struct vmpl_sgx_key_answer answer;
	uint32_t key_status = 0;
	uint64_t status;

	if (call->input_len != sizeof(request))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&request, call->input, sizeof(request));
	memset(&answer, 0, sizeof(answer));
	status = vmpl_sgx_egetkey(call, &request, answer.key, &key_status);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return status;
	answer.status = key_status;
	/* A sample shows the key to the host; real enclaves keep keys inside. */
	return vmpl_sgx_output(call, &answer, sizeof(answer));
}

static uint64_t ecall_targetinfo(struct vmpl_sgx_call *call)
{
	struct vmpl_sgx_targetinfo target, self;
	struct vmpl_sgx_report report;
	uint8_t data[VMPL_SGX_REPORT_DATA_SIZE];
	uint64_t status;

	memset(&target, 0, sizeof(target));
	memset(data, 0, sizeof(data));
	status = vmpl_sgx_ereport(call, &target, data, &report);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return status;
	memset(&self, 0, sizeof(self));
	memcpy(self.mrenclave, report.body.mrenclave, sizeof(self.mrenclave));
	self.attributes = report.body.attributes;
	self.xfrm = report.body.xfrm;
	self.config_svn = report.body.config_svn;
	self.miscselect = report.body.miscselect;
	memcpy(self.config_id, report.body.config_id, sizeof(self.config_id));
	return vmpl_sgx_output(call, &self, sizeof(self));
}

VMPL_SGX_ECALLS(
	VMPL_SGX_ECALL(0, ecall_report)
	VMPL_SGX_ECALL(1, ecall_getkey)
	VMPL_SGX_ECALL(2, ecall_targetinfo)
)
