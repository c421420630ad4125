"""The `vmpl-sgx` command (also `python -m vmpl_sgx`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Sequence, TextIO, Tuple

from vmpl_sgx import __version__, build, quote_command, verify_command
from vmpl_sgx._abi import Attr, Cap, EnclaveStatus
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.arguments import OneLineParser, unsigned
from vmpl_sgx.attestation.errors import AttestationError
from vmpl_sgx.backend import BACKEND_NAMES, DEVICE_PATH
from vmpl_sgx.edl import command as edl_command
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.errors import (
    CallInterruptedError,
    DeviceMissingError,
    SehTimeoutError,
    VmplSgxError,
)
from vmpl_sgx.identity import EnclaveIdentity
from vmpl_sgx.image import ImageError, layout_from_file
from vmpl_sgx.image_options import (
    OPTIONS_HELP,
    add_layout_options,
    is_elf,
    layout_options_given,
    manifest_for,
    params_from,
)
from vmpl_sgx.info import BackendInfo
from vmpl_sgx.layout import Layout, load, mrenclave, sign
from vmpl_sgx.layout_file import FORMAT_HELP, LayoutFileError, layout_from_argument
from vmpl_sgx.manifest import sign_image, signed_layout
from vmpl_sgx.pem import KeyFormatError
from vmpl_sgx.rsa import MODULUS_BYTES, KeyExponentError, KeySizeError, RsaPrivateKey
from vmpl_sgx.samples import demo as samples_demo
from vmpl_sgx.selection import BackendChoiceError
from vmpl_sgx.sigstruct import mrsigner
from vmpl_sgx.status_names import ecall_status_name

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NO_BACKEND = 3
EXIT_REJECTED = 4
EXIT_NOT_TRUSTED = 5

EXIT_HELP = """\
exit status:
  0  success
  1  failure (SEH failure, interrupted call, I/O error writing a file)
  2  usage: bad arguments, or an unreadable or invalid layout or key file
  3  the backend is missing: no /dev/vmpl_sgx when the device was asked for
  4  the enclave was rejected by CREATE, ADD_PAGES or INIT
  5  verify: the quote failed a check (the error names it)
