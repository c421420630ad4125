"""The pure functions of the enclave libc (string.h, ctype.h, strtol, qsort, the sprintf
family) compiled from musl's source.

Debian's libc.a from musl-dev cannot be linked into enclaves: it is built with the stack
protector, whose canary is read through %fs, and %fs is not the enclave's. So the functions
are compiled from musl's source (Debian's source package, unpacked with `apt-get source musl`)
against musl-dev's headers, once per compiler and source, into a cached archive that the
enclave links by name: a function outside SOURCES stays undefined and the link names it.

Every archive is checked when it is made: its undefined symbols are its own or RUNTIME_PROVIDES
(runtime/musl_support.c), and its code has no system call, no %fs or %gs access and no lock
prefix. docs/enclaves.md ("The enclave libc") says what this supports.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

from vmpl_sgx.errors import SdkError

# musl-dev's headers: the generated bits/alltypes.h of the same release as the source.
HEADERS = Path("/usr/include/x86_64-linux-musl")
SOURCE_GLOB = "/usr/src/musl-*"
SOURCE_ENV = "VMPL_SGX_MUSL_SOURCE"
CACHE_ENV = "VMPL_SGX_CACHE"
INSTALL_HINT = (
    "install musl-dev and musl's source: apt-get install musl-dev dpkg-dev, then, with deb-src "
    "lines enabled, cd /usr/src && apt-get source musl (or set VMPL_SGX_MUSL_SOURCE to an "
    "unpacked musl source tree); see docs/enclaves.md"
)

# Files of the musl tree, by the function they bring; x86-64's assembly where musl has it.
SOURCES = (
    "src/string/x86_64/memcpy.s",
    "src/string/x86_64/memmove.s",
    "src/string/x86_64/memset.s",
    "src/string/memcmp.c",
    "src/string/memchr.c",
    "src/string/memrchr.c",
    "src/string/strlen.c",
    "src/string/strnlen.c",
    "src/string/strcmp.c",
    "src/string/strncmp.c",
    "src/string/strchr.c",
    "src/string/strchrnul.c",
    "src/string/strrchr.c",
    "src/string/strstr.c",
    "src/string/strcpy.c",
    "src/string/stpcpy.c",
    "src/string/strncpy.c",
    "src/string/stpncpy.c",
    "src/string/strcat.c",
    "src/string/strncat.c",
    "src/string/strspn.c",
    "src/string/strcspn.c",
    "src/string/strpbrk.c",
    "src/string/strcasecmp.c",
    "src/string/strncasecmp.c",
    "src/string/memmem.c",
    "src/string/strdup.c",
    "src/string/strndup.c",
    "src/string/strtok_r.c",
    "src/string/strsep.c",
    "src/ctype/isalnum.c",
    "src/ctype/isalpha.c",
    "src/ctype/isblank.c",
    "src/ctype/iscntrl.c",
    "src/ctype/isdigit.c",
    "src/ctype/isgraph.c",
    "src/ctype/islower.c",
    "src/ctype/isprint.c",
    "src/ctype/ispunct.c",
    "src/ctype/isspace.c",
    "src/ctype/isupper.c",
    "src/ctype/isxdigit.c",
    "src/ctype/tolower.c",
    "src/ctype/toupper.c",
    "src/stdlib/strtol.c",
    "src/stdlib/atoi.c",
    "src/stdlib/atol.c",
    "src/stdlib/atoll.c",
    "src/stdlib/abs.c",
    "src/stdlib/labs.c",
    "src/stdlib/llabs.c",
    "src/stdlib/qsort.c",
    "src/stdlib/qsort_nr.c",
    "src/stdlib/bsearch.c",
    "src/internal/intscan.c",  # strtol's digits, read from a string-backed FILE
    "src/internal/shgetc.c",
    "src/stdio/__uflow.c",  # never reached for a string (its end is never hit), but linked
    "src/stdio/__toread.c",
    "src/stdio/vfprintf.c",
    "src/stdio/vsnprintf.c",
    "src/stdio/snprintf.c",
    "src/stdio/vsprintf.c",
    "src/stdio/sprintf.c",
    "src/stdio/fwrite.c",
    "src/stdio/__towrite.c",
    "src/math/frexpl.c",
    "src/math/__signbitl.c",
    "src/math/__fpclassifyl.c",
)

# What the objects above call that musl defines elsewhere, with a version in the runtime.
RUNTIME_PROVIDES = frozenset({
    "___errno_location",  # errno: one per TCS (EOVERFLOW, EILSEQ)
    "__lockfile",  # never reached: vsnprintf's FILE has no lock; aborts if it were
    "__unlockfile",
    "__stdio_exit_needed",  # flushing files at exit: there are none
    "wctomb",  # %lc and %ls: ASCII only, as in musl's C locale
    "strerror",  # %m
    "malloc",  # strdup, strndup: the runtime's heap
})

# Defined by the linker: the assembler names it where code goes through the GOT, which the
# static-PIE link turns into direct references.
LINKER_DEFINED = frozenset({"_GLOBAL_OFFSET_TABLE_"})

# Compiled as musl's own Makefile compiles them, but without the stack protector and with
# position-independent code (the enclave is a static PIE).
FLAGS = (
    "-std=c99",
    "-nostdinc",
    "-ffreestanding",
    "-fexcess-precision=standard",
    "-frounding-math",
    "-fno-tree-loop-distribute-patterns",  # memset must not become a call to memset
    "-fno-stack-protector",
    "-fPIE",
    "-fno-plt",
    "-O2",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-fcf-protection=none",
    "-D_XOPEN_SOURCE=700",
    "-w",  # musl's code, musl's warnings policy
)

# Instructions no enclave code may run from this archive: system calls fault in an enclave,
# %fs/%gs belong to the runtime, and nothing on these paths may lock.
FORBIDDEN = re.compile(r"\bsyscall\b|\bsysenter\b|\bint\s+\$0x80\b|%[fg]s\b|\block\b")
ARCHIVE_NAME = "libvmpl_sgx_musl.a"


class MuslError(SdkError, RuntimeError):
    """musl's source or headers are missing, or an object breaks the enclave's rules."""


def find_source() -> Path:
    """The unpacked musl source tree: $VMPL_SGX_MUSL_SOURCE, else the one under /usr/src."""
    named = os.environ.get(SOURCE_ENV)
    candidates = [Path(named)] if named else sorted(Path(p) for p in glob.glob(SOURCE_GLOB))
    for tree in reversed(candidates):
        if (tree / "src" / "stdio" / "vfprintf.c").is_file():
            return tree
    where = named if named else SOURCE_GLOB
    raise MuslError(f"no musl source tree at {where}: {INSTALL_HINT}")


def check_headers(headers: Path = HEADERS) -> None:
    if not (headers / "bits" / "alltypes.h").is_file():
        raise MuslError(f"musl-dev's headers are missing ({headers}): {INSTALL_HINT}")


def cache_root() -> Path:
    named = os.environ.get(CACHE_ENV)
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vmpl-sgx"


def archive_key(cc: Sequence[str]) -> str:
    """The digest that names the archive of compiler `cc` and the installed musl source."""
    return _key(cc, find_source())


def _key(cc: Sequence[str], tree: Path) -> str:
    digest = hashlib.sha256()
    for part in (*cc, *FLAGS, str(tree), _compiler_version(cc)):
        digest.update(part.encode() + b"\0")
    for name in SOURCES:
        digest.update((tree / name).read_bytes())
    return digest.hexdigest()[:24]


def _compiler_version(cc: Sequence[str]) -> str:
    return _run([*cc, "--version"]).splitlines()[0]


def _run(command: Sequence[str], cwd: Path | None = None) -> str:
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=cwd
        )
    except OSError as error:
        raise MuslError(f"cannot run {command[0]!r}: {error}") from error
    if result.returncode != 0:
        raise MuslError(
            f"{' '.join(command[:2])} failed with status {result.returncode}:\n"
            f"{result.stderr.strip()}"
        )
    return result.stdout


def libc_archive(cc: Sequence[str]) -> Path:
    """The checked archive of SOURCES for compiler `cc`, built on first use and cached (under
    the temporary directory when the cache cannot be written, e.g. a read-only home)."""
    check_headers()
    tree = find_source()
    name = f"musl-{_key(cc, tree)}"
    roots = (cache_root(), Path(tempfile.gettempdir()) / f"vmpl-sgx-{os.getuid()}")
    for root in roots:
        if (root / name / ARCHIVE_NAME).is_file():
            return root / name / ARCHIVE_NAME
    for root in roots:
        try:
            root.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=".musl-", dir=root))
        except OSError:
            continue
        return _make_archive(cc, tree, scratch, root / name)
    raise MuslError(f"no writable directory for musl's objects: {', '.join(map(str, roots))}")


def _make_archive(cc: Sequence[str], tree: Path, scratch: Path, directory: Path) -> Path:
    archive = directory / ARCHIVE_NAME
    try:
        objects = _compile(cc, tree, scratch)
        check_objects(objects)
        _run(["ar", "rcD", ARCHIVE_NAME, *(o.name for o in objects)], cwd=scratch)
        for obj in objects:
            obj.unlink()
        os.chmod(scratch, 0o755)  # noqa: S103 - mkdtemp made it private; the archive is not secret
        try:
            os.rename(scratch, directory)
        except OSError:
            if not archive.is_file():  # not another build's archive that won the race
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return archive


def _compile(cc: Sequence[str], tree: Path, out: Path) -> List[Path]:
    includes = [
        tree / "arch" / "x86_64",
        tree / "arch" / "generic",
        tree / "src" / "include",
        tree / "src" / "internal",
        HEADERS,
        tree / "include",
    ]
    objects = []
    for index, name in enumerate(SOURCES):
        obj = out / f"{index:02d}-{Path(name).stem}.o"
        _run([
            *cc, *FLAGS, *(f"-I{directory}" for directory in includes),
            "-c", str(tree / name), "-o", str(obj),
        ])
        objects.append(obj)
    return objects


def symbols(objects: Sequence[Path]) -> Tuple[Set[str], Set[str]]:
    """(defined, undefined) global symbols of `objects`, as nm lists them."""
    defined: Set[str] = set()
    undefined: Set[str] = set()
    listing = _run(["nm", "-P", "-g", *(str(o) for o in objects)])
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0].endswith(":"):
            continue
        (undefined if fields[1] == "U" else defined).add(fields[0])
    return defined, undefined


def forbidden_instructions(objects: Sequence[Path]) -> Dict[str, List[str]]:
    """Per object, the disassembled lines that make a system call, use %fs/%gs, or lock."""
    found: Dict[str, List[str]] = {}
    for obj in objects:
        text = _run(["objdump", "-d", "--no-show-raw-insn", str(obj)])
        hits = [line.strip() for line in text.splitlines() if FORBIDDEN.search(line)]
        if hits:
            found[obj.name] = hits
    return found


def check_objects(objects: Sequence[Path]) -> None:
    """MuslError unless the objects need only each other and RUNTIME_PROVIDES, and run no
    forbidden instruction."""
    defined, undefined = symbols(objects)
    unknown = sorted(undefined - defined - RUNTIME_PROVIDES - LINKER_DEFINED)
    if unknown:
        raise MuslError(
            "musl's objects need symbols neither they nor the runtime define: "
            + ", ".join(unknown)
        )
    bad = forbidden_instructions(objects)
    if bad:
        detail = "; ".join(f"{name}: {lines[0]}" for name, lines in sorted(bad.items()))
        raise MuslError(f"musl's objects run instructions enclaves must not: {detail}")
