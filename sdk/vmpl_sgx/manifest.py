"""The manifest `vmpl-sgx sign` writes beside an image's SIGSTRUCT.

It names the image by its SHA-256 and holds every parameter of its layout (threads, stack,
heap, SSA frames, attributes with DEBUG, XFRM, MISCSELECT) and the ISV fields, so that
`vmpl-sgx run`, `vmpl-sgx measure` and `EnclaveApp.load(..., manifest=...)` on any machine lay
the image out exactly as it was signed, and refuse any other image:

    {
      "format": "vmpl-sgx-manifest", "version": 1,
      "image": "enclave.elf", "image_sha256": "…",
      "sigstruct": "enclave.elf.sigstruct",
      "mrenclave": "…", "mrsigner": "…",
      "threads": 1, "stack_size": 65536, "heap_size": 0, "ssa_frames": 2,
      "debug": true, "attributes": 6, "xfrm": 3, "miscselect": 0,
      "isvprodid": 0, "isvsvn": 0
    }

Paths are relative to the manifest. Numbers may also be written as "0x…" strings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Tuple

from vmpl_sgx._abi import Attr
from vmpl_sgx.errors import SdkError
from vmpl_sgx.image import ImageError, ImageParams, layout_from_file
from vmpl_sgx.layout import Layout, mrenclave, sign
from vmpl_sgx.rsa import MODULUS_BYTES, RsaPrivateKey
from vmpl_sgx.sigstruct import SIGSTRUCT_SIZE, SigstructError, mrsigner, read_params

FORMAT = "vmpl-sgx-manifest"
VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
SIGSTRUCT_SUFFIX = ".sigstruct"

_NUMBERS = (
    "threads", "stack_size", "heap_size", "ssa_frames", "attributes", "xfrm", "miscselect",
    "isvprodid", "isvsvn",
)
_TEXTS = ("image", "image_sha256", "sigstruct", "mrenclave", "mrsigner")


class ManifestError(SdkError, ValueError):
    """A manifest is unreadable or malformed, or does not describe the image or SIGSTRUCT
    beside it (the message says which and how)."""


class ImageMismatchError(ManifestError):
    """The image is not the one the manifest was signed for."""


def default_manifest_path(image: str | Path) -> Path:
    """IMAGE.manifest.json, where `vmpl-sgx sign` writes it unless told otherwise."""
    image = Path(image)
    return image.with_name(image.name + MANIFEST_SUFFIX)


def default_sigstruct_path(image: str | Path) -> Path:
    image = Path(image)
    return image.with_name(image.name + SIGSTRUCT_SUFFIX)


def image_sha256(path: str | Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as error:
        raise ManifestError(f"{path}: {error.strerror}") from None


@dataclasses.dataclass(frozen=True)
class Manifest:
    image: str
    """The image's file name, relative to the manifest."""
    image_sha256: str
    sigstruct: str
    """The SIGSTRUCT's file name, relative to the manifest."""
    mrenclave: str
    mrsigner: str
    params: ImageParams
    isvprodid: int = 0
    isvsvn: int = 0

    @property
    def debug(self) -> bool:
        return bool(self.params.attributes & Attr.DEBUG)

    def to_json(self) -> str:
        document: Dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "image": self.image,
            "image_sha256": self.image_sha256,
            "sigstruct": self.sigstruct,
            "mrenclave": self.mrenclave,
            "mrsigner": self.mrsigner,
            "threads": self.params.threads,
            "stack_size": self.params.stack_size,
            "heap_size": self.params.heap_size,
            "ssa_frames": self.params.nssa,
            "debug": self.debug,
            "attributes": self.params.attributes,
            "xfrm": self.params.xfrm,
            "miscselect": self.params.miscselect,
            "isvprodid": self.isvprodid,
            "isvsvn": self.isvsvn,
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "manifest") -> Manifest:
        try:
            document = json.loads(text)
        except ValueError as error:
            raise ManifestError(f"{where}: not JSON: {error}") from None
        if not isinstance(document, dict):
            raise ManifestError(f"{where}: not a JSON object")
        if document.get("format") != FORMAT:
            raise ManifestError(f"{where}: format is not {FORMAT!r}")
        if document.get("version") != VERSION:
            raise ManifestError(
                f"{where}: version {document.get('version')!r}; this SDK reads {VERSION}"
            )
        unknown = set(document) - {"format", "version", "debug", *_NUMBERS, *_TEXTS}
        if unknown:
            raise ManifestError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        numbers = {name: _number(document, name, where) for name in _NUMBERS}
        texts = {name: _text(document, name, where) for name in _TEXTS}
        debug = document.get("debug")
        if not isinstance(debug, bool):
            raise ManifestError(f"{where}: debug must be true or false")
        if debug != bool(numbers["attributes"] & Attr.DEBUG):
            raise ManifestError(f"{where}: debug says {debug}, attributes say otherwise")
        params = ImageParams(
            threads=numbers["threads"],
            stack_size=numbers["stack_size"],
            heap_size=numbers["heap_size"],
            nssa=numbers["ssa_frames"],
            attributes=numbers["attributes"],
            xfrm=numbers["xfrm"],
            miscselect=numbers["miscselect"],
        )
        try:
            params.check()
        except ImageError as error:
            raise ManifestError(f"{where}: {error}") from None
        return cls(
            image=texts["image"],
            image_sha256=texts["image_sha256"].lower(),
            sigstruct=texts["sigstruct"],
            mrenclave=texts["mrenclave"].lower(),
            mrsigner=texts["mrsigner"].lower(),
            params=params,
            isvprodid=numbers["isvprodid"],
            isvsvn=numbers["isvsvn"],
        )