"""

_PROGRESS_DELAY_S = 1.0
_PROGRESS_INTERVAL_S = 0.1
_BAR_WIDTH = 30


class UsageError(Exception):
    """Bad input from the user: exit status 2."""


# ---- output


class Output:
    """Human text to stdout, or one JSON document at the end with --json."""

    def __init__(self, as_json: bool, stream: TextIO) -> None:
        self.as_json = as_json
        self.stream = stream
        self.data: Dict[str, Any] = {}

    def field(self, key: str, label: str, value: Any, text: str | None = None) -> None:
        self.data[key] = value
        if not self.as_json:
            print(f"{label:<18} {text if text is not None else value}", file=self.stream)

    def note(self, text: str) -> None:
        if not self.as_json:
            print(text, file=sys.stderr)

    def finish(self) -> None:
        if self.as_json:
            json.dump(self.data, self.stream, indent=2, sort_keys=True)
            self.stream.write("\n")


class ProgressLine:
    """A one-line progress bar on a terminal, once a load has taken over a second."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < _PROGRESS_DELAY_S or now - self.last < _PROGRESS_INTERVAL_S:
            return
        self.last = now
        self.shown = True
        percent = 100 * done // total if total else 100
        bar = ("#" * (percent * _BAR_WIDTH // 100)).ljust(_BAR_WIDTH)
        line = (
            f"\r{self.label}: [{bar}] {done / 2**20:.1f} of {total / 2**20:.1f} MiB ({percent}%)"
        )
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _hex(data: bytes) -> str:
    return data.hex()


def _size(value: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if value >= 1 << shift and value % (1 << shift) == 0:
            return f"{value >> shift} {unit}"
    return f"{value} bytes"


# ---- commands


def _layout(argument: str) -> Layout:
    try:
        return layout_from_argument(argument)
    except LayoutFileError as error:
        raise UsageError(f"layout: {error}") from None


def _key(path: str) -> RsaPrivateKey:
    try:
        return RsaPrivateKey.from_pem(Path(path).read_bytes())
    except OSError as error:
        raise UsageError(f"key {path}: {error.strerror}") from None
    except (KeyFormatError, KeySizeError, KeyExponentError) as error:
        raise UsageError(f"key {path}: {error}") from None


def _signer(key: RsaPrivateKey) -> bytes:
    return mrsigner(key.numbers.modulus.to_bytes(MODULUS_BYTES, "little"))


def _show_info(out: Output, info: BackendInfo) -> None:
    caps = info.capability_names
    out.field("api_version", "api version", info.api_version)
    out.field("seh_protocol", "seh protocol", info.seh_protocol, f"0x{info.seh_protocol:x}")
    out.field("seh_version", "seh version", info.seh_version)
    out.field("transport", "transport", info.transport_name)
    out.field("capabilities", "capabilities", caps, ", ".join(caps) or "none")
    # Whether reports, sealing keys and quotes rest on the SEH model's secret or on hardware.
    if info.has(Cap.MODEL_ROOT_SECRET):
        out.field("key_root", "key root", "model secret", "model secret, not hardware")
    else:
        out.field("key_root", "key root", "not a model secret")
    out.field("max_pages_per_call", "max pages/call", info.max_pages_per_call)
    out.field("max_run_buffer", "max run buffer", info.max_run_buffer, _size(info.max_run_buffer))
    out.field(
        "max_enclave_size", "max enclave size", info.max_enclave_size, _size(info.max_enclave_size)
    )


def cmd_info(args: argparse.Namespace, out: Output) -> int:
    with Enclave.open(args.backend, args.device) as enclave:
        out.field("backend", "backend", enclave.backend_name)
        _show_info(out, enclave.info())
    return EXIT_OK


def _image_layout(
    args: argparse.Namespace, out: Output, max_size: int | None = None
) -> Tuple[Layout, bytes | None]:
    """The layout of LAYOUT (a JSON layout, "sample" or an ELF image) and, when a manifest
    describes the image, the SIGSTRUCT signed for it."""
    if not is_elf(args.layout):
        if layout_options_given(args) or getattr(args, "manifest", None):
            raise UsageError("layout options and --manifest apply to ELF images only")
        return _layout(args.layout), None
    manifest, refusal = manifest_for(args, args.layout)
    if refusal:
        raise UsageError(refusal)
    if manifest is not None:
        layout, sigstruct, _ = signed_layout(manifest, args.layout, max_size=max_size)
        out.field("manifest", "manifest", str(manifest))
        return layout, sigstruct
    try:
        return layout_from_file(args.layout, params_from(args), max_size=max_size), None
    except ImageError as error:
        raise UsageError(f"{args.layout}: {error}") from None


def cmd_measure(args: argparse.Namespace, out: Output) -> int:
    layout, _ = _image_layout(args, out)
    out.field("mrenclave", "MRENCLAVE", _hex(mrenclave(layout)))
    out.field("size", "size", layout.size, f"0x{layout.size:x}")
    out.field("pages", "pages", layout.page_count)
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace, out: Output) -> int:
    path = Path(args.output)
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; use --force to replace it")
    out.note("generating an RSA-3072 key with exponent 3 ...")
    key = RsaPrivateKey.generate()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key.to_pkcs1_pem())
    out.field("key", "key", str(path))
    out.field("mrsigner", "MRSIGNER", _hex(_signer(key)))
    return EXIT_OK


def cmd_sign(args: argparse.Namespace, out: Output) -> int:
    if is_elf(args.layout):
        return _sign_image(args, out)
    if args.output is None:
        raise UsageError("-o/--output is needed for a JSON layout")
    layout, _ = _image_layout(args, out)
    key = _key(args.key)
    sigstruct = sign(layout, key, isvprodid=args.isvprodid, isvsvn=args.isvsvn)
    Path(args.output).write_bytes(sigstruct)
    out.field("sigstruct", "SIGSTRUCT", args.output)
    out.field("mrenclave", "MRENCLAVE", _hex(mrenclave(layout)))
    out.field("mrsigner", "MRSIGNER", _hex(_signer(key)))
    return EXIT_OK


def _sign_image(args: argparse.Namespace, out: Output) -> int:
    """sign ENCLAVE.elf: the SIGSTRUCT and the manifest that reproduces its layout."""
    key = _key(args.key)
    try:
        params_from(args).check()
    except ImageError as error:
        raise UsageError(f"{args.layout}: {error}") from None
    manifest, sigstruct_path, manifest_path = sign_image(
        args.layout,
        key,
        params_from(args),
        isvprodid=args.isvprodid,
        isvsvn=args.isvsvn,
        sigstruct_path=args.output,
        manifest_path=args.manifest,
    )
    out.field("sigstruct", "SIGSTRUCT", str(sigstruct_path))
    out.field("manifest", "manifest", str(manifest_path))
    out.field("mrenclave", "MRENCLAVE", manifest.mrenclave)
    out.field("mrsigner", "MRSIGNER", manifest.mrsigner)
    out.field("debug", "DEBUG", manifest.debug, "yes (development)" if manifest.debug else "no")
    return EXIT_OK


def _run_input(args: argparse.Namespace) -> bytes:
    if args.input_hex is not None:
        try:
            return bytes.fromhex(args.input_hex)
        except ValueError:
            raise UsageError(f"--input-hex {args.input_hex!r} is not hex") from None
    if args.input_file is not None:
        try:
            return Path(args.input_file).read_bytes()
        except OSError as error:
            raise UsageError(f"--input-file {args.input_file}: {error.strerror}") from None
    return (args.input or "").encode()


def _load_image(args: argparse.Namespace, out: Output, enclave: Enclave) -> EnclaveApp:
    """Load ENCLAVE.elf as its manifest (or the options and --key) says."""
    key = _key(args.key) if args.key else None
    # The SEH's limit first: an oversized heap fails before anything is allocated.
    layout, sigstruct = _image_layout(args, out, enclave.info().max_enclave_size)
    if sigstruct is not None and key is not None:
        raise UsageError("the manifest's SIGSTRUCT signs the enclave: give no --key with it")
    if sigstruct is None:
        if key is None:
            out.note("no manifest: signing with a throwaway RSA-3072 key ...")
            key = RsaPrivateKey.generate()
        sigstruct = sign(layout, key)
    out.field("backend", "backend", enclave.backend_name)
    out.field("mrenclave", "MRENCLAVE", _hex(mrenclave(layout)))
    _load(out, enclave, layout, sigstruct)
    _show_identity(out, enclave.identity)
    return EnclaveApp(enclave, layout)


def cmd_run(args: argparse.Namespace, out: Output) -> int:
    """run ENCLAVE.elf: load it as its manifest (or the options) says and run one ecall."""
    if not is_elf(args.layout):
        raise UsageError(f"{args.layout} is not an ELF enclave image")
    data = _run_input(args)
    with Enclave.open(args.backend, args.device) as enclave:
        app = _load_image(args, out, enclave)
        status, output = app.call(args.ecall, data)
    out.field("status", "status", ecall_status_name(status))
    out.field("output", "output", output.hex(), output.hex() or "(none)")
    return EXIT_OK if status == EnclaveStatus.OK else EXIT_FAILURE


def cmd_quote(args: argparse.Namespace, out: Output) -> int:
    """quote ENCLAVE.elf: load it, get its report for the quoting identity, write the quote."""
    if not is_elf(args.layout):
        raise UsageError(f"{args.layout} is not an ELF enclave image")
    if args.output == "-" and out.as_json:
        raise UsageError("--json and -o - both want stdout: write the quote to a file")
    nonce = args.nonce if args.nonce is not None else secrets.token_bytes(64)
    with Enclave.open(args.backend, args.device) as enclave:
        app = _load_image(args, out, enclave)
        target = enclave.quoting_target()
        report = quote_command.enclave_report(app, args.report_ecall, target, args.report_data)
        quote = enclave.quote(report, nonce)
    quote_command.write(args, quote)
    out.field("nonce", "nonce", _hex(nonce))
    out.field("report_data", "REPORTDATA", _hex(args.report_data))
    sizes = [len(quote.report), len(quote.manifest), len(quote.certificates)]
    text = f"SNP report {sizes[0]}, manifest {sizes[1]}, certificates {sizes[2]} bytes"
    out.field("sizes", "quote", sizes, text)
    out.field("output", "written to", "stdout" if args.output == "-" else args.output)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    layout = _layout(args.layout)
    key = _key(args.key) if args.key else None
    # The backend first: a missing device should not wait for a key to be generated.
    with Enclave.open(args.backend, args.device) as enclave:
        info = enclave.info()
        if key is None:
            out.note("generating a throwaway RSA-3072 signing key ...")
            key = RsaPrivateKey.generate()
        sigstruct = sign(layout, key)
        out.field("backend", "backend", enclave.backend_name)
        out.field("transport", "transport", info.transport_name)
        out.field("mrenclave", "MRENCLAVE", _hex(mrenclave(layout)))
        out.field("mrsigner", "MRSIGNER", _hex(_signer(key)))
        _load(out, enclave, layout, sigstruct)
        out.field("pages", "pages loaded", layout.page_count)
        out.field("state", "state", enclave.state.value)
        _show_identity(out, enclave.identity)
    if args.layout == "sample" and not out.as_json:
        _demo_samples(args.backend, key, out)
    return EXIT_OK


def _load(out: Output, enclave: Enclave, layout: Layout, sigstruct: bytes) -> None:
    """load(), with a progress bar on a terminal once it has taken a second."""
    progress = ProgressLine(sys.stderr, "loading") if _show_progress(out) else None
    try:
        load(enclave, layout, sigstruct, progress=progress)
    finally:
        if progress is not None:
            progress.close()


def _show_identity(out: Output, identity: EnclaveIdentity) -> None:
    """The identity EINIT gave the enclave (MRENCLAVE is shown before loading)."""
    if "mrsigner" not in out.data:
        out.field("mrsigner", "MRSIGNER", _hex(identity.mrsigner))
    names = [flag.name for flag in Attr if flag.name and identity.attributes & flag]
    attributes = f"0x{identity.attributes:x} ({', '.join(names)})"
    out.field("attributes", "attributes", identity.attributes, attributes)
    out.field("xfrm", "xfrm", identity.xfrm, f"0x{identity.xfrm:x}")
    out.field("miscselect", "miscselect", identity.miscselect, f"0x{identity.miscselect:x}")
    out.field("isvprodid", "isvprodid", identity.isv_prod_id)
    out.field("isvsvn", "isvsvn", identity.isv_svn)


def _demo_samples(backend: str, key: RsaPrivateKey, out: Output) -> None:
    """Build the sample enclaves and run their ecalls and ocalls on the same backend."""
    if shutil.which(os.environ.get("CC", "cc")) is None:
        out.note("no C compiler found (set CC or install gcc): skipping the sample enclaves")
        return
    print()
    with tempfile.TemporaryDirectory() as scratch:
        samples_demo.run(lambda: Enclave.open(backend), Path(scratch), key)
        samples_demo.remote_attestation(lambda: Enclave.open(backend), Path(scratch), key)


BUILD_PROG = "vmpl-sgx build"


def cmd_verify(args: argparse.Namespace, out: Output) -> int:
    try:
        result = verify_command.verify(args)
    except ValueError as error:  # unusable policy, nonce, anchor or quote file
        raise UsageError(str(error)) from None
    snp, enclave = result.snp, result.enclave
    out.field("verified", "verified", True, "yes")
    out.field("mrenclave", "MRENCLAVE", _hex(enclave.mrenclave))
    out.field("mrsigner", "MRSIGNER", _hex(enclave.mrsigner))
    out.field("isv_prod_id", "ISVPRODID", enclave.isv_prod_id)
    out.field("isv_svn", "ISVSVN", enclave.isv_svn)
    out.field("debug", "DEBUG", enclave.debug, "yes" if enclave.debug else "no")
    out.field("report_data", "REPORTDATA", _hex(enclave.report_data))
    out.field("measurement", "launch measurement", _hex(snp.report.measurement))
    tcb = snp.reported_tcb
    text = f"bl {tcb.bootloader} tee {tcb.tee} snp {tcb.snp} ucode {tcb.microcode}"
    levels = [tcb.bootloader, tcb.tee, tcb.snp, tcb.microcode]
    out.field("reported_tcb", "reported TCB", levels, text)
    out.field("product", "product", snp.product)
    out.field("chip_id", "chip id", _hex(snp.report.chip_id))
    return EXIT_OK


def build_command(argv: Sequence[str]) -> int:
    """`vmpl-sgx build ...`: compile an enclave image (see `vmpl-sgx build -h`)."""
    return int(build.main(list(argv), prog=BUILD_PROG))


def _show_progress(out: Output) -> bool:
    return not out.as_json and sys.stderr.isatty()


# ---- parsing and the entry point


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="vmpl-sgx",
        description="SGX-style enclaves in SEV-SNP guests: inspect the backend, measure, "
        "sign and load enclaves. `vmpl-sgx build -o IMAGE SOURCES...` compiles an enclave "
        "image (see `vmpl-sgx build -h`); `vmpl-sgx edger8r FILE.edl` generates the C bridge "
        "and Python module of an EDL interface (see `vmpl-sgx edger8r -h`).",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument(
        "--backend",
        choices=BACKEND_NAMES,
        default="auto",
        help="auto (default: $VMPL_SGX_BACKEND, else the device if present, else the "
        "simulator), device or simulator",
    )
    backend.add_argument("--device", default=DEVICE_PATH, help="device path (%(default)s)")
    layout = argparse.ArgumentParser(add_help=False)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, run: Callable[[argparse.Namespace, Output], int], text: str, *parents: Any
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=text,
            description=text,
            parents=[common, *parents],  # type: ignore[list-item]  # any ArgumentParser works
            epilog=(FORMAT_HELP + "\n" + OPTIONS_HELP if layout in parents else "")
            + "\n"
            + EXIT_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        return sub

    add("info", cmd_info, "show the backend, versions, transport, capabilities and limits", backend)
    layout.add_argument(
        "layout", metavar="LAYOUT", help='an ENCLAVE.elf image, "sample" or a JSON layout file'
    )
    measure = add("measure", cmd_measure, "print the MRENCLAVE of an image or layout", layout)
    add_layout_options(measure)
    measure.add_argument("--manifest", help="lay out as this manifest says (and check the image)")
    keygen = add("keygen", cmd_keygen, "write a new RSA-3072 (e=3) signing key as PEM")
    keygen.add_argument("output", metavar="KEY", help="where to write the key (mode 0600)")
    keygen.add_argument("--force", action="store_true", help="replace an existing file")
    signer = add(
        "sign", cmd_sign, "write the SIGSTRUCT (and, for an image, the manifest)", layout
    )
    signer.add_argument("--key", required=True, help="PEM private key (RSA-3072, e=3)")
    signer.add_argument(
        "-o", "--output", help="where to write the SIGSTRUCT (default: ENCLAVE.elf.sigstruct)"
    )
    signer.add_argument(
        "--manifest", help="where to write the manifest (default: ENCLAVE.elf.manifest.json)"
    )
    add_layout_options(signer)
    signer.add_argument(
        "--isvprodid", type=unsigned(16), default=0, help="product id, 0 to 0xffff (0)"
    )
    signer.add_argument(
        "--isvsvn", type=unsigned(16), default=0, help="security version, 0 to 0xffff (0)"
    )
    runner = add(
        "run", cmd_run, "load an ENCLAVE.elf as its manifest says and run one ecall", backend
    )
    runner.add_argument("layout", metavar="ENCLAVE.elf", help="the enclave image")
    runner.add_argument("--manifest", help="default: ENCLAVE.elf.manifest.json if present")
    runner.add_argument("--key", help="without a manifest: PEM signing key (default: throwaway)")
    runner.add_argument("--ecall", type=unsigned(32), default=0, help="ecall number (0)")
    given = runner.add_mutually_exclusive_group()
    given.add_argument("--input", help="the ecall's input as text")
    given.add_argument("--input-hex", help="the ecall's input as hex")
    given.add_argument("--input-file", help="the ecall's input from a file")
    add_layout_options(runner)
    runner.epilog = OPTIONS_HELP + "\n" + EXIT_HELP
    demo = add(
        "demo", cmd_demo, "create, load, initialize and try to run an enclave", backend
    )
    demo.add_argument(
        "layout", metavar="LAYOUT", nargs="?", default="sample", help='"sample" (default) or '
        "a JSON layout file"
    )
    demo.add_argument("--key", help="PEM signing key (default: a throwaway one)")
    quoter = add(
        "quote",
        cmd_quote,
        "load an enclave and get a quote of it (its report, bound to an SNP report)",
        backend,
    )
    quote_command.add_arguments(quoter)
    add_layout_options(quoter)
    verifier = add("verify", cmd_verify, "check a quote: chain, signature, nonce, enclave identity")
    verify_command.add_arguments(verifier)
    # Listed for help and error messages; main() hands `build ...` to vmpl_sgx.build.
    commands.add_parser(
        "build",
        help=f"compile an enclave image from C sources (see {BUILD_PROG} -h)",
        add_help=False,
    )
    # Likewise `edger8r ...` goes to vmpl_sgx.edl.command.
    commands.add_parser(
        "edger8r",
        help="generate the C bridge and Python module of an EDL file (see vmpl-sgx edger8r -h)",
        add_help=False,
    )
    return parser


def _exit_status(error: VmplSgxError, command: str) -> int:
    if isinstance(error, AttestationError):
        return EXIT_NOT_TRUSTED
    if isinstance(error, DeviceMissingError):
        return EXIT_NO_BACKEND
    if isinstance(error, (CallInterruptedError, SehTimeoutError)):
        return EXIT_FAILURE
    if command == "demo" and error.ioctl in ("ENCLAVE_CREATE", "ENCLAVE_ADD_PAGES", "ENCLAVE_INIT"):
        return EXIT_REJECTED
    return EXIT_FAILURE


def _report_error(out: Output, status: int, message: str, error: VmplSgxError | None) -> None:
    if out.as_json:
        detail: Dict[str, Any] = {"message": message, "exit_status": status}
        if error is not None:
            detail.update(
                type=type(error).__name__,
                errno=error.errno_name,
                ioctl=error.ioctl,
                constraint=error.constraint,
                causes=list(error.causes),
            )
        out.data["error"] = detail
        out.finish()
    print(f"vmpl-sgx: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["build"]:
        return build_command(arguments[1:])
    if arguments[:1] == ["edger8r"]:
        return edl_command.main(arguments[1:])
    parser = _parser()
    args = parser.parse_args(arguments)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    # A quote written to stdout leaves the text for stderr.
    quote_to_stdout = args.command == "quote" and args.output == "-"
    out = Output(args.json, sys.stderr if quote_to_stdout else sys.stdout)
    try:
        status = int(args.run(args, out))
    except (UsageError, BackendChoiceError) as error:
        _report_error(out, EXIT_USAGE, str(error), None)
        return EXIT_USAGE
    except VmplSgxError as error:
        status = _exit_status(error, args.command)
        _report_error(out, status, str(error), error)
        return status
    except OSError as error:
        _report_error(out, EXIT_FAILURE, f"{error.filename or ''}: {error.strerror}", None)
        return EXIT_FAILURE
    out.finish()
    return status

