"""Turning hostile harvested HTML and text into safe Markdown and plain text.

Everything a source brings in passes through here before it reaches ``content/``:

1. :func:`clean_html` runs nh3 with the harvest policy (:data:`kehila.sanitize.HARVEST`, beside
   Kehila's other sanitiser policies): text structure, links and images with ``http(s)`` URLs
   only. Scripts, styles, iframes, objects, forms, SVG/MathML and templates are removed *with
   their content*; every event-handler attribute, ``style`` and ``javascript:``/``data:`` URL is
   dropped. Every relative URL (``x``, ``../x``, ``/x``, ``//host/x``) is resolved against the
   document's base (:func:`absolute_url`, the one rule of every source); one that cannot be
   resolved is dropped, since on the hub it would point at a page of the hub instead.
2. :func:`html_to_markdown` converts the clean HTML with `markdownify`_. Text is escaped for
   Markdown *as MkDocs renders it* (Python-Markdown with ``attr_list`` and ``md_in_html``): ``<``,
   ``>`` and ``&`` become entities and ``[``, ``]``, ``{``, ``}`` are backslash-escaped, so text
   that merely *looks* like HTML, a link or an attribute list can never become one. URLs are
   percent-encoded so that they cannot break out of ``(...)``.
3. :func:`mask_contacts` replaces e-mail addresses and phone numbers with ``[email hidden]`` and
   ``[phone hidden]`` (on by default for every source; ``mask_contacts: false`` turns it off).

:func:`plain_text` is for fields the templates escape themselves (titles, quotes, names): tags are
stripped (:data:`kehila.sanitize.HARVEST_TEXT`), entities decoded and whitespace collapsed.

.. _markdownify: https://github.com/matthewwithanm/python-markdownify
"""

from __future__ import annotations

import functools
import html
import re
import urllib.parse
import warnings
from typing import Any

from bs4 import MarkupResemblesLocatorWarning
from kehila.sanitize import HARVEST, HARVEST_TEXT
from markdownify import MarkdownConverter

#: The schemes a harvested URL may have (the harvest policy's).
URL_SCHEMES = HARVEST.url_schemes

#: Characters a URL may keep as they are in Markdown ``(...)``; everything else is %-encoded.
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
# A run of digits with phone-like separators; checked further in _phone() (7 to 15 digits).
_PHONE_CANDIDATE = re.compile(r"(?<![\w+/.-])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?![\w%-])")
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|h[1-6]|tr|td|th|blockquote|figure|figcaption|pre|hr|section)\b", re.I
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def clean_html(fragment: str, *, base_url: str | None = None) -> str:
    """Sanitise an HTML fragment with the harvest policy (see the module documentation).

    Args:
        fragment: The HTML, as harvested.
        base_url: The address relative URLs are resolved against (the page the HTML comes
            from); without one, relative URLs are dropped.
    """
    return HARVEST.clean(
        fragment,
        attribute_filter=functools.partial(_filter_attribute, base_url=_http_base(base_url)),
    )


