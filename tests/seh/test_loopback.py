"""The loopback server: answering messages, fault modes, and the process on a fake device."""

from __future__ import annotations

import ctypes
import errno
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from vmpl_sgx._abi import (
    LB_MAX_PAGES,
    PAGE_SIZE,
    SEH_PROTOCOL,
    Enclu,
    Exit,
    LbPageFlag,
    SehAddPagesReq,
    SehAddPagesRsp,
    SehCall,
    SehCreateReq,
    SehCreateRsp,
    SehDestroyReq,
    SehEnterReq,
    SehEnterRsp,
    SehInitReq,
    SehQueryReq,
    SehQueryRsp,
    SehResult,
)
from vmpl_sgx.seh import ExitInfo, SehModel, loopback
from vmpl_sgx.seh.faults import EXIT_DIED_ON_PURPOSE, NO_FAULT, Fault, delay_of, parse_fault
from vmpl_sgx.seh.loopback import LoopbackServer, call_name, serve_message
from vmpl_sgx.seh.messages import LbMessage, LbPageData, decode_response, encode_request
from vmpl_sgx.seh.model import CORE_QUERY_PROTOCOL

from .helpers import REG_RW, TCS_FLAGS, make_secs, make_tcs, page_of, seh_rax
from .test_enter import ScriptedExecutor

ROOT = Path(__file__).resolve().parents[2]
RW = int(LbPageFlag.WRITABLE)
BIG_BUFFER = 2 << 20


def request(seq: int, call: int, body: ctypes.Structure | bytes, pages: list[LbPageData]) -> bytes:
    data = bytes(body)
    return encode_request(seq, seh_rax(call), len(data), data, pages)


def query_request(seq: int = 1) -> bytes:
    return request(seq, SehCall.QUERY, SehQueryReq(version=1), [])


def create_request(seq: int = 2) -> bytes:
    secs = LbPageData(0x10000, 0, bytes(make_secs(size=1 << 20, base=0)))
    return request(seq, SehCall.CREATE, SehCreateReq(secs_gpa=0x10000), [secs])


def serve(model: SehModel, message: bytes, fault: Fault = NO_FAULT) -> LbMessage:
    return decode_response(serve_message(model, bytearray(message), fault))


def test_serve_message_runs_a_call_end_to_end() -> None:
    model = SehModel()
    response = serve(model, create_request(seq=77))
    assert (response.seq, response.rax, response.rcx) == (77, SehResult.SUCCESS, 8)
    assert response.pages == ()
    handle = SehCreateRsp.from_buffer_copy(response.caa[:8]).handle
    add = SehAddPagesReq(handle=handle, count=2)
    pages = []
    for index, (offset, data, flags) in enumerate(
        [(0, make_tcs(), TCS_FLAGS), (0x1000, page_of(1), REG_RW)]
    ):
        gpa = 0x20000 + index * PAGE_SIZE
        add.pages[index].src_gpa, add.pages[index].offset = gpa, offset
        add.pages[index].secinfo_flags, add.pages[index].flags = flags, 1
        pages.append(LbPageData(gpa, 0, data))
    response = serve(model, request(78, SehCall.ADD_PAGES, add, pages))
    assert (response.rax, SehAddPagesRsp.from_buffer_copy(response.caa[:8]).done) == (0, 2)


def _add_request(seq: int, handle: int, offsets: list[int]) -> bytes:
    add = SehAddPagesReq(handle=handle, count=len(offsets))
    pages = []
    for index, offset in enumerate(offsets):
        gpa = 0x40000 + offset
        add.pages[index].src_gpa, add.pages[index].offset = gpa, offset
        add.pages[index].secinfo_flags, add.pages[index].flags = REG_RW, 1
        pages.append(LbPageData(gpa, 0, page_of(offset >> 12)))
    return request(seq, SehCall.ADD_PAGES, add, pages)


