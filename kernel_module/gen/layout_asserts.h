/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Do not edit: generated from abi/vmpl_sgx.yaml
 * by codegen/templates/layout_asserts.h.j2.
 * Regenerate with: python -m codegen
 */
/*
 * Every struct size, field offset and ioctl number of the spec as a literal,
 * so that a header that drifted from the spec fails the module build.
 * Include once, from a single .c file, after both ABI headers.
 */
#ifndef VMPL_SGX_GEN_LAYOUT_ASSERTS_H
#define VMPL_SGX_GEN_LAYOUT_ASSERTS_H

#include <linux/build_bug.h>
#include <linux/stddef.h>

static_assert(sizeof(struct vmpl_sgx_enclave_create) == 8);
static_assert(offsetof(struct vmpl_sgx_enclave_create, src) == 0);

static_assert(sizeof(struct vmpl_sgx_enclave_add_pages) == 48);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, src) == 0);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, offset) == 8);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, length) == 16);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, secinfo) == 24);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, flags) == 32);
static_assert(offsetof(struct vmpl_sgx_enclave_add_pages, count) == 40);

static_assert(sizeof(struct vmpl_sgx_enclave_init) == 8);
static_assert(offsetof(struct vmpl_sgx_enclave_init, sigstruct) == 0);

static_assert(sizeof(struct vmpl_sgx_info) == 64);
static_assert(offsetof(struct vmpl_sgx_info, size) == 0);
static_assert(offsetof(struct vmpl_sgx_info, api_version) == 4);
static_assert(offsetof(struct vmpl_sgx_info, seh_protocol) == 8);
static_assert(offsetof(struct vmpl_sgx_info, seh_version) == 12);
static_assert(offsetof(struct vmpl_sgx_info, transport) == 16);
static_assert(offsetof(struct vmpl_sgx_info, reserved0) == 20);
static_assert(offsetof(struct vmpl_sgx_info, capabilities) == 24);
static_assert(offsetof(struct vmpl_sgx_info, max_pages_per_call) == 32);
static_assert(offsetof(struct vmpl_sgx_info, max_run_buffer) == 36);
static_assert(offsetof(struct vmpl_sgx_info, max_enclave_size) == 40);
static_assert(offsetof(struct vmpl_sgx_info, reserved1) == 48);

static_assert(sizeof(struct vmpl_sgx_enclave_run) == 256);
static_assert(offsetof(struct vmpl_sgx_enclave_run, tcs) == 0);
static_assert(offsetof(struct vmpl_sgx_enclave_run, function) == 8);
static_assert(offsetof(struct vmpl_sgx_enclave_run, exception_vector) == 12);
static_assert(offsetof(struct vmpl_sgx_enclave_run, exception_error_code) == 14);
static_assert(offsetof(struct vmpl_sgx_enclave_run, exception_addr) == 16);
static_assert(offsetof(struct vmpl_sgx_enclave_run, call_id) == 24);
static_assert(offsetof(struct vmpl_sgx_enclave_run, exit_kind) == 28);
static_assert(offsetof(struct vmpl_sgx_enclave_run, input) == 32);
static_assert(offsetof(struct vmpl_sgx_enclave_run, output) == 40);
static_assert(offsetof(struct vmpl_sgx_enclave_run, input_len) == 48);
static_assert(offsetof(struct vmpl_sgx_enclave_run, output_capacity) == 52);
static_assert(offsetof(struct vmpl_sgx_enclave_run, output_len) == 56);
static_assert(offsetof(struct vmpl_sgx_enclave_run, flags) == 60);
static_assert(offsetof(struct vmpl_sgx_enclave_run, retval) == 64);
static_assert(offsetof(struct vmpl_sgx_enclave_run, exception_rip) == 72);
static_assert(offsetof(struct vmpl_sgx_enclave_run, reserved) == 80);

