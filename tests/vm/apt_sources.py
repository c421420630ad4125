"""Reading the machine's Debian apt source, and writing a private one for backports.

The backports suite is added only to a sources file and lists directory of our own under
the cache, used only by this tier's apt invocations, so it can never upgrade a package on
the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

from tests.vm.proc import VmError

APT_ETC = Path("/etc/apt")


@dataclass(frozen=True)
class AptSource:
    uri: str
    signed_by: str | None


def os_codename(os_release: Path = Path("/etc/os-release")) -> str:
    """The distribution codename (bookworm), from os-release, never from the running kernel."""
    try:
        text = os_release.read_text()
    except OSError as exc:
        raise VmError(f"cannot read {os_release}: {exc}") from exc
    match = re.search(r'^VERSION_CODENAME="?([a-z]+)"?$', text, re.MULTILINE)
    if not match:
        raise VmError(f"no VERSION_CODENAME in {os_release}")
    return match.group(1)


def _deb822_stanzas(text: str) -> Iterator[Dict[str, str]]:
    stanza: Dict[str, str] = {}
    key = ""
    for raw in [*text.splitlines(), ""]:
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if not line:
            if stanza:
                yield stanza
            stanza, key = {}, ""
        elif line[0] in " \t" and key:
            stanza[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            stanza[key] = value.strip()


def _sources_from_deb822(text: str, suite: str) -> Iterator[AptSource]:
    for stanza in _deb822_stanzas(text):
        if "deb" not in stanza.get("types", "").split():
            continue
        if stanza.get("enabled", "yes").lower() == "no":
            continue
        if suite not in stanza.get("suites", "").split():
            continue
        if "main" not in stanza.get("components", "").split():
            continue
        for uri in stanza.get("uris", "").split():
            yield AptSource(uri=uri, signed_by=stanza.get("signed-by"))


# deb [opt=value ...] URI SUITE COMPONENT...
_ONE_LINE = re.compile(
    r"^deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)\s+(?P<comps>.*)$"
)


def _sources_from_one_line(text: str, suite: str) -> Iterator[AptSource]:
    for raw in text.splitlines():
        match = _ONE_LINE.match(raw.split("#", 1)[0].strip())
        if not match or match["suite"] != suite or "main" not in match["comps"].split():
            continue
        options = dict(
            word.split("=", 1) for word in (match["opts"] or "").split() if "=" in word
        )
        yield AptSource(uri=match["uri"], signed_by=options.get("signed-by"))


def debian_source(suite: str, apt_etc: Path = APT_ETC) -> AptSource:
    """The first enabled `deb` source carrying `suite` main, from the machine's apt config."""
    candidates: List[AptSource] = []
    parts = apt_etc / "sources.list.d"
    for path in sorted(parts.glob("*.sources")) if parts.is_dir() else []:
        candidates += _sources_from_deb822(path.read_text(), suite)
    one_line = [apt_etc / "sources.list"]
    one_line += sorted(parts.glob("*.list")) if parts.is_dir() else []
    for path in one_line:
        if path.is_file():
            candidates += _sources_from_one_line(path.read_text(), suite)
    if not candidates:
        raise VmError(
            f"no apt source for suite {suite!r} (component main) in {apt_etc}/sources.list "
            f"or {parts}/*.sources: cannot derive the Debian mirror"
        )
    return candidates[0]


def backports_sources_text(source: AptSource, suite: str) -> str:
    """A deb822 stanza for `suite` on the same mirror and keyring as `source`."""
    lines = ["Types: deb", f"URIs: {source.uri}", f"Suites: {suite}", "Components: main"]
    if source.signed_by:
        # An inline key block keeps its continuation lines indented, as deb822 requires.
        lines.append("Signed-By: " + source.signed_by.replace("\n", "\n "))
    return "\n".join(lines) + "\n"
