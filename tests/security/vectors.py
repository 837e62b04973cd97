"""Hostile HTML from the shared corpus, as a list of vectors to push through every harvest path.

Origins (see ``corpus/SOURCES.md``):

* ``xss/payloadsallthethings/Intruders/*.txt``: XSS payload lists, one payload per line, from
  swisskyrepo/PayloadsAllTheThings "XSS Injection" (MIT). Two of the lists are bare event-handler
  names (``onload``, ``onpointerenter``...), meant to be substituted into a payload by Burp
  Intruder; each name is used as the attribute of an image that fails to load and of an SVG.
* ``xss/payloadsallthethings/Files/*``: hostile SVG/XHTML/XML documents (same origin), each used
  whole as one vector.
* ``feeds/feedparser/wellformed/sanitize/*.xml``: feedparser's sanitizer cases
  (kurtmckee/feedparser, BSD-2-Clause), whole feeds: :func:`sanitizer_feeds` lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

XSS = "xss/payloadsallthethings"
SANITIZER_FEEDS = "feeds/feedparser/wellformed/sanitize"

#: Lists of bare event-handler names rather than payloads.
_HANDLER_LISTS = frozenset(
    {"0xcela_event_handlers.txt", "port_swigger_xss_cheatsheet_event_handlers.txt"}
)

#: Characters XML 1.0 (feeds) and YAML cannot carry; everything else of a vector is kept.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Vector:
    origin: str
    """``<file>:<line>`` in the corpus."""
    text: str


def load_vectors(corpus: Path) -> list[Vector]:
    """Every payload line and hostile file of the XSS corpus, in a stable order."""
    vectors: list[Vector] = []
    for path in sorted((corpus / XSS / "Intruders").glob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            line = line.strip("\r\n")
            if not line.strip():
                continue
            origin = f"{path.name}:{number}"
            if path.name in _HANDLER_LISTS:
                name = line.strip()
                line = f'<img src="x" {name}="alert({number})"><svg {name}="alert({number})">'
            vectors.append(Vector(origin, line))
    for path in sorted((corpus / XSS / "Files").iterdir()):
        vectors.append(Vector(path.name, path.read_text(encoding="utf-8", errors="replace")))
    return vectors


def sanitizer_feeds(corpus: Path) -> list[Path]:
    """feedparser's sanitizer cases: whole feeds with hostile titles, summaries and content."""
    return sorted((corpus / SANITIZER_FEEDS).glob("*.xml"))


def xml_safe(text: str) -> str:
    """``text`` without the control characters XML 1.0 forbids (each becomes a space)."""
    return _NOT_XML.sub(" ", text)


def batches(vectors: list[Vector], size: int) -> list[list[Vector]]:
    """Vectors in groups of ``size`` (many vectors per page keep the browser run short)."""
    return [vectors[i : i + size] for i in range(0, len(vectors), size)]


def as_html(batch: list[Vector]) -> str:
    """One HTML fragment holding every vector of a batch, each in its own paragraph."""
    return "\n".join(f"<p>vector {v.origin}:</p>\n{v.text}" for v in batch)
