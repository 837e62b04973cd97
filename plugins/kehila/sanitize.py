"""Every HTML sanitiser policy of Kehila, side by side: what each lets through, and why.

Kehila cleans HTML with `nh3 <https://nh3.readthedocs.io>`_ (the Rust ``ammonia`` sanitiser)
wherever markup crosses a trust boundary. Each crossing has its own allow-list, a
:class:`Policy` constant here:

- :data:`HARVEST`: harvested HTML, before it becomes Markdown in ``content/``
  (:mod:`kehila.harvest.to_markdown`), the first and strictest line;
- :data:`HARVEST_TEXT`: harvested fields that the templates show as plain text (titles, names,
  quotes): no tag at all;
- :data:`PAGE`: a harvested item's page once MkDocs has rendered it, the last line
  (:func:`sanitize_page_html`);
- :data:`FEED`: an item's text in the Atom, RSS and JSON feeds (:mod:`kehila.feeds`);
- :data:`EMAIL`: a newsletter issue's email (:mod:`kehila.newsletter.issue_email`).

``docs/security.md`` shows them as a table; a test keeps that table equal to these constants,
and proves each policy against a script, an event handler and a ``javascript:`` URL.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import nh3

#: An nh3 attribute filter: ``(tag, attribute, value)`` to the value kept, or ``None`` to drop it.
AttributeFilter = Callable[[str, str, str], "str | None"]


@dataclass(frozen=True)
class Policy:
    """One allow-list of nh3. ``None`` means nh3's own default for that option."""

    #: The name the docs' table gives the policy.
    name: str
    #: Tags kept; any other tag is removed and its text kept.
    tags: frozenset[str] | None
    #: Attributes kept, per tag (``*``: on every tag).
    attributes: Mapping[str, frozenset[str]] | None
    #: Schemes a URL may have (any other URL is dropped); relative URLs always pass to the
    #: policy's attribute filter, if any.
    url_schemes: frozenset[str]
    #: The ``rel`` set on every link, ``None`` for none.
    link_rel: str | None
    #: Tags removed together with everything inside them.
    clean_content_tags: frozenset[str] | None = None

    def clean(self, html: str, *, attribute_filter: AttributeFilter | None = None) -> str:
        """``html`` with everything this policy does not allow removed."""
        return nh3.clean(html, **self._options, attribute_filter=attribute_filter)

    def cleaner(self, *, attribute_filter: AttributeFilter | None = None) -> nh3.Cleaner:
        """A reusable cleaner of this policy (building one costs more than a short clean)."""
        return nh3.Cleaner(**self._options, attribute_filter=attribute_filter)

    @functools.cached_property
    def _options(self) -> dict[str, object]:
        options: dict[str, object] = {
            "url_schemes": set(self.url_schemes),
            "link_rel": self.link_rel,
            "strip_comments": True,
        }
        if self.tags is not None:
            options["tags"] = set(self.tags)
        if self.attributes is not None:
            options["attributes"] = {tag: set(names) for tag, names in self.attributes.items()}
        if self.clean_content_tags is not None:
            options["clean_content_tags"] = set(self.clean_content_tags)
        return options


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Markup whose content is code, a document or a control, never text: removed with it.
DROPPED_WITH_CONTENT = _words(
    "script style iframe frame frameset object embed applet noscript template svg math form "
    "textarea select button title head noembed noframes xmp plaintext"
)

#: Harvested HTML, before it becomes Markdown: text structure, links and images with ``http(s)``
#: URLs only. Scripts, styles, frames, objects, forms, SVG/MathML and templates go with their
#: content; every event handler, ``style`` and ``class`` goes. Links are marked
#: ``noopener noreferrer nofollow``: the hub vouches for none of them.
HARVEST = Policy(
    name="harvest",
    tags=_words(
        "a abbr b blockquote br caption cite code dd del dl dt em figcaption figure h1 h2 h3 h4 "
        "h5 h6 hr i img ins kbd li mark ol p pre q s small strong sub sup table tbody td tfoot "
        "th thead tr u ul"
    ),
    attributes={
        "a": _words("href title"),
        "img": _words("src alt title"),
        "abbr": _words("title"),
        "td": _words("colspan rowspan"),
        "th": _words("colspan rowspan"),
    },
    url_schemes=_words("http https"),
    link_rel="noopener noreferrer nofollow",
    clean_content_tags=DROPPED_WITH_CONTENT,
)

