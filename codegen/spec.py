"""Load abi/vmpl_sgx.yaml and check it against abi/schema.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .model import Model, build

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "abi" / "vmpl_sgx.yaml"
SCHEMA_PATH = ROOT / "abi" / "schema.yaml"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which plain YAML silently merges."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def validate(spec: Any) -> None:
    """Raise jsonschema.ValidationError naming the first offending key."""
    schema = load_yaml(SCHEMA_PATH)
    jsonschema.Draft202012Validator(schema).validate(spec)


def load_model(path: Path = SPEC_PATH) -> Model:
    spec = load_yaml(path)
    validate(spec)
    return build(spec)
