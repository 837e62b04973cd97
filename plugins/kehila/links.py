"""The links and images in an item's Markdown, as one parser reads them.

The build (:meth:`kehila.linking.HubLinks.relink` points links between item files at the
published pages) and ``kehila check`` (:mod:`kehila.desk.checks` reports links that lead
nowhere) must agree on what a link is, so both ask :func:`links`. It reads the text with
markdown-it in its CommonMark preset and reports, in the order of the text:

- inline links and images: ``[text](url "title")``, ``![alt](<a b.png>)``, an image inside a
  link's text included;
- autolinks: ``<https://example.org/>``;
- links and images by reference (``[text][label]``, ``[label]``), with the target of their
  definition;
- the reference definitions themselves: ``[label]: url "title"``, used or not.

What only looks like a link is not one: text in code spans, fenced and indented code blocks,
raw HTML and a ``[label]`` without a definition. Two departures from CommonMark follow
Python-Markdown, which renders the pages: a definition on its own line right after text is a
definition, and the indented body of an admonition or a collapsible block (``!!! note``,
``???``, ``???+``, read by mdit-py-plugins' ``admon``) is text, not code.

The build cache does not ask here: to find the pages a page links to (which must be rendered
with it), :mod:`kehila.mkdocs.page_cache` reads any page's source, written in any of MkDocs'
Markdown extensions, with a pattern that finds more than links (in code too). There one link
too many costs a page rendered again, where one too few would cost a wrong page.

markdown-it's tokens carry no positions within a line, and a rewrite must change the
destination where it is written. So the parser's own rules for links, images, autolinks and
definitions are wrapped (through its public ``Ruler``) to note where each destination sits in
the text they read; an inline text is mapped back onto the document's lines.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from markdown_it import MarkdownIt
from mdit_py_plugins.admon import admon_plugin

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline

Kind = Literal["link", "image", "autolink", "definition"]


@dataclass(frozen=True)
class Link:
    """One link, image or reference definition in a Markdown text."""

    kind: Kind
    #: The target as a renderer writes it: ``%``-escaped, entities and ``\\`` escapes decoded
    #: (markdown-it's ``href``, or an image's ``src``); ``""`` for a target it refuses
    #: (``javascript:``).
    href: str
    #: The destination as written, without its angle brackets; ``None`` for a link or image by
    #: reference (its destination is written in the definition, reported on its own).
    written: str | None = None
    #: Where the destination sits in the text, angle brackets included: ``text[start:end]``.
    #: ``None`` for links by reference and where the place is not known (a heading closed by
    #: ``#``, a tab partly taken as indentation).
    span: tuple[int, int] | None = None
    #: A definition's label, as written between its brackets.
    label: str | None = None
    #: Where a link or image starts and ends in the text (``[`` or ``![`` to the last bracket).
    extent: tuple[int, int] | None = None
    #: Where its text (an image's alt text) sits between its brackets.
    text: tuple[int, int] | None = None


def links(markdown: str) -> list[Link]:
    """Every link, image, autolink and reference definition in ``markdown``, in text order."""
    found: list[tuple[int, Link]] = []
    lines = _Lines(markdown)
    env = {_KEY: _Record(lines, found)}
    _PARSER.parse(markdown, env)
    return [link for _, link in sorted(found, key=lambda f: f[0])]


_KEY = "kehila_links"
_NEWLINE = re.compile("\n")
_CRLF = re.compile("\r\n")


class _Lines:
    """Offsets of the document's lines, in the text markdown-it reads and in the original."""

    def __init__(self, text: str) -> None:
        # markdown-it reads "\r\n" and "\r" as "\n": offsets are kept for the original text.
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        # Where each "\r\n" of the original sits in the normalised text.
        self._crlf = [m.start() - n for n, m in enumerate(_CRLF.finditer(text))]

    def line(self, number: int) -> str:
        start = self.starts[number]
        end = self.starts[number + 1] - 1 if number + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def original_offset(self, offset: int) -> int:
        """The offset in the original text of ``offset`` in the normalised one."""
        # Each "\r\n" before it was read as one character.
        return offset + bisect.bisect_left(self._crlf, offset) if self._crlf else offset

    def inline_offsets(self, first_line: int, content: str) -> Callable[[int], int | None]:
        """Map offsets in an inline text (lines ``first_line``... stripped) to the document."""
        pieces = content.split("\n")
        starts: list[int] = []
        places: list[int | None] = []
        at = 0
        for number, piece in enumerate(pieces):
            starts.append(at)
            at += len(piece) + 1
            places.append(self._place(first_line + number, piece))

        def offset(position: int) -> int | None:
            index = bisect.bisect_right(starts, position) - 1
            place = places[index]
            if place is None:
                return None
            return self.original_offset(place + position - starts[index])

        return offset

    def _place(self, number: int, piece: str) -> int | None:
        """Where ``piece``, what markdown-it kept of line ``number``, starts in the document."""
        if number >= len(self.starts):
            return None
        line = self.line(number)
        start = self.starts[number]
        # Indentation and container markers are taken from the front, spaces from the end.
        for kept in (line, line.rstrip(" \t")):
            if kept.endswith(piece):
                return start + len(kept) - len(piece)
        if piece and line.count(piece) == 1:  # an ATX heading closed by #
            return start + line.index(piece)
        return None