static_assert(sizeof(struct vmpl_sgx_enclave_quote) == 128);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, report) == 0);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, nonce) == 8);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, snp_report) == 16);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, manifest) == 24);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, certificates) == 32);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, snp_report_len) == 40);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, manifest_len) == 44);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, certificates_len) == 48);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, flags) == 52);
static_assert(offsetof(struct vmpl_sgx_enclave_quote, reserved) == 56);

static_assert(sizeof(struct vmpl_sgx_quoting_target) == 576);
static_assert(offsetof(struct vmpl_sgx_quoting_target, targetinfo) == 0);
static_assert(offsetof(struct vmpl_sgx_quoting_target, reserved) == 512);

static_assert(sizeof(struct vmpl_sgx_secs) == 4096);
static_assert(offsetof(struct vmpl_sgx_secs, size) == 0);
static_assert(offsetof(struct vmpl_sgx_secs, base) == 8);
static_assert(offsetof(struct vmpl_sgx_secs, ssa_frame_size) == 16);
static_assert(offsetof(struct vmpl_sgx_secs, miscselect) == 20);
static_assert(offsetof(struct vmpl_sgx_secs, reserved1) == 24);
static_assert(offsetof(struct vmpl_sgx_secs, attributes) == 48);
static_assert(offsetof(struct vmpl_sgx_secs, xfrm) == 56);
static_assert(offsetof(struct vmpl_sgx_secs, mrenclave) == 64);
static_assert(offsetof(struct vmpl_sgx_secs, reserved2) == 96);
static_assert(offsetof(struct vmpl_sgx_secs, mrsigner) == 128);
static_assert(offsetof(struct vmpl_sgx_secs, reserved3) == 160);
static_assert(offsetof(struct vmpl_sgx_secs, config_id) == 192);
static_assert(offsetof(struct vmpl_sgx_secs, isv_prod_id) == 256);
static_assert(offsetof(struct vmpl_sgx_secs, isv_svn) == 258);
static_assert(offsetof(struct vmpl_sgx_secs, config_svn) == 260);
static_assert(offsetof(struct vmpl_sgx_secs, reserved4) == 262);

static_assert(sizeof(struct vmpl_sgx_secinfo) == 64);
static_assert(offsetof(struct vmpl_sgx_secinfo, flags) == 0);
static_assert(offsetof(struct vmpl_sgx_secinfo, reserved) == 8);

static_assert(sizeof(struct vmpl_sgx_tcs) == 4096);
static_assert(offsetof(struct vmpl_sgx_tcs, state) == 0);
static_assert(offsetof(struct vmpl_sgx_tcs, flags) == 8);
static_assert(offsetof(struct vmpl_sgx_tcs, ossa) == 16);
static_assert(offsetof(struct vmpl_sgx_tcs, cssa) == 24);
static_assert(offsetof(struct vmpl_sgx_tcs, nssa) == 28);
static_assert(offsetof(struct vmpl_sgx_tcs, oentry) == 32);
static_assert(offsetof(struct vmpl_sgx_tcs, aep) == 40);
static_assert(offsetof(struct vmpl_sgx_tcs, ofsbase) == 48);
static_assert(offsetof(struct vmpl_sgx_tcs, ogsbase) == 56);
static_assert(offsetof(struct vmpl_sgx_tcs, fslimit) == 64);
static_assert(offsetof(struct vmpl_sgx_tcs, gslimit) == 68);
static_assert(offsetof(struct vmpl_sgx_tcs, reserved) == 72);

