"""Remote attestation of vmpl-sgx enclaves: SNP reports, the SVSM manifest, and their verifier.

Pure Python, standard library only. `snp_report`, `manifest` and `cert_table` read and write
the formats; `verify` checks a quote from AMD's root (or a given root) down to an enclave's
identity.
"""
