"""The local links of README.md, per site, for the tests that follow them.

A path in backticks ("`/gestion/caja/`"), an address on localhost ("<http://localhost:8000/>")
and a relative link to a file ("[docs/helpdesk.md](docs/helpdesk.md)"). The help desk's
section (":8001") and its addresses belong to the help desk; every other path to the store.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
STORE_PORT, HELPDESK_PORT = "8000", "8001"

_PATH = re.compile(r"`(/[\w./-]*)`")
_LOCALHOST = re.compile(r"https?://localhost:(\d+)(/[\w./-]*)")
_FILE_LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s]+)\)")
# Named in the README as a prefix, not as a page of its own.
PREFIXES = {"/api/v1/"}


def _sections() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.M)
    return [(part.splitlines()[0] if part else "", part) for part in parts]


def readme_paths(site: str) -> list[str]:
    """The local paths the README names for ``site`` ("store" or "helpdesk")."""
    port = HELPDESK_PORT if site == "helpdesk" else STORE_PORT
    paths: set[str] = set()
    for title, text in _sections():
        section_site = "helpdesk" if HELPDESK_PORT in title else "store"
        for found_port, path in _LOCALHOST.findall(text):
            if found_port == port:
                paths.add(path)
        if section_site == site:
            paths |= {p for p in _PATH.findall(text) if "localhost" not in p}
    return sorted(paths - PREFIXES)


def readme_files() -> list[Path]:
    """The files the README links to (documents, images), relative to the repository."""
    root = README.parent
    return sorted({root / link.split("#")[0] for link in _FILE_LINK.findall(README.read_text())})
