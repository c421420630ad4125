"""python -m vmpl_sgx.seh: serve the kernel module's loopback device with the SEH model."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Sequence

from vmpl_sgx._abi import SEH_MAX_PAGES_PER_CALL
from vmpl_sgx.executor import NativeExecutor
from vmpl_sgx.seh.faults import parse_fault
from vmpl_sgx.seh.loopback import DEFAULT_DEVICE, LoopbackServer
from vmpl_sgx.seh.model import DEFAULT_MAX_ENCLAVE_SIZE, SehModel
from vmpl_sgx.seh.root_secret import default_path
from vmpl_sgx.seh.trust import SehTrust

DEFAULT_SLICE_MS = 100
"""Long enough that short ecalls take one SEH call, short enough that other calls wait
little behind a long one."""


def _byte_count(text: str) -> int:
    """A size in bytes, decimal or with a 0x/0o/0b prefix."""
    return int(text, 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vmpl_sgx.seh",
        description="Answer the SEH calls of the vmpl_sgx loopback transport.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--device", default=DEFAULT_DEVICE, help="loopback device (%(default)s)")
    source.add_argument(
        "--fd", type=int, metavar="FD", help="serve this open descriptor instead of a device"
    )
    parser.add_argument("--once", action="store_true", help="answer one call, then exit")
    parser.add_argument(
        "--fault",
        default="none",
        metavar="MODE",
        help="misbehave on purpose: result:<name>, hang, die-after:<n>, delay:<ms>, "
        "delay-enter:<ms> or incomplete-after:<n>",
    )
    parser.add_argument(
        "--max-pages-per-call",
        type=int,
        default=SEH_MAX_PAGES_PER_CALL,
        metavar="N",
        help="ADD_PAGES descriptors per call, reported by QUERY (%(default)s)",
    )
    parser.add_argument(
        "--max-enclave-size",
        type=_byte_count,
        default=DEFAULT_MAX_ENCLAVE_SIZE,
        metavar="BYTES",
        help="largest SECS.size in bytes (%(default)s)",
    )
    parser.add_argument(
        "--memory-limit",
        type=_byte_count,
        default=None,
        metavar="BYTES",
        help="bytes of enclave pages all enclaves may hold (no limit by default)",
    )
    parser.add_argument(
        "--no-exec",
        action="store_true",
        help="run no enclave code: ENTER answers NO_IMAGE (for protocol-only tests)",
    )
    parser.add_argument(
        "--slice-ms",
        type=int,
        default=DEFAULT_SLICE_MS,
        metavar="MS",
        help="longest enclave slice: an entry still running after it is parked and the "
        "module continues it, so a looping ecall never holds the SEH (%(default)s; 0: none)",
    )
    parser.add_argument(
        "--root-secret",
        type=Path,
        default=None,
        metavar="PATH",
        help="file holding the secret all report MACs and keys derive from; created with "
        "mode 0600 on first use (default: $XDG_STATE_HOME/vmpl-sgx/seh-root-secret)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every call")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="vmpl_sgx.seh: %(levelname)s: %(message)s",
    )
    executor = None if args.no_exec else NativeExecutor()
    try:
        fault = parse_fault(args.fault)
        model = SehModel(
            max_enclave_size=args.max_enclave_size,
            max_pages_per_call=args.max_pages_per_call,
            memory_limit=args.memory_limit,
            executor=executor,
            trust=SehTrust(args.root_secret or default_path()),
            slice_s=args.slice_ms / 1000 if args.slice_ms > 0 else None,
        )
    except ValueError as error:
        parser.error(str(error))
    if args.fd is not None:
        fd = args.fd
    else:
        try:
            fd = os.open(args.device, os.O_RDWR | os.O_CLOEXEC)
        except OSError as error:
            logging.error("cannot open %s: %s", args.device, error)
            return 1
    server = LoopbackServer(fd, model, fault)
    # The test chain takes seconds to generate (minutes in an emulated guest): the first QUOTE
    # starts it in a thread and QUOTE answers BUSY until it is ready.
    model.trust.chain_in_background()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logging.info("serving %s", f"fd {fd}" if args.fd is not None else args.device)
    logging.info("root secret: %s", model.trust.root_secret_origin)
    try:
        return server.serve(once=args.once)
    finally:
        server.close()
        os.close(fd)
        if executor is not None:
            executor.close()


if __name__ == "__main__":
    sys.exit(main())