def test_incomplete_after_keeps_progress_and_the_continuation_adds_the_rest() -> None:
    model = SehModel()
    fault = parse_fault("incomplete-after:2")
    handle = SehCreateRsp.from_buffer_copy(serve(model, create_request()).caa[:8]).handle
    offsets = [0x1000 * page for page in range(1, 6)]
    response = serve(model, _add_request(10, handle, offsets), fault)
    done = SehAddPagesRsp.from_buffer_copy(response.caa[:8]).done
    assert (response.rax, done) == (SehResult.INCOMPLETE, 2)
    # The continuation carries only the pages after done: none is added twice.
    response = serve(model, _add_request(11, handle, offsets[2:]), fault)
    done = SehAddPagesRsp.from_buffer_copy(response.caa[:8]).done
    assert (response.rax, done) == (SehResult.INCOMPLETE, 2)
    response = serve(model, _add_request(12, handle, offsets[4:]), fault)
    done = SehAddPagesRsp.from_buffer_copy(response.caa[:8]).done
    assert (response.rax, done) == (SehResult.SUCCESS, 1)
    enclave = model.enclave(handle)
    assert enclave is not None and sorted(enclave.pages) == offsets


def test_core_query_protocol_goes_through() -> None:
    message = encode_request(3, CORE_QUERY_PROTOCOL, (SEH_PROTOCOL << 32) | 1, b"")
    response = serve(SehModel(), message)
    assert (response.rax, response.rcx) == (0, (1 << 32) | 1)


def test_enter_output_comes_back_in_the_writable_pages() -> None:
    executor = ScriptedExecutor(ExitInfo(Exit.NORMAL, output=b"o" * 5000, retval=3))
    model = SehModel(executor=executor)
    handle = SehCreateRsp.from_buffer_copy(serve(model, create_request()).caa[:8]).handle
    add = SehAddPagesReq(handle=handle, count=1)
    add.pages[0].src_gpa, add.pages[0].secinfo_flags = 0x20000, TCS_FLAGS
    serve(model, request(3, SehCall.ADD_PAGES, add, [LbPageData(0x20000, 0, make_tcs())]))
    enclave = model.enclave(handle)
    assert enclave is not None
    enclave.initialize(bytes(32), bytes(32), 0, 0)
    enter = SehEnterReq(handle=handle, function=Enclu.EENTER, input_len=2, output_capacity=8192)
    enter.input_gpa[0] = 0x30000
    enter.output_gpa[0], enter.output_gpa[1] = 0x40000, 0x50000
    pages = [
        LbPageData(0x30000, 0, b"in".ljust(PAGE_SIZE, b"\0")),
        LbPageData(0x40000, RW, bytes(PAGE_SIZE)),
        LbPageData(0x50000, RW, bytes(PAGE_SIZE)),
    ]
    response = serve(model, request(4, SehCall.ENTER, enter, pages))
    assert response.rax == 0
    rsp = SehEnterRsp.from_buffer_copy(response.caa[: ctypes.sizeof(SehEnterRsp)])
    assert (rsp.exit_kind, rsp.output_len, rsp.retval) == (Exit.NORMAL, 5000, 3)
    assert [page.gpa for page in response.pages] == [0x40000, 0x50000]
    assert bytes(response.pages[0].data) == b"o" * PAGE_SIZE
    assert bytes(response.pages[1].data) == (b"o" * 904).ljust(PAGE_SIZE, b"\0")
    assert executor.seen[0][3] == b"in"


@pytest.mark.parametrize(
    ("call", "body", "rcx"),
    [
        (SehCall.CREATE, SehCreateReq(), 0),
        (SehCall.ADD_PAGES, SehAddPagesReq(), 8),
        (SehCall.INIT, SehInitReq(), 0),
        (SehCall.ENTER, SehEnterReq(), 0),
        (SehCall.DESTROY, SehDestroyReq(), 0),
        (0x99, b"", 0),
    ],
)
def test_result_fault_answers_every_call_but_the_probes(
    call: int, body: ctypes.Structure | bytes, rcx: int
) -> None:
    model = SehModel()
    fault = parse_fault("result:bad-state")
    response = serve(model, request(5, call, body, []), fault)
    assert (response.seq, response.rax, response.rcx) == (5, SehResult.BAD_STATE, rcx)
    assert bytes(response.caa[:rcx]) == bytes(rcx)
    assert sum(model.stats.calls.values()) == 0
    assert serve(model, query_request(), fault).rax == SehResult.SUCCESS
    probe = encode_request(6, CORE_QUERY_PROTOCOL, (SEH_PROTOCOL << 32) | 1, b"")
    assert serve(model, probe, fault).rcx == (1 << 32) | 1