static_assert(sizeof(struct vmpl_sgx_sigstruct) == 1808);
static_assert(offsetof(struct vmpl_sgx_sigstruct, header) == 0);
static_assert(offsetof(struct vmpl_sgx_sigstruct, type) == 12);
static_assert(offsetof(struct vmpl_sgx_sigstruct, vendor) == 16);
static_assert(offsetof(struct vmpl_sgx_sigstruct, date) == 20);
static_assert(offsetof(struct vmpl_sgx_sigstruct, header2) == 24);
static_assert(offsetof(struct vmpl_sgx_sigstruct, swdefined) == 40);
static_assert(offsetof(struct vmpl_sgx_sigstruct, reserved1) == 44);
static_assert(offsetof(struct vmpl_sgx_sigstruct, modulus) == 128);
static_assert(offsetof(struct vmpl_sgx_sigstruct, exponent) == 512);
static_assert(offsetof(struct vmpl_sgx_sigstruct, signature) == 516);
static_assert(offsetof(struct vmpl_sgx_sigstruct, miscselect) == 900);
static_assert(offsetof(struct vmpl_sgx_sigstruct, miscmask) == 904);
static_assert(offsetof(struct vmpl_sgx_sigstruct, reserved2) == 908);
static_assert(offsetof(struct vmpl_sgx_sigstruct, isvfamilyid) == 912);
static_assert(offsetof(struct vmpl_sgx_sigstruct, attributes) == 928);
static_assert(offsetof(struct vmpl_sgx_sigstruct, xfrm) == 936);
static_assert(offsetof(struct vmpl_sgx_sigstruct, attributemask) == 944);
static_assert(offsetof(struct vmpl_sgx_sigstruct, xfrmmask) == 952);
static_assert(offsetof(struct vmpl_sgx_sigstruct, enclavehash) == 960);
static_assert(offsetof(struct vmpl_sgx_sigstruct, reserved3) == 992);
static_assert(offsetof(struct vmpl_sgx_sigstruct, isvextprodid) == 1008);
static_assert(offsetof(struct vmpl_sgx_sigstruct, isvprodid) == 1024);
static_assert(offsetof(struct vmpl_sgx_sigstruct, isvsvn) == 1026);
static_assert(offsetof(struct vmpl_sgx_sigstruct, reserved4) == 1028);
static_assert(offsetof(struct vmpl_sgx_sigstruct, q1) == 1040);
static_assert(offsetof(struct vmpl_sgx_sigstruct, q2) == 1424);

static_assert(sizeof(struct vmpl_sgx_seh_query_req) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_query_req, version) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_query_req, reserved) == 4);

static_assert(sizeof(struct vmpl_sgx_seh_query_rsp) == 32);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, version) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, max_pages_per_call) == 4);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, max_run_buffer) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, reserved) == 12);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, capabilities) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_query_rsp, max_enclave_size) == 24);

static_assert(sizeof(struct vmpl_sgx_seh_create_req) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_create_req, secs_gpa) == 0);

static_assert(sizeof(struct vmpl_sgx_seh_create_rsp) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_create_rsp, handle) == 0);

static_assert(sizeof(struct vmpl_sgx_seh_page_desc) == 24);
static_assert(offsetof(struct vmpl_sgx_seh_page_desc, src_gpa) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_page_desc, offset) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_page_desc, secinfo_flags) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_page_desc, flags) == 20);

static_assert(sizeof(struct vmpl_sgx_seh_add_pages_req) == 3088);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_req, handle) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_req, count) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_req, reserved) == 12);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_req, pages) == 16);

static_assert(sizeof(struct vmpl_sgx_seh_add_pages_rsp) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_rsp, done) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_add_pages_rsp, reserved) == 4);

static_assert(sizeof(struct vmpl_sgx_seh_init_req) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_init_req, handle) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_init_req, sigstruct_gpa) == 8);

static_assert(sizeof(struct vmpl_sgx_seh_init_rsp) == 64);
static_assert(offsetof(struct vmpl_sgx_seh_init_rsp, mrenclave) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_init_rsp, mrsigner) == 32);

static_assert(sizeof(struct vmpl_sgx_seh_enter_req) == 288);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, handle) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, tcs_offset) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, function) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, call_id) == 20);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, input_len) == 24);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, output_capacity) == 28);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, input_gpa) == 32);
static_assert(offsetof(struct vmpl_sgx_seh_enter_req, output_gpa) == 160);

static_assert(sizeof(struct vmpl_sgx_seh_enter_rsp) == 32);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, exit_kind) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, call_id) == 4);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, output_len) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, exception_vector) == 12);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, exception_error_code) == 14);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, exception_addr) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_enter_rsp, retval) == 24);

