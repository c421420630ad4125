"""`vmpl-sgx quote`: load an enclave, have it report to the SEH's quoting identity, get a quote.

The enclave needs an ecall (`--report-ecall`, default 0) that takes TARGETINFO (512 bytes)
followed by REPORTDATA (64 bytes) and returns the 432-byte REPORT it makes for that target, as
the attest sample's ecall 0 does. The quote is written as `Quote.to_bytes` saves it, the form
`vmpl-sgx verify` reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vmpl_sgx._abi import QUOTE_REPORT_SIZE, REPORT_DATA_SIZE, EnclaveStatus
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.arguments import unsigned
from vmpl_sgx.attestation import cert_table
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.errors import SdkError
from vmpl_sgx.status_names import ecall_status_name
from vmpl_sgx.verify_command import hex_bytes


class ReportEcallError(SdkError):
    """The report ecall failed or did not return a 432-byte REPORT."""


def _report_data(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not hex") from None
    if len(value) > REPORT_DATA_SIZE:
        raise argparse.ArgumentTypeError(f"at most {REPORT_DATA_SIZE} bytes")
    return value.ljust(REPORT_DATA_SIZE, b"\0")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("layout", metavar="ENCLAVE.elf", help="the enclave image")
    parser.add_argument("--manifest", help="default: ENCLAVE.elf.manifest.json if present")
    parser.add_argument("--key", help="without a manifest: PEM signing key (default: throwaway)")
    parser.add_argument(
        "--report-ecall",
        type=unsigned(32),
        default=0,
        help="ecall taking TARGETINFO || REPORTDATA and returning the REPORT (0)",
    )
    parser.add_argument(
        "--report-data",
        type=_report_data,
        default=bytes(REPORT_DATA_SIZE),
        help="REPORTDATA for the enclave to put in its report, hex, up to 64 bytes (zeros)",
    )
    parser.add_argument(
        "--nonce", type=hex_bytes(64), help="64-byte nonce, hex (default: a random one)"
    )
    parser.add_argument(
        "-o", "--output", required=True, help='where to write the quote; "-" for stdout'
    )
    parser.add_argument(
        "--save-ark",
        metavar="FILE",
        help="also write the ARK certificate (DER) the quote carries: the anchor to pass to "
        "`vmpl-sgx verify --anchor` for the SEH model's test chain only; never trust it for "
        "hardware quotes",
    )


def enclave_report(app: EnclaveApp, ecall: int, target: bytes, report_data: bytes) -> bytes:
    """The REPORT the enclave makes for `target` through its report ecall."""
    status, output = app.call(ecall, target + report_data)
    if status != EnclaveStatus.OK:
        raise ReportEcallError(
            f"report ecall {ecall} returned status {ecall_status_name(status)}"
        )
    if len(output) != QUOTE_REPORT_SIZE:
        raise ReportEcallError(
            f"report ecall {ecall} returned {len(output)} bytes, not a {QUOTE_REPORT_SIZE}-byte "
            "REPORT"
        )
    return output


def write(args: argparse.Namespace, quote: Quote) -> None:
    data = quote.to_bytes()
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(args.output).write_bytes(data)
    if args.save_ark:
        certificates = cert_table.decode(quote.certificates) if quote.certificates else {}
        ark = certificates.get(cert_table.ARK_GUID)
        if ark is None:
            raise SdkError("the quote carries no ARK certificate to save")
        Path(args.save_ark).write_bytes(ark)
