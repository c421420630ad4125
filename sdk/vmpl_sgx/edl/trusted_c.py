"""The trusted C bridge of an interface: NAME_t.h and NAME_t.c.

Messages (see docs/edl.md, "Wire format"): a header with, per parameter in order, a scalar's
bytes, a pointer's byte count (u64) or a user_check address (u64); then the bytes of every
[in], [in, out] and string buffer in parameter order. The answer is the return value's bytes
followed by every [out] and [in, out] buffer. Ecalls read the request from host memory
exactly once, into aligned copies on the enclave thread's stack; ocall stubs build the
request the same way and copy the answer into the caller's enclave memory.
"""

from __future__ import annotations

from typing import List, Tuple

from vmpl_sgx.edl.model import Function, Interface, Param

STATUS = "VMPL_SGX_ENCLAVE_STATUS_"

_SUPPORT = r"""
#ifndef VMPL_SGX_EDL_MAX_THREADS
#define VMPL_SGX_EDL_MAX_THREADS 64	/* TCSs whose ecalls may make ocalls */
#endif
#ifndef VMPL_SGX_EDL_STACK_RESERVE
#define VMPL_SGX_EDL_STACK_RESERVE 16384	/* stack kept for the ecall's own code */
#endif
#define EDL_ALIGN 16u

/* Which ecall a thread is in, found by stack address: enclave code has no thread pointer. */
struct edl_thread {
	uint64_t stack_low;
	uint64_t stack_high;
	struct vmpl_sgx_call *call;
};

static struct edl_thread edl_threads[VMPL_SGX_EDL_MAX_THREADS];

/* Reads each byte of host memory once, in order; a short message sets bad. */
struct edl_reader {
	const uint8_t *at;
	uint64_t left;
	int bad;
};

static __attribute__((unused)) uint64_t edl_sp(void)
{
	return (uint64_t)(uintptr_t)__builtin_frame_address(0);
}

static __attribute__((unused)) void edl_enter(struct vmpl_sgx_call *call, struct edl_thread *self)
{
	const struct vmpl_sgx_enclave_thread_data *thread = call->thread;
	uint64_t top = call->enclave_base + thread->stack_top_offset;

	self->stack_low = top - thread->stack_size;
	self->stack_high = top;
	self->call = call;
	if (thread->thread_index < VMPL_SGX_EDL_MAX_THREADS) {
		struct edl_thread *slot = &edl_threads[thread->thread_index];

		/* A slot only ever holds its own TCS's stack; call says whether it is in use. */
		slot->stack_low = self->stack_low;
		slot->stack_high = self->stack_high;
		__atomic_store_n(&slot->call, call, __ATOMIC_RELEASE);
	}
}

static __attribute__((unused)) void edl_leave(struct vmpl_sgx_call *call)
{
	uint64_t index = call->thread->thread_index;

	if (index < VMPL_SGX_EDL_MAX_THREADS)
		__atomic_store_n(&edl_threads[index].call, NULL, __ATOMIC_RELEASE);
}

static __attribute__((unused)) struct edl_thread *edl_current(void)
{
	uint64_t sp = edl_sp();
	unsigned int i;

	for (i = 0; i < VMPL_SGX_EDL_MAX_THREADS; i++) {
		struct edl_thread *thread = &edl_threads[i];

		if (!__atomic_load_n(&thread->call, __ATOMIC_ACQUIRE))
			continue;
		if (sp >= thread->stack_low && sp < thread->stack_high)
			return thread;
	}
	return NULL;
}

/* Stack bytes copies may take on this thread, keeping the reserve for the code that runs next. */
static __attribute__((unused)) uint64_t edl_room(const struct edl_thread *self)
{
	uint64_t sp = edl_sp();

	if (sp < self->stack_low || sp - self->stack_low < VMPL_SGX_EDL_STACK_RESERVE)
		return 0;
	return sp - self->stack_low - VMPL_SGX_EDL_STACK_RESERVE;
}

static __attribute__((unused)) void edl_read(struct edl_reader *in, void *to, uint64_t len)
{
	if (in->bad || len > in->left) {
		in->bad = 1;
		memset(to, 0, len);
		return;
	}
	memcpy(to, in->at, len);
	in->at += len;
	in->left -= len;
}

/* *total += len rounded up to EDL_ALIGN; nonzero on overflow. */
static __attribute__((unused)) int edl_add_aligned(uint64_t *total, uint64_t len)
{
	uint64_t rounded;

	if (__builtin_add_overflow(len, EDL_ALIGN - 1, &rounded))
		return 1;
	rounded &= ~(uint64_t)(EDL_ALIGN - 1);
	return __builtin_add_overflow(*total, rounded, total);
}

/* len rounded up to EDL_ALIGN, once edl_add_aligned has shown that cannot overflow. */
static __attribute__((unused)) uint64_t edl_round(uint64_t len)
{
	return (len + EDL_ALIGN - 1) & ~(uint64_t)(EDL_ALIGN - 1);
}

/* *total += len; nonzero on overflow. */
static __attribute__((unused)) int edl_add(uint64_t *total, uint64_t len)
{
	return __builtin_add_overflow(*total, len, total);
}

/* Bytes of element * count; nonzero on overflow. */
static __attribute__((unused)) int edl_bytes(uint64_t element, uint64_t count, uint64_t *bytes)
{
	return __builtin_mul_overflow(element, count, bytes);
}

static __attribute__((unused)) uint64_t edl_strlen(const char *text)
{
	uint64_t len = 0;

	while (text[len])
		len++;
	return len;
}
"""


