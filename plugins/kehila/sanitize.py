"""The last line of defence for harvested pages: their rendered HTML, cleaned.

Harvested text is sanitised before it reaches ``content/`` (``kehila.harvest.sanitize``), but
Markdown can still turn text into markup (entities, links); cleaning the page's HTML after
conversion makes that impossible. Used by the MkDocs plugin on every harvested page.
"""

from __future__ import annotations

import functools
import re
import urllib.parse

import nh3

#: What a screen reader is given beside the text (a navigation's label, the disclosure a quote
#: refers to): plain text and references to ids, which carry no script.
_ARIA_NAMES = {"aria-label", "aria-labelledby", "aria-describedby"}
#: Markup that generated pages use; everything else in harvested pages is removed.
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "dir", "title"} | _ARIA_NAMES,
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "time": {"datetime"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "code": {"data-lang"},
}
_ALLOWED_TAGS = nh3.ALLOWED_TAGS | {
    "section", "article", "figure", "figcaption", "time", "span", "div", "details", "summary",
    "mark",
}  # fmt: skip


def sanitize_page_html(html: str) -> str:
    """Remove anything that could run script from a page's rendered content.

    Images from other hosts lose their ``src`` (the ``alt`` text stays): a stranger's image is a
    tracking pixel that tells them who reads the hub, so a visitor's browser never fetches one.
    """
    # The image filter is a Python call per attribute: only pages with an image need it.
    return _cleaner(images=_IMG_TAG.search(html) is not None).clean(html)


_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)


@functools.cache
def _cleaner(*, images: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=_local_images_only if images else None,
    )


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        parts = urllib.parse.urlsplit(value.strip())
        if parts.scheme or parts.netloc or value.strip().startswith(("//", "\\")):
            return None
    return value
