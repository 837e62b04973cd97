"""What "safe" means for harvested text: render it as MkDocs would and look for anything active.

The Markdown is rendered with Python-Markdown and the extensions of the demo hub's mkdocs.yml
(attr_list and md_in_html included, which are the ones that could let text become markup), then
every element and attribute of the HTML is checked.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

import markdown
import yaml

ROOT = Path(__file__).resolve().parents[2]

ACTIVE_TAGS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
        "input", "button", "textarea", "select", "svg", "math", "base", "link", "meta", "template",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml with its tags (``!ENV``, ``!relative``...) as empty values."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _extensions() -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!!", "x")
    config = yaml.load(text, Loader=_ConfigLoader)
    names = []
    for entry in config.get("markdown_extensions", []):
        names.append(next(iter(entry)) if isinstance(entry, dict) else entry)
    return names


EXTENSIONS = _extensions()


class _Finder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style":
                self.problems.append(f"{tag}[style]")
            if name in URL_ATTRIBUTES and value and _BAD_SCHEME.match(_INVISIBLE.sub("", value)):
                self.problems.append(f"{tag}[{name}={value[:40]!r}]")

    handle_startendtag = handle_starttag


def active_content(markdown_text: str) -> list[str]:
    """Every active element, event handler, style or script URL the text renders to."""
    rendered = markdown.markdown(markdown_text, extensions=EXTENSIONS)
    finder = _Finder()
    finder.feed(rendered)
    finder.close()
    return finder.problems
