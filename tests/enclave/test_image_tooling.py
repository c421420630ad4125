"""Image-level tooling: `vmpl-sgx measure|sign|run ENCLAVE.elf` and EnclaveApp.load with the
manifest sign writes, which reproduces the layout and refuses any other image."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from vmpl_sgx import cli
from vmpl_sgx._abi import Attr
from vmpl_sgx.app import EnclaveApp
from vmpl_sgx.enclave import Enclave
from vmpl_sgx.image import EnclaveTooLargeError, ImageParams, layout_from_file
from vmpl_sgx.layout import mrenclave
from vmpl_sgx.manifest import ImageMismatchError, ManifestError
from vmpl_sgx.rsa import RsaPrivateKey
from vmpl_sgx.samples import FAULTS_COUNT, FAULTS_THREAD_INDEX
from vmpl_sgx.samples.records_u import RecordsApp

PARAMS = ImageParams(threads=3, heap_size=0x4000, stack_size=0x8000, nssa=3)


@pytest.fixture
def signed(images: Dict[str, Path], key: RsaPrivateKey, tmp_path: Path) -> Path:
    """The faults image signed by the CLI with non-default parameters, hex included."""
    image = tmp_path / "faults.elf"
    shutil.copy(images["faults"], image)
    pem = tmp_path / "key.pem"
    pem.write_text(key.to_pkcs1_pem())
    status = cli.main([
        "sign", str(image), "--key", str(pem), "--threads", "3", "--heap", "0x4000",
        "--stack", "0x8000", "--ssa-frames", "3", "--isvprodid", "0x12", "--isvsvn", "7",
        "--no-debug",
    ])
    assert status == 0
    return image


def _run_json(argv: List[str], capsys: pytest.CaptureFixture[str]) -> Dict[str, object]:
    capsys.readouterr()
    status = cli.main([*argv, "--json"])
    document: Dict[str, object] = json.loads(capsys.readouterr().out)
    document["exit"] = status
    return document


def test_sign_writes_sigstruct_and_manifest(signed: Path) -> None:
    manifest = json.loads(Path(f"{signed}.manifest.json").read_text())
    assert Path(f"{signed}.sigstruct").stat().st_size == 1808
    expected = mrenclave(layout_from_file(signed, PARAMS)).hex()
    assert manifest["mrenclave"] == expected
    sizes = (manifest["threads"], manifest["heap_size"], manifest["stack_size"])
    assert sizes == (3, 0x4000, 0x8000)
    assert (manifest["ssa_frames"], manifest["isvprodid"], manifest["isvsvn"]) == (3, 0x12, 7)
    assert manifest["debug"] is False and not manifest["attributes"] & Attr.DEBUG
    assert manifest["image"] == "faults.elf" and manifest["sigstruct"] == "faults.elf.sigstruct"


def test_measure_follows_the_manifest(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = mrenclave(layout_from_file(signed, PARAMS)).hex()
    assert _run_json(["measure", str(signed)], capsys)["mrenclave"] == expected
    # Layout options instead of the manifest: a different enclave.
    default = _run_json(["measure", str(signed), "--threads", "1"], capsys)
    assert default["mrenclave"] == mrenclave(layout_from_file(signed, ImageParams())).hex()
    assert default["mrenclave"] != expected


def test_run_reproduces_the_signed_enclave(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _run_json(
        ["run", str(signed), "--backend", "simulator", "--ecall", str(FAULTS_COUNT)], capsys
    )
    assert result["exit"] == 0 and result["status"] == "OK"
    assert result["output"] == struct.pack("<Q", 1).hex()
    assert (result["isvprodid"], result["isvsvn"]) == (0x12, 7)
    assert not int(str(result["attributes"])) & Attr.DEBUG


def test_run_refuses_another_image(
    signed: Path, images: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.elf"
    shutil.copy(images["sha256"], other)
    manifest = f"{signed}.manifest.json"
    status = cli.main(["run", str(other), "--manifest", manifest, "--backend", "simulator"])
    assert status == 1
    assert "is not the image" in capsys.readouterr().err
    status = cli.main(["measure", str(signed), "--manifest", manifest, "--heap", "0"])
    assert status == 2


def test_app_load_with_manifest(signed: Path, new_enclave: Callable[[], Enclave]) -> None:
    manifest = f"{signed}.manifest.json"
    with EnclaveApp.load(signed, backend=new_enclave(), manifest=manifest) as app:
        assert len(app.tcs_offsets) == 3
        assert mrenclave(app.layout) == mrenclave(layout_from_file(signed, PARAMS))
        assert struct.unpack("<Q", app.ecall(FAULTS_THREAD_INDEX, thread=2))[0] == 2
        assert app.enclave.identity.isv_prod_id == 0x12


def test_app_load_refuses_mismatches(
    signed: Path, images: Dict[str, Path], key: RsaPrivateKey, new_enclave: Callable[[], Enclave]
) -> None:
    manifest = f"{signed}.manifest.json"
    with pytest.raises(ImageMismatchError, match="SHA-256"):
        EnclaveApp.load(images["sha256"], backend=new_enclave(), manifest=manifest)
    with pytest.raises(ManifestError, match="fixes the layout"):
        EnclaveApp.load(signed, key, new_enclave(), manifest=manifest)
    # A SIGSTRUCT swapped for another enclave's is caught before INIT.
    other = signed.with_name("other.elf")
    shutil.copy(images["sha256"], other)
    pem = signed.with_name("key.pem")
    assert cli.main(["sign", str(other), "--key", str(pem)]) == 0
    shutil.copy(f"{other}.sigstruct", f"{signed}.sigstruct")
    with pytest.raises(ManifestError, match="signs MRENCLAVE"):
        EnclaveApp.load(signed, backend=new_enclave(), manifest=manifest)


def test_edl_app_with_manifest(
    images: Dict[str, Path], key: RsaPrivateKey, tmp_path: Path,
    new_enclave: Callable[[], Enclave],
) -> None:
    image = tmp_path / "records.elf"
    shutil.copy(images["records"], image)
    pem = tmp_path / "key.pem"
    pem.write_text(key.to_pkcs1_pem())
    assert cli.main(["sign", str(image), "--key", str(pem), "--stack", "0x40000"]) == 0
    with RecordsApp.load(image, backend=new_enclave(), manifest=f"{image}.manifest.json") as app:
        data = bytes(40000)  # fits only the 256 KiB stack the manifest asks for
        digest = bytearray(32)
        app.digest(data, len(data), digest)
        assert digest == hashlib.sha256(data).digest()


def test_json_layouts_take_no_image_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["measure", "sample", "--threads", "2"]) == 2
    assert "ELF images only" in capsys.readouterr().err


def test_oversized_heap_is_a_typed_error_before_any_work(
    images: Dict[str, Path], key: RsaPrivateKey, new_enclave: Callable[[], Enclave],
    capsys: pytest.CaptureFixture[str],
) -> None:
    huge = ImageParams(heap_size=100 << 30)  # 100 GiB: never allocated, refused up front
    with pytest.raises(EnclaveTooLargeError, match="above the SEH's max_enclave_size 0x"):
        EnclaveApp.load(images["faults"], key, new_enclave(), huge)
    status = cli.main([
        "run", str(images["faults"]), "--heap", str(100 << 30), "--backend", "simulator",
    ])
    assert status == 1
    assert "max_enclave_size" in capsys.readouterr().err