def html_to_markdown(fragment: str, *, base_url: str | None = None, mask: bool = True) -> str:
    """Hostile HTML in, safe Markdown out (sanitised, converted, contacts masked).

    Relative URLs are resolved against ``base_url`` (see :func:`clean_html`).
    """
    with warnings.catch_warnings():
        # BeautifulSoup warns when a fragment looks like a URL or file name; it is still HTML.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        markdown = _Converter(
            heading_style="ATX",
            bullets="-",
            escape_misc=False,
            autolinks=False,
        ).convert(clean_html(fragment, base_url=base_url))
    markdown = re.sub(r"[ \t]+\n", "\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return mask_contacts(markdown) if mask else markdown


def text_to_markdown(text: str, *, mask: bool = True) -> str:
    """Plain text (a form answer) as Markdown paragraphs that render as exactly that text."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    escaped = [
        "  \n".join(_escape_markdown(line.strip()) for line in p.split("\n"))
        for p in paragraphs
        if p
    ]
    result = "\n\n".join(escaped)
    return mask_contacts(result) if mask else result


def plain_text(value: str, *, mask: bool = True) -> str:
    """A one-line plain string from HTML or text: tags stripped, entities decoded."""
    # Block boundaries become spaces, so "<p>a</p><p>b</p>" reads "a b", not "ab".
    spaced = _BLOCK_TAG.sub(r" \g<0>", value)
    stripped = HARVEST_TEXT.clean(spaced)
    text = " ".join(html.unescape(stripped).split())
    return mask_contacts(text) if mask else text


def mask_contacts(text: str) -> str:
    """Replace e-mail addresses and phone numbers; URLs (with their digits) are left alone."""
    pieces: list[str] = []
    last = 0
    for url in _URL.finditer(text):
        pieces.append(_mask_span(text[last : url.start()]))
        pieces.append(url.group(0))
        last = url.end()
    pieces.append(_mask_span(text[last:]))
    return "".join(pieces)


def _mask_span(text: str) -> str:
    text = _EMAIL.sub(EMAIL_MASK, text)
    return _PHONE_CANDIDATE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    candidate = match.group(0)
    # Trailing separators belong to the sentence, not the number.
    core = candidate.rstrip(" .-/()")
    tail = candidate[len(core) :]
    digits = sum(ch.isdigit() for ch in core)
    if not 7 <= digits <= 15 or _DATE_LIKE.match(core.strip()):
        return candidate
    # A bare run of digits without a leading + is more often an id or amount than a phone.
    if core.isdigit() and len(core) < 9:
        return candidate
    return PHONE_MASK + tail


def absolute_url(url: str, base_url: str | None) -> str | None:
    """``url`` resolved against ``base_url`` as a browser would, if the result is ``http(s)``.

    >>> absolute_url("../img/x.png", "https://blog.example/2026/post.html")
    'https://blog.example/img/x.png'
    >>> absolute_url("//cdn.example/x.png", "https://blog.example/")
    'https://cdn.example/x.png'
    >>> absolute_url("x.png", None) is None
    True
    """
    try:
        joined = urllib.parse.urljoin(base_url or "", url.strip())
        parts = urllib.parse.urlsplit(joined)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not parts.hostname:
        return None
    return joined


def _http_base(base_url: str | None) -> str | None:
    """``base_url`` if it is an absolute ``http(s)`` URL (nothing else may be resolved against)."""
    return absolute_url(base_url, None) if base_url else None


def _filter_attribute(tag: str, attribute: str, value: str, *, base_url: str | None) -> str | None:
    if attribute not in {"href", "src"}:
        return value
    # What a browser would see after Markdown and HTML decoding: entities (even without ';'),
    # percent-escapes and invisible characters must not hide a scheme nh3 did not allow.
    probe = value
    for _ in range(3):
        probe = html.unescape(urllib.parse.unquote(probe))
    probe = _INVISIBLE.sub("", probe).lower()
    scheme = _SCHEME.match(probe)
    if scheme and scheme.group(1) not in URL_SCHEMES:
        return None
    if not scheme and ":" in probe.split("/", 1)[0]:
        return None
    resolved = absolute_url(value, base_url)
    if resolved is None:
        return None
    value = resolved
    # Percent-encode what could end a Markdown link; '&' as an entity so none can be formed.
    return urllib.parse.quote(value.strip(), safe=_URL_SAFE).replace("&", "&amp;")


def _escape_markdown(text: str) -> str:
    text = text.replace("\\", "\\\\")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\[\]{}`*_])", r"\\\1", text)
    # A line that starts like a heading, list item or rule must stay a paragraph.
    text = re.sub(r"^(#{1,6}|[-+]|\d+[.)])(?=\s|$)", lambda m: _escape_leading(m.group(1)), text)
    return text


def _escape_leading(marker: str) -> str:
    if marker[0].isdigit():
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


class _Converter(MarkdownConverter):
    """markdownify, with text escaped for Python-Markdown (no raw HTML, links or attr lists)."""

    def escape(self, text: str, parent_tags: set[str]) -> str:
        if not text:
            return ""
        text = text.replace("\\", "\\\\")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = re.sub(r"([\[\]{}`])", r"\\\1", text)
        return super().escape(text, parent_tags)

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # An image whose URL the sanitiser removed is no image at all.
        if not el.get("src"):
            return ""
        return str(super().convert_img(el, text, parent_tags))

    def convert_pre(self, el: object, text: str, parent_tags: set[str]) -> str:
        # A fence longer than any run of backticks inside, so the block cannot be closed early.
        if not text.strip("\n"):
            return ""
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}\n{text.strip(chr(10))}\n{fence}\n\n"


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…`` if cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:-") + "…"


def first_sentence(text: str, limit: int = 80) -> str:
    """The first sentence of ``text`` (shortened): a default title for items without one."""
    return shorten(text.split(". ")[0].strip(), limit)