def _guard(name: str) -> str:
    return f"{name.upper()}_T_H"


def _ocall_signature(function: Function) -> str:
    params = [param.c_decl() for param in function.params]
    if not function.ret.is_void:
        params.insert(0, f"{function.ret.name} *retval")
    return f"uint64_t {function.name}({', '.join(params) or 'void'})"


def header(interface: Interface) -> str:
    """NAME_t.h: prototypes of the ecalls the enclave implements and the ocall stubs."""
    guard = _guard(interface.name)
    lines = [
        "/* Generated by vmpl-sgx edger8r from "
        f"{interface.name}.edl: do not edit, regenerate. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        '#include "vmpl_sgx_enclave.h"',
        *(f'#include "{name}"' for name in interface.includes),
        "",
        "/* Ecalls: the enclave's code implements them; the bridge passes enclave copies. */",
    ]
    lines += [f"{f.ret.name} {f.name}({f.c_params()});" for f in interface.ecalls]
    lines += [
        "",
        "/* Ocalls: each returns a VMPL_SGX_ENCLAVE_STATUS_* value; *retval is set with OK. */",
    ]
    lines += [f"{_ocall_signature(f)};" for f in interface.ocalls]
    lines += ["", f"#endif /* {guard} */", ""]
    return "\n".join(lines)


def _element(param: Param, scalar_prefix: str) -> Tuple[str, str]:
    """C expressions for the element size and the count of a sized pointer."""
    def ref(value: int | str | None, default: str) -> str:
        if value is None:
            return default
        if isinstance(value, int):
            return f"{value}ull"
        return f"(uint64_t){scalar_prefix}{value}"

    element = ref(param.size, f"sizeof({param.ctype.name})")
    return element, ref(param.count, "1")


def _pointer_type(param: Param) -> str:
    const = "const " if param.const else ""
    return f"({const}{param.ctype.name} *)"


