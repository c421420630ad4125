"""Cryptography the SEH model and the attestation verifier need, in pure Python.

Standard library only, so the SDK keeps zero run-time dependencies. Each module has one job:
`aes` (the AES-128 block cipher), `cmac` (SP 800-38B), `p384` (ECDSA over NIST P-384),
`rsa_pss` (RSASSA-PSS with SHA-384), `der` (the DER subset X.509 uses), `x509` (reading
certificates) and `x509_build` (writing the model's test certificates). None of it is
constant-time beyond the MAC comparison: it models hardware and checks public data, it does
not guard long-lived secrets against local side channels.
"""
