/* SPDX-License-Identifier: MIT */
/* Sealing and report checks (vmpl_sgx_seal.h) on the SEH's keys and aes.c. */
#include "aes.h"
#include "vmpl_sgx_libc.h"
#include "vmpl_sgx_seal.h"

#define POLICY_IDENTITY (VMPL_SGX_KEY_POLICY_MRENCLAVE | VMPL_SGX_KEY_POLICY_MRSIGNER)
#define POLICY_DEFINED \
	(POLICY_IDENTITY | VMPL_SGX_KEY_POLICY_NOISVPRODID | VMPL_SGX_KEY_POLICY_CONFIGID | \
	 VMPL_SGX_KEY_POLICY_ISVFAMILYID | VMPL_SGX_KEY_POLICY_ISVEXTPRODID)

_Static_assert(sizeof(struct vmpl_sgx_sealed_header) == VMPL_SGX_SEALED_HEADER_SIZE,
	       "sealed header size");
_Static_assert(__builtin_offsetof(struct vmpl_sgx_sealed_header, tag) ==
	       VMPL_SGX_SEALED_AUTHENTICATED_SIZE, "the tag ends the header");

/* A policy that names no identity would give every enclave on the SEH the same key. */
static int policy_usable(uint16_t policy)
{
	return (policy & POLICY_IDENTITY) && !(policy & ~POLICY_DEFINED);
}

/* The seal key the header's fields name, or why EGETKEY would not give it. */
static uint32_t seal_key(struct vmpl_sgx_call *call, const struct vmpl_sgx_sealed_header *header,
			 uint8_t key[VMPL_SGX_KEY_SIZE])
{
	struct vmpl_sgx_keyrequest request;
	uint32_t key_status = 0;
	uint64_t status;

	memset(&request, 0, sizeof(request));
	request.key_name = header->key_name;
	request.key_policy = header->key_policy;
	request.isv_svn = header->isv_svn;
	request.config_svn = header->config_svn;
	memcpy(request.cpu_svn, header->cpu_svn, sizeof(request.cpu_svn));
	request.attribute_mask = header->attribute_mask;
	request.xfrm_mask = header->xfrm_mask;
	request.misc_mask = header->misc_mask;
	memcpy(request.key_id, header->key_id, sizeof(request.key_id));
	status = vmpl_sgx_egetkey(call, &request, key, &key_status);
	if (status != VMPL_SGX_ENCLAVE_STATUS_OK)
		return VMPL_SGX_TRUST_STATUS_LEAF_FAILED;
	if (key_status != VMPL_SGX_KEY_STATUS_SUCCESS)
		return VMPL_SGX_TRUST_STATUS_KEY_REFUSED;
	return VMPL_SGX_TRUST_STATUS_OK;
}

/* This enclave's own report body, for its ISVSVN, CONFIGSVN and the platform's CPUSVN. */
static uint32_t own_identity(struct vmpl_sgx_call *call, struct vmpl_sgx_report *report)
{
	struct vmpl_sgx_targetinfo self;
	uint8_t data[VMPL_SGX_REPORT_DATA_SIZE];

	memset(&self, 0, sizeof(self));
	memset(data, 0, sizeof(data));
	if (vmpl_sgx_ereport(call, &self, data, report) != VMPL_SGX_ENCLAVE_STATUS_OK)
		return VMPL_SGX_TRUST_STATUS_LEAF_FAILED;
	return VMPL_SGX_TRUST_STATUS_OK;
}