@dataclass
class _Record:
    lines: _Lines
    found: list[tuple[int, Link]]
    #: The inline text being parsed and how its offsets map onto the document.
    src: str | None = None
    #: Where the inline text's first line starts: the order of a link not placed exactly.
    base: int = 0
    offset: Callable[[int], int | None] | None = None

    def add(self, at: int, link: Link) -> None:
        self.found.append((at, link))


def _record(state: StateInline | StateCore | StateBlock) -> _Record | None:
    record = state.env.get(_KEY) if isinstance(state.env, dict) else None
    return record if isinstance(record, _Record) else None


def _inline(rule: Callable[[StateCore], None]) -> Callable[[StateCore], None]:
    """The core rule that parses inline texts, noting which text is parsed."""

    def wrapped(state: StateCore) -> None:
        record = _record(state)
        if record is None:
            rule(state)
            return
        for token in state.tokens:
            if token.type != "inline":
                continue
            if token.children is None:
                token.children = []
            if token.map:
                record.src = token.content
                record.base = record.lines.starts[token.map[0]]
                record.offset = record.lines.inline_offsets(token.map[0], token.content)
            else:
                record.src = record.offset = None
            state.md.inline.parse(token.content, state.md, state.env, token.children)
        record.src = record.offset = None

    return wrapped


#: The token that a link or an image starts with.
_OPENS = {"link": "link_open", "image": "image"}