static_assert(sizeof(struct vmpl_sgx_seh_enter_fault) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_enter_fault, exception_rip) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_enter_fault, reserved) == 8);

static_assert(sizeof(struct vmpl_sgx_seh_destroy_req) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_destroy_req, handle) == 0);

static_assert(sizeof(struct vmpl_sgx_seh_quote_req) == 616);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, handle) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, report) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, nonce) == 440);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, snp_report_capacity) == 504);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, manifest_capacity) == 508);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, certificates_capacity) == 512);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, reserved) == 516);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, snp_report_gpa) == 520);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, manifest_gpa) == 552);
static_assert(offsetof(struct vmpl_sgx_seh_quote_req, certificates_gpa) == 584);

static_assert(sizeof(struct vmpl_sgx_seh_quote_rsp) == 16);
static_assert(offsetof(struct vmpl_sgx_seh_quote_rsp, snp_report_len) == 0);
static_assert(offsetof(struct vmpl_sgx_seh_quote_rsp, manifest_len) == 4);
static_assert(offsetof(struct vmpl_sgx_seh_quote_rsp, certificates_len) == 8);
static_assert(offsetof(struct vmpl_sgx_seh_quote_rsp, reserved) == 12);

static_assert(sizeof(struct vmpl_sgx_seh_quoting_target_rsp) == 512);
static_assert(offsetof(struct vmpl_sgx_seh_quoting_target_rsp, targetinfo) == 0);

static_assert(sizeof(struct vmpl_sgx_lb_header) == 64);
static_assert(offsetof(struct vmpl_sgx_lb_header, magic) == 0);
static_assert(offsetof(struct vmpl_sgx_lb_header, version) == 4);
static_assert(offsetof(struct vmpl_sgx_lb_header, seq) == 8);
static_assert(offsetof(struct vmpl_sgx_lb_header, rax) == 16);
static_assert(offsetof(struct vmpl_sgx_lb_header, rcx) == 24);
static_assert(offsetof(struct vmpl_sgx_lb_header, rdx) == 32);
static_assert(offsetof(struct vmpl_sgx_lb_header, r8) == 40);
static_assert(offsetof(struct vmpl_sgx_lb_header, r9) == 48);
static_assert(offsetof(struct vmpl_sgx_lb_header, npages) == 56);
static_assert(offsetof(struct vmpl_sgx_lb_header, reserved) == 60);

static_assert(sizeof(struct vmpl_sgx_lb_page) == 16);
static_assert(offsetof(struct vmpl_sgx_lb_page, gpa) == 0);
static_assert(offsetof(struct vmpl_sgx_lb_page, flags) == 8);
static_assert(offsetof(struct vmpl_sgx_lb_page, reserved) == 12);

static_assert(sizeof(struct vmpl_sgx_lb_caa) == 4096);
static_assert(offsetof(struct vmpl_sgx_lb_caa, buffer) == 0);
static_assert(offsetof(struct vmpl_sgx_lb_caa, reserved) == 4088);
static_assert(VMPL_SGX_IOC_ENCLAVE_CREATE == 0x4008A400U);
static_assert(VMPL_SGX_IOC_ENCLAVE_ADD_PAGES == 0xC030A401U);
static_assert(VMPL_SGX_IOC_ENCLAVE_INIT == 0x4008A402U);
static_assert(VMPL_SGX_IOC_GET_INFO == 0x8040A480U);
static_assert(VMPL_SGX_IOC_GET_INFO_SIZED(64) == 0x8040A480U);
static_assert(VMPL_SGX_INFO_SIZE_VER0 == 64);
static_assert(VMPL_SGX_IOC_ENCLAVE_RUN == 0xC100A481U);
static_assert(VMPL_SGX_IOC_ENCLAVE_QUOTE == 0xC080A482U);
static_assert(VMPL_SGX_IOC_QUOTING_TARGET == 0x8240A483U);

#endif /* VMPL_SGX_GEN_LAYOUT_ASSERTS_H */