uint32_t vmpl_sgx_seal(struct vmpl_sgx_call *call, uint16_t key_policy, const void *aad,
		       uint32_t aad_len, const void *text, uint32_t text_len, void *blob,
		       uint64_t blob_capacity, uint64_t *blob_len)
{
	struct vmpl_sgx_sealed_header header;
	struct vmpl_sgx_report self;
	uint8_t key[VMPL_SGX_KEY_SIZE];
	uint8_t *out = blob;
	uint32_t status;

	*blob_len = 0;
	if (!vmpl_sgx_aesni_present())
		return VMPL_SGX_TRUST_STATUS_NO_AESNI;
	if (!policy_usable(key_policy))
		return VMPL_SGX_TRUST_STATUS_BAD_POLICY;
	if (aad_len > VMPL_SGX_SEALED_TEXT_MAX || text_len > VMPL_SGX_SEALED_TEXT_MAX)
		return VMPL_SGX_TRUST_STATUS_TOO_LARGE;
	if (blob_capacity < vmpl_sgx_sealed_size(aad_len, text_len))
		return VMPL_SGX_TRUST_STATUS_OUTPUT_TOO_SMALL;
	status = own_identity(call, &self);
	if (status != VMPL_SGX_TRUST_STATUS_OK)
		return status;

	memset(&header, 0, sizeof(header));
	header.magic = VMPL_SGX_SEALED_MAGIC;
	header.version = VMPL_SGX_SEALED_VERSION;
	header.header_size = VMPL_SGX_SEALED_HEADER_SIZE;
	header.key_name = VMPL_SGX_KEY_NAME_SEAL;
	header.key_policy = key_policy;
	header.isv_svn = self.body.isv_svn;
	header.config_svn = self.body.config_svn;
	memcpy(header.cpu_svn, self.body.cpu_svn, sizeof(header.cpu_svn));
	header.attribute_mask = VMPL_SGX_SEAL_ATTRIBUTE_MASK;
	header.aad_size = aad_len;
	header.text_size = text_len;
	/* A fresh key id gives every blob its own key, so a random IV never repeats under one. */
	if (vmpl_sgx_random(header.key_id, sizeof(header.key_id)) ||
	    vmpl_sgx_random(header.iv, sizeof(header.iv)))
		return VMPL_SGX_TRUST_STATUS_NO_RANDOM;
	status = seal_key(call, &header, key);
	if (status != VMPL_SGX_TRUST_STATUS_OK)
		return status;

	/* The leaves are done: only now is the output buffer ours to write. */
	vmpl_sgx_gcm_encrypt(key, header.iv, &header, VMPL_SGX_SEALED_AUTHENTICATED_SIZE, aad,
			     aad_len, text, out + VMPL_SGX_SEALED_HEADER_SIZE + aad_len, text_len,
			     header.tag);
	vmpl_sgx_wipe(key, sizeof(key));
	memcpy(out, &header, sizeof(header));
	memcpy(out + VMPL_SGX_SEALED_HEADER_SIZE, aad, aad_len);
	*blob_len = vmpl_sgx_sealed_size(aad_len, text_len);
	return VMPL_SGX_TRUST_STATUS_OK;
}

static int header_well_formed(const struct vmpl_sgx_sealed_header *header, uint64_t blob_len)
{
	return header->magic == VMPL_SGX_SEALED_MAGIC &&
	       header->version == VMPL_SGX_SEALED_VERSION &&
	       header->header_size == VMPL_SGX_SEALED_HEADER_SIZE &&
	       header->key_name == VMPL_SGX_KEY_NAME_SEAL && !header->reserved1 &&
	       !header->reserved2 && header->aad_size <= VMPL_SGX_SEALED_TEXT_MAX &&
	       header->text_size <= VMPL_SGX_SEALED_TEXT_MAX &&
	       blob_len == vmpl_sgx_sealed_size(header->aad_size, header->text_size);
}

