"""GET_INFO's answer as a plain value: versions, transport, capabilities and limits."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Union

from vmpl_sgx._abi import Cap, Info, Transport

JsonValue = Union[int, str, List[str]]


@dataclasses.dataclass(frozen=True)
class BackendInfo:
    size: int
    """Bytes of struct vmpl_sgx_info the backend filled."""
    api_version: int
    seh_protocol: int
    seh_version: int
    transport: int
    capabilities: int
    max_pages_per_call: int
    max_run_buffer: int
    max_enclave_size: int

    @classmethod
    def from_struct(cls, info: Info) -> BackendInfo:
        return cls(
            size=info.size,
            api_version=info.api_version,
            seh_protocol=info.seh_protocol,
            seh_version=info.seh_version,
            transport=info.transport,
            capabilities=info.capabilities,
            max_pages_per_call=info.max_pages_per_call,
            max_run_buffer=info.max_run_buffer,
            max_enclave_size=info.max_enclave_size,
        )

    @property
    def transport_name(self) -> str:
        try:
            return Transport(self.transport).name.lower()
        except ValueError:
            return f"unknown ({self.transport})"

    @property
    def capability_names(self) -> List[str]:
        names = [cap.name.lower() for cap in Cap if cap.name and self.capabilities & cap]
        unknown = self.capabilities & ~sum(int(cap) for cap in Cap)
        if unknown:
            names.append(f"0x{unknown:x}")
        return names

    def has(self, capability: Cap) -> bool:
        return bool(self.capabilities & capability)

    def as_dict(self) -> Dict[str, JsonValue]:
        """JSON-ready: the fields, with transport and capabilities also by name."""
        data: Dict[str, JsonValue] = dict(dataclasses.asdict(self))
        data["transport_name"] = self.transport_name
        data["capability_names"] = self.capability_names
        return data