def _ecall_stub(function: Function) -> str:
    body: List[str] = [
        f"static uint64_t edl_ecall_{function.name}(struct vmpl_sgx_call *call, "
        "struct edl_thread *self)",
        "{",
        "\tstruct edl_reader in = { call->input, call->input_len, 0 };",
        "\tuint64_t scratch_len = 0, out_len = 0, want;",
        "\tuint8_t *scratch, *at;",
    ]
    if not function.ret.is_void:
        body.append(f"\t{function.ret.name} retval;")
    pointers = [p for p in function.params if p.kind in ("in", "out", "inout", "string")]
    for param in function.params:
        if param.kind == "scalar":
            body.append(f"\t{param.ctype.name} p_{param.name};")
        elif param.kind == "user_check":
            body.append(f"\tuint64_t p_{param.name};")
        else:
            body.append(f"\tuint64_t n_{param.name};")
            body.append(f"\tuint8_t *b_{param.name};")
    body += ["", "\t(void)self;", "\t(void)want;", "\t(void)at;"]
    body.append("\t/* The header: scalars, buffer lengths and user_check addresses. */")
    for param in function.params:
        local = f"n_{param.name}" if param.kind in ("in", "out", "inout", "string") else (
            f"p_{param.name}"
        )
        body.append(f"\tedl_read(&in, &{local}, sizeof({local}));")
    body.append("\tif (in.bad)")
    body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    for param in pointers:
        if param.kind == "string":
            body.append(f"\tif (n_{param.name} == 0)")
            body.append(f"\t\treturn {STATUS}BAD_INPUT;")
            continue
        element, count = _element(param, "p_")
        body.append(f"\tif (edl_bytes({element}, {count}, &want) || want != n_{param.name})")
        body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    sums = [f"edl_add_aligned(&scratch_len, n_{p.name})" for p in pointers]
    if not function.ret.is_void:
        body.append("\tout_len = sizeof(retval);")
    sums += [f"edl_add(&out_len, n_{p.name})" for p in pointers if p.direction_out]
    if sums:
        body.append("\tif (" + " ||\n\t    ".join(sums) + ")")
        body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    body += [
        "\tif (out_len > call->output_capacity)",
        f"\t\treturn {STATUS}OUTPUT_TOO_SMALL;",
        "\t/* Buffers that do not fit the thread's stack: a larger --stack makes room. */",
        "\tif (scratch_len > edl_room(self))",
        f"\t\treturn {STATUS}BAD_INPUT;",
        "\tscratch = __builtin_alloca(scratch_len + 1);",
        "\tat = scratch;",
    ]
    for param in pointers:
        body.append(f"\tb_{param.name} = at;")
        body.append(f"\tat += edl_round(n_{param.name});")
    body.append("\t/* The data of [in] buffers, copied once; [out] buffers start zeroed. */")
    for param in pointers:
        if param.direction_in:
            body.append(f"\tedl_read(&in, b_{param.name}, n_{param.name});")
        else:
            body.append(f"\tmemset(b_{param.name}, 0, n_{param.name});")
    body.append("\tif (in.bad || in.left)")
    body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    for param in pointers:
        if param.kind == "string":
            body.append(f"\tif (b_{param.name}[n_{param.name} - 1] != 0)")
            body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    args = []
    for param in function.params:
        if param.kind == "scalar":
            args.append(f"p_{param.name}")
        elif param.kind == "user_check":
            args.append(f"{_pointer_type(param)}(uintptr_t)p_{param.name}")
        else:
            args.append(f"{_pointer_type(param)}b_{param.name}")
    invoke = f"{function.name}({', '.join(args)})"
    if function.ret.is_void:
        body.append(f"\t{invoke};")
    else:
        body.append(f"\tretval = {invoke};")
        body.append("\tvmpl_sgx_output(call, &retval, sizeof(retval));")
    for param in pointers:
        if param.direction_out:
            body.append(f"\tvmpl_sgx_output(call, b_{param.name}, n_{param.name});")
    body += [f"\treturn {STATUS}OK;", "}", ""]
    return "\n".join(body)