def test_result_fault_success_answers_with_a_zeroed_response() -> None:
    response = serve(SehModel(), create_request(), parse_fault("result:success"))
    assert (response.rax, response.rcx) == (0, 8)
    assert SehCreateRsp.from_buffer_copy(response.caa[:8]).handle == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", NO_FAULT),
        ("hang", Fault("hang")),
        ("result:BUSY", Fault("result", result=SehResult.BUSY)),
        ("result:no_memory", Fault("result", result=SehResult.NO_MEMORY)),
        ("result:0x80000000", Fault("result", result=SehResult.INCOMPLETE)),
        ("die-after:3", Fault("die-after", calls=3)),
        ("delay:250", Fault("delay", delay=0.25)),
        ("delay-enter:2000", Fault("delay-enter", delay=2.0)),
        ("incomplete-after:3", Fault("incomplete-after", calls=3)),
    ],
)
def test_parse_fault(text: str, expected: Fault) -> None:
    assert parse_fault(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bogus",
        "hang:1",
        "result:",
        "result:nope",
        "result:12",
        "die-after:x",
        "delay:",
        "delay-enter:",
        "delay-enter:x",
        "incomplete-after:0",
        "incomplete-after:",
    ],
)
def test_parse_fault_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(text)


def test_call_names() -> None:
    assert call_name(seh_rax(SehCall.ADD_PAGES)) == "ADD_PAGES"
    assert call_name(CORE_QUERY_PROTOCOL) == "QUERY_PROTOCOL"
    assert call_name(seh_rax(0x42)) == "0x5e:66"


# ---- the server loop on a fake device: a SOCK_SEQPACKET pair keeps one message per read


@pytest.fixture
def device() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for end in (ours, theirs):
        end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BIG_BUFFER)
        end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BIG_BUFFER)
    yield ours, theirs
    ours.close()
    theirs.close()


def exchange(sock: socket.socket, message: bytes, timeout: float = 10) -> LbMessage:
    sock.sendall(message)
    ready, _, _ = select.select([sock], [], [], timeout)
    assert ready, "no answer from the SEH"
    return decode_response(sock.recv(4 << 20))


def test_server_loop_answers_until_end_of_file(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    model = SehModel()
    server = LoopbackServer(theirs.fileno(), model)
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(server.serve()))
    thread.start()
    try:
        assert exchange(ours, query_request(1)).seq == 1
        response = exchange(ours, create_request(2))
        handle = SehCreateRsp.from_buffer_copy(response.caa[:8]).handle
        # A full batch: the biggest message the device carries.
        add = SehAddPagesReq(handle=handle, count=LB_MAX_PAGES)
        pages = []
        for index in range(LB_MAX_PAGES):
            gpa = 0x100000 + index * PAGE_SIZE
            add.pages[index].src_gpa, add.pages[index].offset = gpa, index * PAGE_SIZE
            add.pages[index].secinfo_flags, add.pages[index].flags = REG_RW, 1
            pages.append(LbPageData(gpa, 0, page_of(index)))
        response = exchange(ours, request(3, SehCall.ADD_PAGES, add, pages))
        assert (response.seq, response.rax) == (3, 0)
        assert SehAddPagesRsp.from_buffer_copy(response.caa[:8]).done == LB_MAX_PAGES
    finally:
        ours.shutdown(socket.SHUT_WR)
        thread.join(10)
        server.close()
    assert status == [0] and server.answered == 3
    assert model.stats.pages_added == LB_MAX_PAGES


