"""The hub's own feeds carry item HTML to feed readers: it must be as harmless as the pages.

:func:`feed_findings` reads every Atom, RSS and JSON feed under ``site/feeds/`` and parses each
HTML payload (Atom ``content``/``summary`` of ``type="html"``, RSS ``description`` and
``content:encoded``, JSON Feed ``content_html``) as a browser would. It lists script and other
active elements, inline event handlers and ``javascript:``/``vbscript:``/``data:`` URLs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
from lxml import etree

ACTIVE = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "base", "meta",
    "link", "style", "svg", "math", "template", "input", "button", "textarea", "select",
})  # fmt: skip
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "background"})
_IGNORED = re.compile(r"[\t\n\r]")
_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def html_findings(fragment: str, where: str) -> list[str]:
    """What in one HTML payload could run script in a reader that renders it."""
    if not fragment.strip():
        return []
    found = []
    for element in lxml.html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in ACTIVE:
            found.append(f"{where}: <{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{where}: <{element.tag} {name}=...>")
            if name.lower() in _URL_ATTRIBUTES:
                url = _IGNORED.sub("", value).strip("".join(map(chr, range(0x21)))).lower()
                if url.startswith(("javascript:", "vbscript:", "data:")):
                    found.append(f"{where}: <{element.tag} {name}={value[:60]!r}>")
    return found


def feed_findings(site: Path) -> tuple[int, list[str]]:
    """Check every feed of a built site; returns (HTML payloads checked, findings)."""
    checked, found = 0, []
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in sorted((site / "feeds").glob("*")):
        rel = path.relative_to(site).as_posix()
        payloads: list[str] = []
        if path.suffix == ".json":
            for item in json.loads(path.read_text(encoding="utf-8")).get("items", []):
                payloads.append(item.get("content_html") or "")
        elif path.suffix == ".xml":
            root = etree.parse(str(path), parser).getroot()
            for element in root.iter(f"{_ATOM}content", f"{_ATOM}summary"):
                if element.get("type") == "html":
                    payloads.append(element.text or "")
            for element in root.iter("description", _CONTENT):
                payloads.append(element.text or "")
        for number, payload in enumerate(payloads):
            checked += 1
            found.extend(html_findings(payload, f"{rel}[{number}]"))
    return checked, found