def _number(document: Dict[str, Any], name: str, where: str) -> int:
    value = document.get(name)
    if isinstance(value, str):
        try:
            value = int(value, 0)
        except ValueError:
            raise ManifestError(f"{where}: {name} {value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ManifestError(f"{where}: {name} must be a non-negative integer")
    return value


def _text(document: Dict[str, Any], name: str, where: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: {name} must be a non-empty string")
    return value


def read_manifest(path: str | Path) -> Manifest:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ManifestError(f"manifest {path}: {reason}") from None
    return Manifest.from_json(text, f"manifest {path}")


def write_manifest(path: str | Path, manifest: Manifest) -> None:
    Path(path).write_text(manifest.to_json(), encoding="utf-8")


def signed_layout(
    manifest_path: str | Path, image: str | Path | None = None, *, max_size: int | None = None
) -> Tuple[Layout, bytes, Manifest]:
    """The layout and SIGSTRUCT the manifest at `manifest_path` describes, for `image` (by
    default the image the manifest names, next to it). Raises ImageMismatchError when the
    image differs from the one signed, ManifestError when the SIGSTRUCT does not match."""
    manifest = read_manifest(manifest_path)
    base = Path(manifest_path).parent
    image_path = Path(image) if image is not None else base / manifest.image
    digest = image_sha256(image_path)
    if digest != manifest.image_sha256:
        raise ImageMismatchError(
            f"{image_path} is not the image {manifest_path} was signed for: its SHA-256 is "
            f"{digest}, the manifest says {manifest.image_sha256}; rebuild the same image "
            "or sign this one"
        )
    try:
        layout = layout_from_file(image_path, manifest.params, max_size=max_size)
    except ImageError as error:
        raise ManifestError(f"{manifest_path}: {error}") from None
    measured = mrenclave(layout).hex()
    if measured != manifest.mrenclave:
        raise ManifestError(
            f"{image_path} laid out as {manifest_path} says measures {measured}, the manifest "
            f"says {manifest.mrenclave}: it was signed by an SDK that lays images out differently"
        )
    sigstruct_path = base / manifest.sigstruct
    try:
        sigstruct = sigstruct_path.read_bytes()
    except OSError as error:
        raise ManifestError(f"SIGSTRUCT {sigstruct_path}: {error.strerror}") from None
    try:
        if len(sigstruct) != SIGSTRUCT_SIZE:
            raise SigstructError(f"{len(sigstruct)} bytes, not {SIGSTRUCT_SIZE}")
        signed = read_params(sigstruct)
    except SigstructError as error:
        raise ManifestError(f"SIGSTRUCT {sigstruct_path}: {error}") from None
    if signed.enclavehash.hex() != measured or signed.attributes != manifest.params.attributes:
        raise ManifestError(
            f"SIGSTRUCT {sigstruct_path} signs MRENCLAVE {signed.enclavehash.hex()} with "
            f"attributes 0x{signed.attributes:x}, not the manifest's {measured} with "
            f"0x{manifest.params.attributes:x}"
        )
    return layout, sigstruct, manifest


def sign_image(
    image: str | Path,
    key: RsaPrivateKey,
    params: ImageParams,
    *,
    isvprodid: int = 0,
    isvsvn: int = 0,
    sigstruct_path: str | Path | None = None,
    manifest_path: str | Path | None = None,
) -> Tuple[Manifest, Path, Path]:
    """Lay out, measure and sign `image`; write its SIGSTRUCT and manifest (by default beside
    it: IMAGE.sigstruct, IMAGE.manifest.json). Returns the manifest and both paths."""
    image = Path(image)
    sigstruct_file = Path(sigstruct_path) if sigstruct_path else default_sigstruct_path(image)
    manifest_file = Path(manifest_path) if manifest_path else default_manifest_path(image)
    try:
        layout = layout_from_file(image, params)
    except ImageError as error:
        raise ManifestError(f"{image}: {error}") from None
    sigstruct = sign(layout, key, isvprodid=isvprodid, isvsvn=isvsvn)
    base = manifest_file.resolve().parent
    manifest = Manifest(
        image=os.path.relpath(image.resolve(), base),
        image_sha256=image_sha256(image),
        sigstruct=os.path.relpath(sigstruct_file.resolve(), base),
        mrenclave=mrenclave(layout).hex(),
        mrsigner=mrsigner(key.numbers.modulus.to_bytes(MODULUS_BYTES, "little")).hex(),
        params=dataclasses.replace(params, base=None),
        isvprodid=isvprodid,
        isvsvn=isvsvn,
    )
    sigstruct_file.write_bytes(sigstruct)
    write_manifest(manifest_file, manifest)
    return manifest, sigstruct_file, manifest_file
