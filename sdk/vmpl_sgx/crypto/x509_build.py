"""Writing X.509 certificates for the SEH model's test chain (ARK -> ASK -> VCEK).

Only the shape AMD's certificates have: version 3, RSASSA-PSS-SHA-384 signatures by an RSA
issuer, an RSA or P-384 subject key, a common name, and extensions given as OID -> DER value.
"""

from __future__ import annotations

import datetime
from typing import Dict, Union

from vmpl_sgx.crypto import der, p384, rsa_pss
from vmpl_sgx.crypto.x509 import (
    OID_COMMON_NAME,
    OID_EC_PUBLIC_KEY,
    OID_MGF1,
    OID_RSA_ENCRYPTION,
    OID_RSASSA_PSS,
    OID_SECP384R1,
    OID_SHA384,
)

SubjectKey = Union[rsa_pss.RsaPublic, p384.Point]


def pss_algorithm() -> bytes:
    """AlgorithmIdentifier of RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt."""
    sha384 = der.encode_sequence(der.encode_oid(OID_SHA384))
    params = der.encode_sequence(
        der.encode_explicit(0, sha384),
        der.encode_explicit(1, der.encode_sequence(der.encode_oid(OID_MGF1), sha384)),
        der.encode_explicit(2, der.encode_integer(rsa_pss.SALT_SIZE)),
    )
    return der.encode_sequence(der.encode_oid(OID_RSASSA_PSS), params)


def name(common_name: str, organization: str = "vmpl-sgx test chain") -> bytes:
    def rdn(oid: str, value: str) -> bytes:
        attribute = der.encode_sequence(
            der.encode_oid(oid), der.encode(der.UTF8_STRING, value.encode())
        )
        return der.encode(der.SET, attribute)

    return der.encode_sequence(rdn("2.5.4.10", organization), rdn(OID_COMMON_NAME, common_name))


def _time(moment: datetime.datetime) -> bytes:
    return der.encode(der.GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode())


def _public_key_info(key: SubjectKey) -> bytes:
    if isinstance(key, rsa_pss.RsaPublic):
        algorithm = der.encode_sequence(
            der.encode_oid(OID_RSA_ENCRYPTION), der.encode(der.NULL, b"")
        )
        body = der.encode_sequence(
            der.encode_integer(key.modulus), der.encode_integer(key.exponent)
        )
    else:
        algorithm = der.encode_sequence(
            der.encode_oid(OID_EC_PUBLIC_KEY), der.encode_oid(OID_SECP384R1)
        )
        body = p384.encode_point((key[0], key[1]))
    return der.encode_sequence(algorithm, der.encode_bit_string(body))


def build(
    *,
    serial: int,
    issuer: bytes,
    subject: bytes,
    subject_key: SubjectKey,
    signer: rsa_pss.RsaPrivate,
    extensions: Dict[str, bytes],
    not_before: datetime.datetime,
    years: int = 25,
) -> bytes:
    """A DER certificate signed by `signer`; `extensions` maps OIDs to DER-encoded values."""
    not_after = not_before.replace(year=not_before.year + years)
    fields = [
        der.encode_explicit(0, der.encode_integer(2)),
        der.encode_integer(serial),
        pss_algorithm(),
        issuer,
        der.encode_sequence(_time(not_before), _time(not_after)),
        subject,
        _public_key_info(subject_key),
    ]
    if extensions:
        entries = [
            der.encode_sequence(der.encode_oid(oid), der.encode(der.OCTET_STRING, value))
            for oid, value in extensions.items()
        ]
        fields.append(der.encode_explicit(3, der.encode_sequence(*entries)))
    tbs = der.encode_sequence(*fields)
    signature = rsa_pss.sign(signer, tbs)
    return der.encode_sequence(tbs, pss_algorithm(), der.encode_bit_string(signature))