def _bracketed(
    kind: Kind, rule: Callable[[StateInline, bool], bool], skip: int
) -> Callable[[StateInline, bool], bool]:
    """The rule for links (``skip`` 0) or images (``skip`` 1), noting their destinations."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        record = _record(state)
        start = state.pos
        if silent or record is None or state.src is not record.src:
            # Silent: only asked how far the link goes. Another text: an image's alt text.
            return rule(state, silent)
        tokens = len(state.tokens)
        label_end = -1
        if state.src.startswith("!["[1 - skip :], start):
            label_end = state.md.helpers.parseLinkLabel(state, start + skip, not skip)
        if not rule(state, silent):
            return False
        opened = next((t for t in state.tokens[tokens:] if t.type == _OPENS[kind]), None)
        if opened is None or label_end < 0:
            return True
        href = opened.attrGet("href" if kind == "link" else "src")
        href = href if isinstance(href, str) else ""
        written, span = None, None
        after = label_end + 1
        if state.pos > after and state.src[after] == "(":
            written, span = _destination(state, after + 1, record)
        places = [record.offset(p) if record.offset else None for p in (start, label_end)]
        end = record.offset(state.pos - 1) if record.offset else None
        extent = text = None
        if places[0] is not None and places[1] is not None and end is not None:
            extent, text = (places[0], end + 1), (places[0] + 1 + skip, places[1])
        at = record.base if places[0] is None else places[0]
        record.add(at, Link(kind, href, written, span, extent=extent, text=text))
        return True

    return wrapped


def _destination(
    state: StateInline, pos: int, record: _Record
) -> tuple[str | None, tuple[int, int] | None]:
    """The destination written from ``pos`` on (spaces first) and its place in the document."""
    while pos < state.posMax and state.src[pos] in " \t\n":
        pos += 1
    result = state.md.helpers.parseLinkDestination(state.src, pos, state.posMax)
    # An empty destination is no destination to the helper, but a link all the same: "[a]()".
    raw = state.src[pos : result.pos] if result.ok else ""
    written = raw[1:-1] if raw.startswith("<") else raw
    start = record.offset(pos) if record.offset else None
    if start is None or "\n" in raw:
        return written, None
    return written, (start, start + len(raw))


def _autolink(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    def wrapped(state: StateInline, silent: bool) -> bool:
        record = _record(state)
        start = state.pos
        tokens = len(state.tokens)
        if not rule(state, silent):
            return False
        if silent or record is None or state.src is not record.src:
            return True
        opened = next((t for t in state.tokens[tokens:] if t.type == "link_open"), None)
        href = opened.attrGet("href") if opened is not None else ""
        at = record.offset(start) if record.offset else None
        written = state.src[start + 1 : state.pos - 1]
        span = None if at is None else (at, at + len(written) + 2)
        record.add(
            record.base if at is None else at, Link("autolink", str(href or ""), written, span)
        )
        return True

    return wrapped


def _definition(
    rule: Callable[[StateBlock, int, int, bool], bool],
) -> Callable[[StateBlock, int, int, bool], bool]:
    """The block rule for ``[label]: url "title"``, noting where the url is written."""

    def wrapped(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not rule(state, start_line, end_line, silent):
            return False
        record = _record(state)
        if silent or record is None:
            return True
        begin = state.bMarks[start_line] + state.tShift[start_line]
        found = _definition_parts(state, begin)
        if found is not None:
            label, written, href, (start, end) = found
            span = (record.lines.original_offset(start), record.lines.original_offset(end))
            record.add(span[0], Link("definition", href, written, span, label))
        return True

    return wrapped


def _definition_parts(
    state: StateBlock, begin: int
) -> tuple[str, str, str, tuple[int, int]] | None:
    """Label, destination (as written and as href) and its place, of a definition at ``begin``.

    The definition was accepted by markdown-it; this reads it again in the document itself (one
    that runs on within a block quote, with ``>`` on its next lines, is not placed).
    """
    src = state.src
    pos = begin + 1
    while pos < len(src) and src[pos] != "]":
        pos += 2 if src[pos] == "\\" else 1
    label = src[begin + 1 : pos]
    pos += 2  # "]:"
    while pos < len(src) and src[pos] in " \t\n":
        pos += 1
    result = state.md.helpers.parseLinkDestination(src, pos, len(src))
    raw = src[pos : result.pos]
    if not result.ok or not raw or "\n" in raw or "\n>" in src[begin:pos]:
        return None
    written = raw[1:-1] if raw.startswith("<") else raw
    return label, written, state.md.normalizeLink(result.str), (pos, result.pos)


def _parser() -> MarkdownIt:
    # Admonitions and collapsible blocks (``!!! note``, ``???``, ``???+``, as Python-Markdown's
    # admonition and pymdownx.details write them) hold text, not an indented code block.
    md = MarkdownIt("commonmark").use(admon_plugin)
    # Emphasis never changes what is a link (links bind first): not worth parsing.
    md.disable(["emphasis"])
    rules = {rule.__name__: rule for rule in md.inline.ruler.getRules("")}
    md.inline.ruler.at("link", _bracketed("link", rules["link"], 0))
    md.inline.ruler.at("image", _bracketed("image", rules["image"], 1))
    md.inline.ruler.at("autolink", _autolink(rules["autolink"]))
    block = {rule.__name__: rule for rule in md.block.ruler.getRules("")}
    # Python-Markdown, which renders the pages, takes a definition on a line of its own even
    # right after text (CommonMark wants it to start a block): so does this reading.
    md.block.ruler.at("reference", _definition(block["reference"]), {"alt": ["paragraph"]})
    core = {rule.__name__: rule for rule in md.core.ruler.getRules("")}
    md.core.ruler.at("inline", _inline(core["inline"]))
    return md


_PARSER = _parser()
