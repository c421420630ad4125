"""Building an enclave image from C sources with the system's C compiler.

    python -m vmpl_sgx.build -o enclave.elf enclave.c more.c

compiles the sources together with the in-enclave runtime (runtime/) and the libc functions
taken from musl (vmpl_sgx.musl; musl-dev and musl's source must be installed) into a
freestanding, position-independent ELF image linked by runtime/enclave.lds, and checks the
result with vmpl_sgx.elf so that an image that could not be loaded fails here, with the reason. With
`--edl FILE.edl` the trusted bridge of that interface (see vmpl_sgx.edl) is generated next to
the output and built in.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Sequence, Union

from vmpl_sgx.arguments import OneLineParser
from vmpl_sgx.edl.command import generate
from vmpl_sgx.edl.model import EdlError
from vmpl_sgx.elf import ElfError, ElfImage, load_elf
from vmpl_sgx.errors import SdkError
from vmpl_sgx.musl import MuslError, libc_archive

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
RUNTIME_SOURCES = (
    "entry.S", "runtime.c", "malloc.c", "libc.c", "musl_support.c", "aes.c", "seal.c",
    "random.c", "cpu_random.c",
)
LINKER_SCRIPT = RUNTIME_DIR / "enclave.lds"
INCLUDE_DIR = RUNTIME_DIR / "include"

CFLAGS = (
    "-std=gnu11",
    "-O2",
    "-Wall",
    "-Wextra",
    "-ffreestanding",  # no libc: the compiler may assume nothing of the environment
    "-fPIE",
    "-fno-stack-protector",  # the canary lives in the host's TLS, which enclave code must not use
    "-fno-plt",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-fcf-protection=none",
)
LDFLAGS = (
    "-nostdlib",
    "-static-pie",
    f"-Wl,-T,{LINKER_SCRIPT}",
    "-Wl,-z,norelro",  # no read-only-after-relocation: nothing is ever relocated
    "-Wl,--no-dynamic-linker",
    "-Wl,-z,noexecstack",
    "-Wl,--build-id=none",  # keeps images byte-identical, and so MRENCLAVE, across builds
    "-Wl,-z,max-page-size=4096",
    "-Wl,--hash-style=gnu",
)
LIBS = ("-lgcc",)  # compiler helpers (128-bit division and the like); no libc

Source = Union[str, Path]


class BuildError(SdkError, RuntimeError):
    """The compiler failed, or produced an image the loader would reject."""


def compiler() -> List[str]:
    """The C compiler command: $CC, else cc."""
    return shlex.split(os.environ.get("CC", "cc"))


def build_enclave(
    sources: Iterable[Source],
    output: Source,
    *,
    include_dirs: Sequence[Source] = (),
    defines: Sequence[str] = (),
    extra_flags: Sequence[str] = (),
    cc: Sequence[str] | None = None,
    edl: Source | None = None,
    edl_search_path: Sequence[Source] = (),
) -> Path:
    """Compile and link `sources` with the runtime into the enclave image `output`; with
    `edl`, also the trusted bridge generated from it into OUTPUT.edl/.

    Returns the output path. Raises BuildError with the compiler's messages, the EDL error,
    or the reason the image would not load; then there is no file at `output`.
    """
    paths = [Path(source) for source in sources]
    if not paths:
        raise BuildError("no source files")
    for source in paths:
        if not source.is_file():
            raise BuildError(f"{source}: no such source file")
    output = Path(output)
    if edl is not None:
        bridge = output.with_name(output.name + ".edl")
        try:
            written = generate(edl, bridge, edl_search_path, untrusted=False)
        except EdlError as error:
            raise BuildError(str(error)) from error
        paths += [path for name, path in written.items() if name.endswith(".c")]
        include_dirs = [bridge, *include_dirs]
    cc = list(cc) if cc is not None else compiler()
    try:
        libc = libc_archive(cc)
    except MuslError as error:
        raise BuildError(str(error)) from error
    # The compiler writes beside `output`; only an image that loads takes its name.
    scratch = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    command = [
        *cc,
        *CFLAGS,
        *(f"-I{directory}" for directory in (*include_dirs, INCLUDE_DIR)),
        *(f"-D{define}" for define in defines),
        *extra_flags,
        *LDFLAGS,
        "-o",
        str(scratch),
        *(str(RUNTIME_DIR / name) for name in RUNTIME_SOURCES),
        *(str(source) for source in paths),
        str(libc),
        *LIBS,
    ]
    try:
        _run_compiler(command)
        try:
            load_elf(scratch)
        except ElfError as error:
            raise BuildError(f"{output}: {error}") from error
        os.replace(scratch, output)
    except BaseException:
        # No image at `output` after a failure, not even an older one a caller could mistake
        # for this build's.
        for leftover in (scratch, output):
            if leftover.exists():
                leftover.unlink()
        raise
    return output


def _run_compiler(command: Sequence[str]) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BuildError(f"cannot run the C compiler {command[0]!r}: {error}") from error
    if result.returncode != 0:
        message = f"{command[0]} failed with status {result.returncode}:\n{result.stderr.strip()}"
        missing = sorted(set(_UNDEFINED.findall(result.stderr)))
        if missing:
            message += (
                f"\nnot in the enclave libc: {', '.join(missing)} (enclaves have no system "
                "calls and no FILE; docs/enclaves.md, 'The enclave libc', lists what there is)"
            )
        raise BuildError(message)


# GNU ld's words for a symbol nothing defines.
_UNDEFINED = re.compile("undefined reference to [`'\u2018]([^`'\u2018\u2019]+)['\u2019]")


def check_image(path: Source) -> ElfImage:
    """Load the image as the loader will; BuildError with the reason if it would be rejected."""
    try:
        return load_elf(path)
    except ElfError as error:
        raise BuildError(f"{path}: {error}") from error


def main(argv: Sequence[str] | None = None, prog: str = "python -m vmpl_sgx.build") -> int:
    parser = OneLineParser(
        prog=prog,
        description="Build a vmpl-sgx enclave image from freestanding C sources.",
    )
    parser.add_argument("sources", nargs="+", type=Path, help="C or assembly sources")
    parser.add_argument("-o", "--output", type=Path, required=True, help="image to write")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], type=Path)
    parser.add_argument("-D", dest="defines", action="append", default=[])
    parser.add_argument(
        "--cflags",
        default="",
        metavar="FLAGS",
        help="more compiler flags, split as a shell would, after the built-in ones; "
        "write --cflags='-O1 -g' (with =) since they start with -",
    )
    parser.add_argument(
        "--edl", type=Path, help="build in the trusted bridge of this EDL interface"
    )
    parser.add_argument(
        "--edl-search-path", action="append", default=[], type=Path,
        help="directory to look for imported .edl files in (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        build_enclave(
            args.sources,
            args.output,
            include_dirs=args.include_dirs,
            defines=args.defines,
            extra_flags=shlex.split(args.cflags),
            edl=args.edl,
            edl_search_path=args.edl_search_path,
        )
    except BuildError as error:
        print(f"vmpl-sgx build: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