def test_server_stops_on_a_malformed_message(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    ours.sendall(b"\0" * 100)
    server = LoopbackServer(theirs.fileno(), SehModel())
    assert server.serve() == 1
    server.close()


def test_server_once(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    ours.sendall(query_request(1))
    ours.sendall(query_request(2))
    server = LoopbackServer(theirs.fileno(), SehModel())
    assert server.serve(once=True) == 0
    server.close()
    assert decode_response(ours.recv(1 << 16)).seq == 1
    assert server.answered == 1


def test_request_stop_wakes_a_waiting_server(device: tuple[socket.socket, socket.socket]) -> None:
    _, theirs = device
    server = LoopbackServer(theirs.fileno(), SehModel())
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(server.serve()))
    thread.start()
    server.request_stop()
    thread.join(10)
    server.close()
    assert status == [0] and server.answered == 0


@pytest.mark.parametrize("code", [errno.ENOENT, errno.EINVAL])
def test_refused_answers_do_not_end_the_session(
    device: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    ours, theirs = device
    real_write = os.write
    refused: list[int] = []

    def write(fd: int, data: bytes) -> int:
        if fd == theirs.fileno() and not refused:
            refused.append(fd)
            raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    ours.sendall(query_request(1))
    ours.sendall(query_request(2))
    ours.shutdown(socket.SHUT_WR)
    server = LoopbackServer(theirs.fileno(), SehModel())
    assert server.serve() == 0
    server.close()
    assert refused and decode_response(ours.recv(1 << 16)).seq == 2


def test_other_device_errors_end_the_loop(
    device: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = device

    def write(fd: int, data: bytes) -> int:
        raise OSError(errno.EIO, "gone")

    ours.sendall(query_request(1))
    server = LoopbackServer(theirs.fileno(), SehModel())
    monkeypatch.setattr(os, "write", write)
    assert server.serve() == 1
    monkeypatch.undo()
    server.close()


# ---- the process: python -m vmpl_sgx.seh --fd N


def start(sock: socket.socket, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "sdk"), str(ROOT)]))
    return subprocess.Popen(
        [sys.executable, "-m", "vmpl_sgx.seh", "--fd", str(sock.fileno()), *args],
        pass_fds=[sock.fileno()],
        env=env,
        stderr=subprocess.PIPE,
    )