static uint32_t unseal(struct vmpl_sgx_call *call, const uint8_t *blob, uint64_t blob_len,
		       uint16_t required_policy, void *aad, uint32_t aad_capacity, void *text,
		       uint32_t text_capacity, struct vmpl_sgx_sealed_header *header)
{
	uint8_t key[VMPL_SGX_KEY_SIZE];
	uint32_t status;
	int mismatch;

	if (!vmpl_sgx_aesni_present())
		return VMPL_SGX_TRUST_STATUS_NO_AESNI;
	if (blob_len < sizeof(*header))
		return VMPL_SGX_TRUST_STATUS_MALFORMED;
	/* One copy of the header, checked and used: the host cannot change it under us. */
	memcpy(header, blob, sizeof(*header));
	if (!header_well_formed(header, blob_len))
		return VMPL_SGX_TRUST_STATUS_MALFORMED;
	if (!policy_usable(header->key_policy))
		return VMPL_SGX_TRUST_STATUS_BAD_POLICY;
	if ((header->key_policy & required_policy) != required_policy)
		return VMPL_SGX_TRUST_STATUS_WRONG_POLICY;
	if (header->aad_size > aad_capacity || header->text_size > text_capacity)
		return VMPL_SGX_TRUST_STATUS_OUTPUT_TOO_SMALL;
	status = seal_key(call, header, key);
	if (status != VMPL_SGX_TRUST_STATUS_OK)
		return status;
	/* The additional data is authenticated in the copy the caller gets. */
	memcpy(aad, blob + VMPL_SGX_SEALED_HEADER_SIZE, header->aad_size);
	mismatch = vmpl_sgx_gcm_decrypt(key, header->iv, header, VMPL_SGX_SEALED_AUTHENTICATED_SIZE,
					aad, header->aad_size,
					blob + VMPL_SGX_SEALED_HEADER_SIZE + header->aad_size, text,
					header->text_size, header->tag);
	vmpl_sgx_wipe(key, sizeof(key));
	return mismatch ? VMPL_SGX_TRUST_STATUS_AUTH_FAILED : VMPL_SGX_TRUST_STATUS_OK;
}

uint32_t vmpl_sgx_unseal(struct vmpl_sgx_call *call, const void *blob, uint64_t blob_len,
			 uint16_t required_policy, void *aad, uint32_t aad_capacity,
			 uint32_t *aad_len, void *text, uint32_t text_capacity, uint32_t *text_len)
{
	struct vmpl_sgx_sealed_header header;
	uint32_t status = unseal(call, blob, blob_len, required_policy, aad, aad_capacity, text,
				 text_capacity, &header);

	if (status != VMPL_SGX_TRUST_STATUS_OK) {
		vmpl_sgx_wipe(aad, aad_capacity);
		vmpl_sgx_wipe(text, text_capacity);
		*aad_len = 0;
		*text_len = 0;
		return status;
	}
	*aad_len = header.aad_size;
	*text_len = header.text_size;
	return VMPL_SGX_TRUST_STATUS_OK;
}

uint32_t vmpl_sgx_verify_report(struct vmpl_sgx_call *call, const struct vmpl_sgx_report *report)
{
	struct vmpl_sgx_keyrequest request;
	struct vmpl_sgx_report copy;
	uint8_t key[VMPL_SGX_KEY_SIZE], mac[VMPL_SGX_GCM_TAG_SIZE];
	uint32_t key_status = 0;
	int mismatch;

	if (!vmpl_sgx_aesni_present())
		return VMPL_SGX_TRUST_STATUS_NO_AESNI;
	memcpy(&copy, report, sizeof(copy));
	memset(&request, 0, sizeof(request));
	request.key_name = VMPL_SGX_KEY_NAME_REPORT;
	memcpy(request.key_id, copy.key_id, sizeof(request.key_id));
	if (vmpl_sgx_egetkey(call, &request, key, &key_status) != VMPL_SGX_ENCLAVE_STATUS_OK)
		return VMPL_SGX_TRUST_STATUS_LEAF_FAILED;
	if (key_status != VMPL_SGX_KEY_STATUS_SUCCESS)
		return VMPL_SGX_TRUST_STATUS_KEY_REFUSED;
	vmpl_sgx_aes_cmac(key, &copy.body, sizeof(copy.body), mac);
	vmpl_sgx_wipe(key, sizeof(key));
	mismatch = vmpl_sgx_equal_secret(mac, copy.mac, sizeof(mac));
	return mismatch ? VMPL_SGX_TRUST_STATUS_AUTH_FAILED : VMPL_SGX_TRUST_STATUS_OK;
}
