/* SPDX-License-Identifier: MIT */
/* Local attestation and sealing ecalls of the attest and peer samples (trust.h). */
#include "trust.h"
#include "vmpl_sgx_seal.h"

/* Header of the seal and unseal inputs. */
struct seal_input {
	uint16_t policy;
	uint16_t reserved;
	uint32_t aad_len;
};

uint64_t trust_report(struct vmpl_sgx_call *call)
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

uint64_t trust_getkey(struct vmpl_sgx_call *call)
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
	return vmpl_sgx_output(call, &answer, sizeof(answer));
}

uint64_t trust_targetinfo(struct vmpl_sgx_call *call)
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

uint64_t trust_verify(struct vmpl_sgx_call *call)
{
	struct vmpl_sgx_report report;
	uint32_t status;

	if (call->input_len != sizeof(report))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&report, call->input, sizeof(report));
	status = vmpl_sgx_verify_report(call, &report);
	if (status != VMPL_SGX_TRUST_STATUS_OK)
		return status;
	return vmpl_sgx_output(call, report.body.mrenclave, sizeof(report.body.mrenclave));
}

uint64_t trust_seal(struct vmpl_sgx_call *call)
{
	struct seal_input head;
	uint8_t aad[SAMPLE_SEAL_MAX], text[SAMPLE_SEAL_MAX];
	uint64_t text_len, blob_len = 0;
	uint32_t status;

	if (call->input_len < sizeof(head))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&head, call->input, sizeof(head));
	if (head.reserved || head.aad_len > SAMPLE_SEAL_MAX ||
	    head.aad_len > call->input_len - sizeof(head))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	text_len = call->input_len - sizeof(head) - head.aad_len;
	if (text_len > SAMPLE_SEAL_MAX)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	/* The secret comes from the host here; a real enclave seals what it made itself. */
	memcpy(aad, call->input + sizeof(head), head.aad_len);
	memcpy(text, call->input + sizeof(head) + head.aad_len, text_len);
	status = vmpl_sgx_seal(call, head.policy, aad, head.aad_len, text, (uint32_t)text_len,
			       call->output, call->output_capacity, &blob_len);
	call->output_len = blob_len;
	return status;
}

uint64_t trust_unseal(struct vmpl_sgx_call *call)
{
	struct seal_input head;
	uint8_t aad[SAMPLE_SEAL_MAX], text[SAMPLE_SEAL_MAX];
	uint32_t status, lengths[2] = { 0, 0 };
	uint64_t result;

	if (call->input_len < sizeof(head))
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	memcpy(&head, call->input, sizeof(head));
	if (head.reserved || head.aad_len)
		return VMPL_SGX_ENCLAVE_STATUS_BAD_INPUT;
	status = vmpl_sgx_unseal(call, call->input + sizeof(head), call->input_len - sizeof(head),
				 head.policy, aad, sizeof(aad), &lengths[0], text, sizeof(text),
				 &lengths[1]);
	if (status != VMPL_SGX_TRUST_STATUS_OK)
		return status;
	result = vmpl_sgx_output(call, lengths, sizeof(lengths));
	if (result == VMPL_SGX_ENCLAVE_STATUS_OK)
		result = vmpl_sgx_output(call, aad, lengths[0]);
	if (result == VMPL_SGX_ENCLAVE_STATUS_OK)
		result = vmpl_sgx_output(call, text, lengths[1]);
	memset(text, 0, sizeof(text));
	return result;
}
