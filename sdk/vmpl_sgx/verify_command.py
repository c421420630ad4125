"""`vmpl-sgx verify`: check a saved quote against a nonce, a trust anchor and expectations.

The trust anchor is an ARK file (`--anchor`) or AMD's `cert_chain` PEM (`--amd-chain`: ASK,
then ARK); the VCEK comes from the quote's certificate table or from `--vcek`.

Expectations come from options, from a JSON policy file (`--policy`), or both (options win).
Policy keys: mrenclave, mrsigner (hex), isv_prod_id, min_isv_svn (integers), allow_debug
(boolean), launch_measurement (hex), min_tcb ([boot loader, TEE, SNP, microcode]).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

from vmpl_sgx.arguments import unsigned
from vmpl_sgx.attestation import manifest
from vmpl_sgx.attestation.amd_chain import load_amd_chain
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.attestation.snp_report import Tcb
from vmpl_sgx.attestation.verify import Expectations, VerifiedQuote, verify_quote
from vmpl_sgx.crypto import x509

POLICY_KEYS = frozenset(
    {
        "mrenclave",
        "mrsigner",
        "isv_prod_id",
        "min_isv_svn",
        "allow_debug",
        "launch_measurement",
        "min_tcb",
    }
)


def hex_bytes(size: int) -> Any:
    """An argparse type: exactly `size` bytes written as hex."""

    def parse(text: str) -> bytes:
        try:
            value = bytes.fromhex(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not hex") from None
        if len(value) != size:
            raise argparse.ArgumentTypeError(f"expected {size} bytes, got {len(value)}")
        return value

    parse.__name__ = f"{size}-byte hex"
    return parse


def tcb(text: str) -> Tcb:
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError("a TCB is BOOTLOADER,TEE,SNP,MICROCODE")
    values = [unsigned(8)(part) for part in parts]
    return Tcb(*values)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "quote", metavar="QUOTE", help='a quote file (as `Quote.to_bytes` saves); "-" for stdin'
    )
    nonce = parser.add_mutually_exclusive_group(required=True)
    nonce.add_argument("--nonce", type=hex_bytes(manifest.NONCE_SIZE), help="64-byte nonce, hex")
    nonce.add_argument("--nonce-file", help="file holding the 64-byte nonce")
    root = parser.add_mutually_exclusive_group(required=True)
    root.add_argument("--anchor", help="the trusted ARK certificate (PEM or DER)")
    root.add_argument(
        "--amd-chain",
        metavar="FILE",
        help="AMD's cert_chain PEM for the product (ASK, then ARK), as AMD's KDS serves it",
    )
    parser.add_argument(
        "--vcek", metavar="FILE", help="the VCEK (PEM or DER) instead of the quote's"
    )
    parser.add_argument("--policy", help="JSON file of expectations (options override it)")
    parser.add_argument("--mrenclave", type=hex_bytes(32), help="expected MRENCLAVE, hex")
    parser.add_argument("--mrsigner", type=hex_bytes(32), help="expected MRSIGNER, hex")
    parser.add_argument("--isvprodid", type=unsigned(16), help="expected ISVPRODID")
    parser.add_argument("--min-isvsvn", type=unsigned(16), help="lowest ISVSVN accepted")
    parser.add_argument(
        "--allow-debug",
        action="store_true",
        default=None,
        help="accept DEBUG enclaves and debuggable VMs",
    )
    parser.add_argument(
        "--launch-measurement", type=hex_bytes(48), help="expected SNP MEASUREMENT, hex"
    )
    parser.add_argument("--min-tcb", type=tcb, help="lowest TCB: BOOTLOADER,TEE,SNP,MICROCODE")


def _policy(path: str | None) -> Dict[str, Any]:
    if path is None:
        return {}
    policy = json.loads(Path(path).read_text())
    if not isinstance(policy, dict):
        raise ValueError(f"{path}: a policy is a JSON object")
    unknown = set(policy) - POLICY_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown policy keys {sorted(unknown)}")
    for key in ("mrenclave", "mrsigner", "launch_measurement"):
        if key in policy:
            policy[key] = bytes.fromhex(policy[key])
    if "min_tcb" in policy:
        policy["min_tcb"] = Tcb(*policy["min_tcb"])
    return policy


def expectations(args: argparse.Namespace) -> Expectations:
    """Expectations from the policy file and the options; ValueError for bad input."""
    fields = _policy(args.policy)
    options = {
        "mrenclave": args.mrenclave,
        "mrsigner": args.mrsigner,
        "isv_prod_id": args.isvprodid,
        "min_isv_svn": args.min_isvsvn,
        "allow_debug": args.allow_debug,
        "launch_measurement": args.launch_measurement,
        "min_tcb": args.min_tcb,
    }
    fields.update({key: value for key, value in options.items() if value is not None})
    if "mrenclave" not in fields and "mrsigner" not in fields:
        raise ValueError("name the expected enclave: --mrenclave and/or --mrsigner")
    return Expectations(**fields)


def _certificate(path: str) -> x509.Certificate:
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return x509.parse_pem(data)[0]
    return x509.parse_der(data)


def verify(args: argparse.Namespace) -> VerifiedQuote:
    """Load everything the options name and verify; ValueError for unusable input files."""
    expect = expectations(args)
    nonce = args.nonce if args.nonce is not None else Path(args.nonce_file).read_bytes()
    raw = sys.stdin.buffer.read() if args.quote == "-" else Path(args.quote).read_bytes()
    quote = Quote.from_bytes(raw)
    vcek = None if args.vcek is None else _certificate(args.vcek)
    if args.amd_chain is not None:
        chain = load_amd_chain(args.amd_chain)
        return verify_quote(quote, nonce, expect, amd_chain=chain, vcek=vcek)
    return verify_quote(quote, nonce, expect, anchor=_certificate(args.anchor), vcek=vcek)
