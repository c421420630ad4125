"""AMD's chain taken from a `cert_chain` PEM file, and the product check of every verification.

The real certificates and report come from the `omne-attest` package (version 0.1.0,
Apache-2.0, a dev dependency): AMD's Milan ASK and ARK as AMD's key distribution service
serves them, a report captured on a rented AMD Milan confidential VM and that chip's VCEK. They
are read from the installed package; tests/attestation/README.md says more.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import importlib.resources
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.attestation.test_verify import ENCLAVE, EXPECT, make_quote
from tests.attestation.test_verify import NONCE as QUOTE_NONCE
from vmpl_sgx import cli
from vmpl_sgx.attestation import amd_chain, errors, manifest, snp_report
from vmpl_sgx.attestation.quote import Quote
from vmpl_sgx.attestation.verify import verify_quote, verify_snp_report
from vmpl_sgx.crypto import rsa_pss, x509, x509_build
from vmpl_sgx.seh.trust import Platform, SehTrust

NONCE = hashlib.sha512(b"amd chain nonce").digest()


def vector(name: str) -> bytes:
    return (importlib.resources.files("omne_attest") / "vectors" / name).read_bytes()


REPORT = vector("attestation.bin")
ARK_DER = vector("milan_ark.der")
ASK_DER = vector("milan_ask.der")
VCEK_DER = vector("kds_vcek.der")


def pem(*ders: bytes) -> str:
    blocks = []
    for der in ders:
        body = base64.b64encode(der).decode("ascii")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        blocks.append(
            "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"])
        )
    return "\n".join(blocks) + "\n"


@pytest.fixture
def chain_file(tmp_path: Path) -> Path:
    path = tmp_path / "cert_chain"
    path.write_text(pem(ASK_DER, ARK_DER))  # AMD's order: ASK, then ARK
    return path


@pytest.fixture(scope="module")
def model() -> SehTrust:
    return SehTrust()


def self_signed(common_name: str) -> x509.Certificate:
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()
    key = rsa_pss.RsaPrivate(
        numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q
    )
    name = x509_build.name(common_name)
    return x509.parse_der(
        x509_build.build(
            serial=7,
            issuer=name,
            subject=name,
            subject_key=key.public,
            signer=key,
            extensions={},
            not_before=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
        )
    )


def test_the_real_report_verifies_from_a_cert_chain_file(chain_file: Path) -> None:
    chain = amd_chain.load_amd_chain(chain_file)
    assert chain.product == "Milan"
    assert chain.ark.der == ARK_DER and chain.ask.der == ASK_DER
    vcek = x509.parse_der(VCEK_DER)
    result = verify_snp_report(REPORT, anchor=chain.ark, ask=chain.ask, vcek=vcek)
    assert result.product == "Milan-B0"


def test_a_chain_file_in_the_wrong_order_or_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.AmdChainError, match="not the ARK"):
        amd_chain.parse_amd_chain(pem(ARK_DER, ASK_DER))
    with pytest.raises(errors.AmdChainError, match="1 certificates"):
        amd_chain.parse_amd_chain(pem(ARK_DER))
    with pytest.raises(errors.AmdChainError, match="3 certificates"):
        amd_chain.parse_amd_chain(pem(ASK_DER, ARK_DER, VCEK_DER))
    with pytest.raises(errors.AmdChainError, match="not a PEM"):
        amd_chain.parse_amd_chain(ARK_DER + ASK_DER)  # DER, not PEM
    with pytest.raises(errors.AmdChainError, match="not the Milan ASK"):
        amd_chain.parse_amd_chain(pem(VCEK_DER, ARK_DER))


def test_an_ark_that_is_not_self_signed_is_refused() -> None:
    broken = bytearray(ARK_DER)
    broken[-1] ^= 0x01  # the last byte of the ARK's own signature
    with pytest.raises(errors.AmdChainError, match="ARK self-signature"):
        amd_chain.parse_amd_chain(pem(ASK_DER, bytes(broken)))


def test_an_ask_the_ark_did_not_sign_is_refused(model: SehTrust) -> None:
    # The SEH model's ASK is named "SEV-Milan (vmpl-sgx model)"; AMD's ARK is not its issuer.
    with pytest.raises(errors.AmdChainError, match="ASK: issuer name"):
        amd_chain.parse_amd_chain(pem(model.chain.ask, ARK_DER))
    # And AMD's ASK under the model's ARK, the other way round.
    with pytest.raises(errors.AmdChainError, match="ASK: "):
        amd_chain.parse_amd_chain(pem(ASK_DER, model.chain.ark))


def test_the_anchor_must_be_the_vceks_product() -> None:
    vcek = x509.parse_der(VCEK_DER)
    ask = x509.parse_der(ASK_DER)
    with pytest.raises(errors.ProductMismatchError, match="VCEK is for 'Milan-B0'"):
        verify_snp_report(REPORT, anchor=self_signed("ARK-Genoa"), ask=ask, vcek=vcek)
    with pytest.raises(errors.ProductMismatchError, match="not an ARK"):
        verify_snp_report(REPORT, anchor=self_signed("Some Root"), ask=ask, vcek=vcek)
    genoa = self_signed("ARK-Genoa")
    with pytest.raises(errors.AmdChainError, match="not the Genoa ASK"):
        amd_chain.parse_amd_chain(pem(ASK_DER, genoa.der))


def test_the_anchor_must_be_the_reports_cpuid_product(model: SehTrust) -> None:
    # A version-3 model report whose CPUID says Genoa, under a Milan chain: refused before
    # any signature is checked, naming both products.
    genoa_cpu = SehTrust(platform=Platform(cpuid=bytes([0x19, 0x11, 0x01])))
    raw = genoa_cpu.snp_report(bytes(64))
    chain = genoa_cpu.chain
    with pytest.raises(errors.ProductMismatchError, match="CPUID 191101 is Genoa"):
        verify_snp_report(
            raw,
            anchor=x509.parse_der(chain.ark),
            ask=x509.parse_der(chain.ask),
            vcek=x509.parse_der(chain.vcek),
        )
    unknown = SehTrust(platform=Platform(cpuid=bytes([0x17, 0x31, 0x00])))  # Rome: no SNP
    with pytest.raises(errors.ProductMismatchError, match="no known product"):
        verify_snp_report(
            unknown.snp_report(bytes(64)),
            anchor=x509.parse_der(chain.ark),
            ask=x509.parse_der(chain.ask),
            vcek=x509.parse_der(chain.vcek),
        )


@pytest.mark.parametrize(
    ("cpuid", "product"),
    [
        ("190101", "Milan"),
        ("190001", "Milan"),
        ("191101", "Genoa"),
        ("19a001", "Genoa"),
        ("1a0200", "Turin"),
        ("1a1100", "Turin"),
        ("173100", None),
        ("192100", None),
    ],
)
def test_cpuid_names_the_product(cpuid: str, product: str | None) -> None:
    assert amd_chain.cpuid_product(bytes.fromhex(cpuid)) == product


def test_the_vcek_url_names_the_reports_chip_and_tcb() -> None:
    report = snp_report.decode(REPORT)
    url = amd_chain.vcek_url("Milan", report)
    assert url == (
        "https://kdsintf.amd.com/vcek/v1/Milan/"
        f"{report.chip_id.hex()}?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68"
    )
    turin = amd_chain.vcek_url("Turin", report)
    assert f"/Turin/{report.chip_id[:8].hex()}?fmcSPL=" in turin


def test_verify_quote_takes_an_amd_chain(model: SehTrust, tmp_path: Path) -> None:
    # The model's own chain written the way AMD serves one: verify_quote anchors in it.
    (tmp_path / "model_chain").write_text(pem(model.chain.ask, model.chain.ark))
    chain = amd_chain.load_amd_chain(tmp_path / "model_chain")
    quote = make_quote(model, ENCLAVE)
    verified = verify_quote(quote, QUOTE_NONCE, EXPECT, amd_chain=chain)
    assert verified.enclave.mrenclave == ENCLAVE.mrenclave
    assert verified.snp.product == "Milan-B0"
    with pytest.raises(ValueError, match="not both"):
        verify_quote(quote, QUOTE_NONCE, EXPECT, amd_chain=chain, anchor=chain.ark)
    with pytest.raises(ValueError, match="no trust anchor"):
        verify_quote(quote, QUOTE_NONCE, EXPECT)
    # AMD's real chain is not the anchor of the model's quote.
    amd = amd_chain.parse_amd_chain(pem(ASK_DER, ARK_DER))
    with pytest.raises(errors.ChainError):
        verify_quote(quote, QUOTE_NONCE, EXPECT, amd_chain=amd)


def real_quote(tmp_path: Path) -> Path:
    """The real report in a quote with a manifest it does not bind and no certificates."""
    services = manifest.encode({manifest.ENCLAVE_SERVICE_GUID: bytes(384)})
    path = tmp_path / "real.quote"
    path.write_bytes(Quote(REPORT, services, b"").to_bytes())
    return path


def test_cli_amd_chain_and_vcek_files(
    chain_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vcek = tmp_path / "vcek.pem"
    vcek.write_text(pem(VCEK_DER))
    quote = str(real_quote(tmp_path))
    base = ["verify", quote, "--nonce", NONCE.hex(), "--mrsigner", "00" * 32, "--json"]

    # AMD's chain and the VCEK verify; what stops the real report is that it binds no
    # vmpl-sgx manifest: the first check after the chain, signature and VMPL.
    assert cli.main([*base, "--amd-chain", str(chain_file), "--vcek", str(vcek)]) == 5
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "ReportDataError"

    assert cli.main([*base, "--amd-chain", str(chain_file)]) == 5
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "ChainError"
    assert "lacks the VCEK" in error["message"]

    (tmp_path / "swapped").write_text(pem(ARK_DER, ASK_DER))
    assert cli.main([*base, "--amd-chain", str(tmp_path / "swapped"), "--vcek", str(vcek)]) == 5
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "AmdChainError"
    assert error["message"].startswith("amd-chain:")


def test_cli_anchor_and_amd_chain_exclude_each_other(chain_file: Path, tmp_path: Path) -> None:
    quote = str(real_quote(tmp_path))
    base = ["verify", quote, "--nonce", NONCE.hex(), "--mrsigner", "00" * 32]
    with pytest.raises(SystemExit) as caught:
        cli.main([*base, "--amd-chain", str(chain_file), "--anchor", str(chain_file)])
    assert caught.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as caught:
        cli.main(base)
    assert caught.value.code == cli.EXIT_USAGE