#: Harvested fields shown as plain text (the templates escape them): no tag stays.
HARVEST_TEXT = Policy(
    name="harvest text",
    tags=frozenset(),
    attributes={},
    url_schemes=_words("http https"),
    link_rel=None,
    clean_content_tags=DROPPED_WITH_CONTENT,
)

#: What a screen reader is given beside the text (a navigation's label, the disclosure a quote
#: refers to): plain text and references to ids, which carry no script.
_ARIA_NAMES = _words("aria-label aria-labelledby aria-describedby")

#: A harvested item's rendered page: the markup Kehila's own templates and MkDocs' Markdown
#: write (sections, figures, times, disclosures, tables, code), with classes, ids and language
#: for the theme; nothing that runs. Markdown can still turn harvested text into markup
#: (entities, links): this is the last line. Links keep the ``rel`` the page wrote.
PAGE = Policy(
    name="page",
    tags=frozenset(nh3.ALLOWED_TAGS)
    | _words("section article figure figcaption time span div details summary mark"),
    attributes={
        "*": _words("class id lang dir title") | _ARIA_NAMES,
        "a": _words("href rel hreflang"),
        "img": _words("src alt width height loading"),
        "time": _words("datetime"),
        "td": _words("align colspan rowspan"),
        "th": _words("align colspan rowspan"),
        "ol": _words("start"),
        "code": _words("data-lang"),
    },
    url_schemes=_words("http https mailto"),
    link_rel=None,
)

#: An item's text in a feed: what feed readers show (nh3's defaults, which already drop every
#: script, handler and style), with absolute ``http(s)`` and ``mailto`` URLs only.
FEED = Policy(
    name="feed",
    tags=None,
    attributes=None,
    url_schemes=_words("http https mailto"),
    link_rel="noopener noreferrer",
)

#: A newsletter issue's email: what mail clients render alike (no ``class``: the email's styles
#: are inlined), links without ``rel`` (a mail client opens them outside any page).
EMAIL = Policy(
    name="email",
    tags=_words(
        "a abbr b blockquote br caption code col colgroup dd del div dl dt em figcaption figure "
        "h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s small span strong sub sup "
        "table tbody td tfoot th thead tr u ul"
    ),
    attributes={
        "*": _words("lang dir title"),
        "a": _words("href"),
        "img": _words("src alt width height"),
        "td": _words("colspan rowspan align"),
        "th": _words("colspan rowspan align scope"),
        "ol": _words("start"),
    },
    url_schemes=_words("http https mailto"),
    link_rel=None,
)

#: Every policy, in the order of the docs' table.
POLICIES = (HARVEST, HARVEST_TEXT, PAGE, FEED, EMAIL)


def sanitize_page_html(html: str) -> str:
    """Remove anything that could run script from a harvested page's rendered content.

    Images from other hosts lose their ``src`` (the ``alt`` text stays): a stranger's image is a
    tracking pixel that tells them who reads the hub, so a visitor's browser never fetches one.
    """
    # The image filter is a Python call per attribute: only pages with an image need it.
    return _page_cleaner(images=_IMG_TAG.search(html) is not None).clean(html)


_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)


@functools.cache
def _page_cleaner(*, images: bool) -> nh3.Cleaner:
    return PAGE.cleaner(attribute_filter=_local_images_only if images else None)


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        parts = urllib.parse.urlsplit(value.strip())
        if parts.scheme or parts.netloc or value.strip().startswith(("//", "\\")):
            return None
    return value