def wait_serving(process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait for the "serving" log line: the signal handlers are installed by then."""
    assert process.stderr is not None
    fd = process.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while b"serving" not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], "the SEH never said serving"
        chunk = os.read(fd, 4096)
        assert chunk, f"the SEH exited before serving: {seen!r}"
        seen += chunk


def finish(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.wait()
    if process.stderr is not None:
        process.stderr.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_process_serves_and_exits_cleanly_on_a_signal(
    device: tuple[socket.socket, socket.socket], sig: signal.Signals
) -> None:
    ours, theirs = device
    process = start(theirs, "-v")
    try:
        response = exchange(ours, query_request(11))
        assert (response.seq, response.rax) == (11, 0)
        assert SehQueryRsp.from_buffer_copy(response.caa[:32]).max_pages_per_call == 128
        process.send_signal(sig)
        assert process.wait(10) == 0
        assert process.stderr is not None
        log = process.stderr.read().decode()
    finally:
        finish(process)
    assert "seq 11: QUERY" in log and "stopping on request" in log


def test_process_options_reach_the_model(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    process = start(
        theirs, "--once", "--max-pages-per-call", "16", "--max-enclave-size", "0x100000"
    )
    try:
        rsp = SehQueryRsp.from_buffer_copy(exchange(ours, query_request()).caa[:32])
        assert (rsp.max_pages_per_call, rsp.max_enclave_size) == (16, 0x100000)
        assert process.wait(10) == 0
    finally:
        finish(process)


def test_die_after_exits_in_the_middle_of_a_call(
    device: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = device
    process = start(theirs, "--fault", "die-after:1")
    try:
        assert exchange(ours, query_request(1)).seq == 1
        ours.sendall(create_request(2))
        assert process.wait(10) == EXIT_DIED_ON_PURPOSE
    finally:
        finish(process)
    theirs.close()
    assert ours.recv(1 << 16) == b""  # the call was never answered


def test_hang_reads_calls_and_never_answers(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    process = start(theirs, "--fault", "hang")
    try:
        ours.sendall(query_request(1))
        ours.sendall(create_request(2))
        assert select.select([ours], [], [], 0.5)[0] == []
        wait_serving(process)  # a SIGTERM before the handler exists would kill it outright
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        finish(process)


def test_delay_enter_holds_enter_only() -> None:
    fault = parse_fault("delay-enter:1500")
    assert delay_of(fault, seh_rax(SehCall.ENTER)) == 1.5
    for call in (SehCall.QUERY, SehCall.CREATE, SehCall.ADD_PAGES, SehCall.INIT,
                 SehCall.DESTROY):
        assert delay_of(fault, seh_rax(call)) == 0.0
    assert delay_of(fault, CORE_QUERY_PROTOCOL) == 0.0
    every = parse_fault("delay:300")
    assert delay_of(every, seh_rax(SehCall.QUERY)) == delay_of(every, seh_rax(SehCall.ENTER))
    assert delay_of(NO_FAULT, seh_rax(SehCall.ENTER)) == 0.0


def test_delay_enter_answers_other_calls_at_once(
    device: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = device
    process = start(theirs, "--once", "--fault", "delay-enter:8000")
    try:
        ours.sendall(query_request(1))
        assert select.select([ours], [], [], 4)[0] == [ours], "QUERY was held"
        assert decode_response(ours.recv(1 << 16)).seq == 1
        assert process.wait(10) == 0
    finally:
        finish(process)


def test_delay_answers_late(device: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = device
    process = start(theirs, "--once", "--fault", "delay:300")
    try:
        ours.sendall(query_request(1))
        assert select.select([ours], [], [], 0.1)[0] == []
        assert decode_response(ours.recv(1 << 16)).seq == 1
        assert process.wait(10) == 0
    finally:
        finish(process)


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["--fault", "bogus"], 2),
        (["--max-pages-per-call", "0"], 2),
        (["--device", "/nonexistent/vmpl_sgx_seh"], 1),
    ],
)
def test_process_refuses_bad_arguments(args: list[str], status: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "sdk"))
    result = subprocess.run(
        [sys.executable, "-m", "vmpl_sgx.seh", *args],
        env=env,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == status


# ---- the device out of memory: the call stays with the module, the SEH tries again


def _failing(real: Callable[..., int], fd: int, failures: int) -> Callable[..., int]:
    """`real`, failing with ENOMEM on `fd` the first `failures` times."""
    left = [failures]

    def call(target: int, *args: object) -> int:
        if target == fd and left[0] > 0:
            left[0] -= 1
            raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))
        return real(target, *args)

    return call


@pytest.mark.parametrize("name", ["readv", "write"])
def test_enomem_from_the_device_is_tried_again(
    device: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    ours, theirs = device
    monkeypatch.setattr(loopback, "NOMEM_PAUSE_S", 0.0)
    monkeypatch.setattr(os, name, _failing(getattr(os, name), theirs.fileno(), 3))
    ours.sendall(query_request(1))
    server = LoopbackServer(theirs.fileno(), SehModel())
    assert server.serve(once=True) == 0
    server.close()
    assert decode_response(ours.recv(1 << 16)).seq == 1


def test_an_answer_the_device_never_has_memory_for_stops_the_seh(
    device: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = device
    monkeypatch.setattr(loopback, "NOMEM_PAUSE_S", 0.0)
    monkeypatch.setattr(os, "write", _failing(os.write, theirs.fileno(), 10**6))
    ours.sendall(query_request(1))
    server = LoopbackServer(theirs.fileno(), SehModel())
    assert server.serve(once=True) == 1
    server.close()