def _ocall_stub(function: Function, ocall_id: int) -> str:
    pointers = [p for p in function.params if p.kind in ("in", "out", "inout", "string")]
    header_bytes = " + ".join(
        f"sizeof({p.name})" if p.kind == "scalar" else "8" for p in function.params
    ) or "0"
    body: List[str] = [
        _ocall_signature(function),
        "{",
        "\tstruct edl_thread *edl_self = edl_current();",
        f"\tuint64_t edl_req_len = {header_bytes}, edl_resp_len = 0, edl_total = 0, edl_got = 0;",
        "\tuint64_t edl_status, edl_value;",
        "\tuint8_t *edl_req, *edl_resp, *edl_at;",
    ]
    for param in pointers:
        body.append(f"\tuint64_t edl_n_{param.name} = 0;")
    body += [
        "",
        "\t(void)edl_value;",
        "\tif (!edl_self)",
        f"\t\treturn {STATUS}OCALL_FAILED;",
    ]
    if not function.ret.is_void:
        body.append("\tedl_resp_len = sizeof(*retval);")
    for param in pointers:
        n = f"edl_n_{param.name}"
        if param.kind == "string":
            body.append(f"\tif (!{param.name})")
            body.append(f"\t\treturn {STATUS}BAD_INPUT;")
            body.append(f"\t{n} = edl_strlen({param.name}) + 1;")
        else:
            element, count = _element(param, "")
            body.append(f"\tif (edl_bytes({element}, {count}, &{n}) || (!{param.name} && {n}))")
            body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    sums = [f"edl_add(&edl_req_len, edl_n_{p.name})" for p in pointers if p.direction_in]
    sums += [f"edl_add(&edl_resp_len, edl_n_{p.name})" for p in pointers if p.direction_out]
    sums += [
        "edl_add_aligned(&edl_total, edl_req_len)",
        "edl_add_aligned(&edl_total, edl_resp_len)",
    ]
    body.append("\tif (" + " ||\n\t    ".join(sums) + ")")
    body.append(f"\t\treturn {STATUS}BAD_INPUT;")
    body += [
        "\t/* Request and answer live on this thread's stack; a larger --stack makes room. */",
        "\tif (edl_total > edl_room(edl_self))",
        f"\t\treturn {STATUS}BAD_INPUT;",
        "\tedl_req = __builtin_alloca(edl_total + 1);",
        "\tedl_resp = edl_req + edl_round(edl_req_len);",
        "\tedl_at = edl_req;",
    ]
    for param in function.params:
        if param.kind == "scalar":
            body.append(f"\tmemcpy(edl_at, &{param.name}, sizeof({param.name}));")
            body.append(f"\tedl_at += sizeof({param.name});")
            continue
        if param.kind == "user_check":
            body.append(f"\tedl_value = (uint64_t)(uintptr_t){param.name};")
        else:
            body.append(f"\tedl_value = edl_n_{param.name};")
        body.append("\tmemcpy(edl_at, &edl_value, 8);")
        body.append("\tedl_at += 8;")
    for param in pointers:
        if param.direction_in:
            body.append(f"\tif (edl_n_{param.name})")
            body.append(f"\t\tmemcpy(edl_at, {param.name}, edl_n_{param.name});")
            body.append(f"\tedl_at += edl_n_{param.name};")
    body += [
        f"\tedl_status = vmpl_sgx_ocall(edl_self->call, {ocall_id}, edl_req, edl_req_len, "
        "edl_resp,",
        "\t\t\t\t    edl_resp_len, &edl_got);",
        f"\tif (edl_status != {STATUS}OK)",
        "\t\treturn edl_status;",
        "\tif (edl_got != edl_resp_len)",
        f"\t\treturn {STATUS}OCALL_FAILED;",
        "\tedl_at = edl_resp;",
    ]
    if not function.ret.is_void:
        body.append("\tif (retval)")
        body.append("\t\tmemcpy(retval, edl_at, sizeof(*retval));")
        body.append("\tedl_at += sizeof(*retval);")
    for param in pointers:
        if param.direction_out:
            body.append(f"\tif (edl_n_{param.name})")
            body.append(f"\t\tmemcpy({param.name}, edl_at, edl_n_{param.name});")
            body.append(f"\tedl_at += edl_n_{param.name};")
    body += [f"\treturn {STATUS}OK;", "}", ""]
    return "\n".join(body)


def source(interface: Interface) -> str:
    """NAME_t.c: the ecall dispatch with its checked copies, and the ocall stubs."""
    parts = [
        f"/* Generated by vmpl-sgx edger8r from {interface.name}.edl: do not edit, regenerate. */",
        f'#include "{interface.name}_t.h"',
        _SUPPORT,
    ]
    parts += [_ecall_stub(function) for function in interface.ecalls]
    parts += [_ocall_stub(function, index) for index, function in enumerate(interface.ocalls)]
    dispatch = [
        "uint64_t vmpl_sgx_dispatch(struct vmpl_sgx_call *call)",
        "{",
        "\tstruct edl_thread self;",
        "\tuint64_t status;",
        "",
        "\tedl_enter(call, &self);",
        "\tswitch (call->call_id) {",
    ]
    for index, function in enumerate(interface.ecalls):
        dispatch.append(f"\tcase {index}:")
        dispatch.append(f"\t\tstatus = edl_ecall_{function.name}(call, &self);")
        dispatch.append("\t\tbreak;")
    dispatch += [
        "\tdefault:",
        f"\t\tstatus = {STATUS}UNKNOWN_CALL;",
        "\t}",
        "\tedl_leave(call);",
        "\treturn status;",
        "}",
        "",
    ]
    parts.append("\n".join(dispatch))
    return "\n".join(parts)
