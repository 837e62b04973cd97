"""The embeddable wall of love (engine-neutral: no MkDocs here).

A host page (a pricing page, a partner's site) pastes::

    <div data-kehila-wall data-tag="healthcare" data-lang="he" data-layout="carousel"></div>
    <script src="https://HUB/embed/wall.js" async></script>

and gets the hub's consented, disclosed quotes in an iframe that the hub serves, sandboxed
without ``allow-same-origin``: the wall reads no cookie or storage of the host, and requests
nothing from any origin but the hub. Files written under ``embed_url`` (default ``embed/``):

- ``wall.js``: the loader (``assets/embed/wall.js``), at most :data:`LOADER_MAX_BYTES`. Without
  ``data-height`` it runs its filter's data script too and lays the quotes out as ``frame.css``
  does, to reserve the wall's height before the frame has loaded (docs/hub.md, "The embed");
- ``frame.html``, ``frame.js``, ``frame.css``: the frame. Tag, language, layout, limit and theme
  reach it as URL parameters; it then runs the data script of its filter;
- ``data/<language>/<tag>.js``: the quotes of one filter, newest first, at most ``embed_max``,
  as a call of ``kehilaWall({...})`` (``_`` stands for every language / every tag). A sandboxed
  frame's origin is opaque: it could ``fetch`` JSON from a static host only with CORS headers,
  but it may run a script of the hub;
- ``fragments/<language>/<tag>.html``: the same quotes as static HTML with inline styles, for
  pages that run no script (an editor pastes it as it is).

Only published, non-private stories with recorded consent and a quote are ever embedded; each
quote carries its disclosure (if it has a material one) and links to its story page.

Visitor-facing words live in :data:`TEXT`, messages of the hub's catalog (see ``i18n.py``),
shown in the site's language (:func:`texts`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from functools import cached_property
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import babel

from .i18n import N_, direction, gettext
from .pages import DISCLOSURE_LABELS
from .urls import HubUrls, relative_url, tag_slug

if TYPE_CHECKING:
    from .model import Item

#: The loader's size limit: a wall must cost the host page almost nothing.
LOADER_MAX_BYTES = 8 * 1024
ASSETS_DIR = Path(__file__).parent / "assets" / "embed"
LAYOUTS = ("wall", "carousel", "list")
THEMES = ("auto", "light", "dark")
#: How many quotes a wall shows unless ``data-limit`` says otherwise (and a fragment shows).
DEFAULT_LIMIT = 12
#: The file name that stands for "every language" or "every tag" (never a slug or a language).
ANY = "_"


#: Every word the embed, its fragments and the Embed and Feeds pages show (catalog messages).
TEXT = {
    "title": N_("Customer quotes"),
    "disclosure": N_("Disclosure"),
    "empty": N_("No quotes yet."),
    "carousel": N_("carousel"),
    "slide": N_("quote"),
    "previous": N_("Previous"),
    "next": N_("Next"),
    "pause": N_("Pause"),
    "play": N_("Play"),
    "more": N_("More stories"),
    "page_lead": N_(
        "Show these quotes on your own pages: pick what to show, check the preview, and copy "
        "the snippet. The wall runs in a sandboxed frame served by this hub: it reads nothing "
        "of the page around it and loads nothing from anywhere else."
    ),
    "tag": N_("Tag"),
    "language": N_("Language"),
    "layout": N_("Layout"),
    "limit": N_("Number of quotes"),
    "theme": N_("Theme"),
    "any_tag": N_("All tags"),
    "any_language": N_("All languages"),
    "layout_wall": N_("Wall"),
    "layout_carousel": N_("Carousel"),
    "layout_list": N_("List"),
    "theme_auto": N_("As the visitor's system"),
    "theme_light": N_("Light"),
    "theme_dark": N_("Dark"),
    "preview": N_("Preview"),
    "snippet": N_("Snippet"),
    "snippet_help": N_(
        "Paste it where the wall should appear, as often as you like. Every attribute is "
        "optional. Without data-height, the script reserves the wall's own height, worked out "
        "at the width of the page it is on; add data-height (in pixels) only to reserve a fixed "
        "height until the wall has loaded, for instance the one your own stylesheet gives it."
    ),
    "copy_button": N_("Copy"),
    "copied": N_("Copied."),
    "static": N_("Without JavaScript"),
    "static_help": N_(
        "For pages that run no script: the same quotes as plain HTML with inline styles. "
        "Paste it again to update it."
    ),
    "open_fragment": N_("Open the fragment"),
    "feeds_lead": N_(
        "Follow the hub in a feed reader: every section, every tag and every language has "
        "its own feed, in Atom, RSS and JSON Feed."
    ),
    "feeds_sections": N_("Sections"),
    "feeds_tags": N_("Tags"),
    "feeds_languages": N_("Languages"),
    "feeds_link": N_("Feeds"),
    "embed_link": N_("Embed the wall on your site"),
    "all_feeds": N_("All feeds"),
    "kind_story": N_("Success story"),
    "kind_qa": N_("Question"),
    "kind_newsletter": N_("Newsletter issue"),
}


@functools.lru_cache(maxsize=16)
def texts(language: str) -> dict[str, str]:
    """:data:`TEXT` in ``language`` (the site's)."""
    return {key: gettext(language, message) for key, message in TEXT.items()}


@dataclass
class EmbedFile:
    path: str
    """Site path, e.g. ``embed/data/he/_.js``."""
    text: str


@dataclass(frozen=True)
class Filter:
    """One language and tag choice of the embed (``None``: every language / every tag)."""

    language: str | None
    tag: str | None
    """A tag's slug."""

    @property
    def key(self) -> str:
        return f"{self.language or ANY}/{self.tag or ANY}"


def embeddable(item: Item) -> bool:
    """A story the embed may show: public, with consent recorded and a quote to show."""
    return item.kind == "story" and item.is_public and item.consent is not None and bool(item.quote)


class Embed:
    """The embed's files and what the Embed page offers, for one hub."""

    def __init__(self, hub: HubUrls, site_url: str) -> None:
        self.hub = hub
        self.site_url = site_url
        self.base = hub.options.embed_url.strip("/")
        self.max = hub.options.embed_max
        self.language = hub.options.site_language
        self.text = texts(self.language)

    @cached_property
    def quotes(self) -> list[Item]:
        if not self.hub.options.stories:
            return []
        return [item for item in self.hub.catalog.public("story") if embeddable(item)]

    @cached_property
    def filters(self) -> dict[Filter, list[Item]]:
        """Every filter that has quotes (and the unfiltered one, always), newest quotes first."""
        groups: dict[Filter, list[Item]] = {Filter(None, None): []}
        for item in self.quotes:
            language = item.language.lower()
            slugs = dict.fromkeys(tag_slug(tag) for tag in item.tags)
            for lang in (None, language):
                for slug in (None, *slugs):
                    groups.setdefault(Filter(lang, slug), []).append(item)
        return groups

    def languages(self) -> list[str]:
        return sorted({f.language for f in self.filters if f.language})

    def tags(self) -> list[tuple[str, str]]:
        """(slug, tag) of every tag that some quote has, by name."""
        names: dict[str, str] = {}
        for item in self.quotes:
            for tag in item.tags:
                names.setdefault(tag_slug(tag), tag)
        return sorted(names.items(), key=lambda pair: pair[1].casefold())

    def path(self, name: str) -> str:
        return f"{self.base}/{name}"

    def data_path(self, f: Filter) -> str:
        return self.path(f"data/{f.key}.js")

    def fragment_path(self, f: Filter) -> str:
        return self.path(f"fragments/{f.key}.html")

    def loader_url(self) -> str:
        """The loader's absolute URL, for the snippet."""
        return urljoin(self.site_url, self.path("wall.js"))

    # -- files -----------------------------------------------------------------------------------

    def files(self) -> list[EmbedFile]:
        files = [
            EmbedFile(self.path("wall.js"), self.loader()),
            EmbedFile(self.path("frame.html"), self.frame_html()),
            EmbedFile(self.path("frame.js"), _asset("frame.js")),
            EmbedFile(self.path("frame.css"), _asset("frame.css")),
        ]
        records = {id(item): self._record(item) for item in self.quotes}
        for f, items in self.filters.items():
            chosen = items[: self.max]
            data = {"items": [records[id(item)] for item in chosen]}
            text = "kehilaWall(" + json.dumps(data, ensure_ascii=False, sort_keys=True) + ");\n"
            files.append(EmbedFile(self.data_path(f), text))
            files.append(EmbedFile(self.fragment_path(f), self.fragment(chosen[:DEFAULT_LIMIT])))
        return files

    def loader(self) -> str:
        return loader_script(self.language)

    def frame_html(self) -> str:
        page_direction = direction(self.language)
        strings = {
            key: self.text[key]
            for key in ("title", "disclosure", "empty", "carousel", "slide")
            + ("previous", "next", "pause", "play")
        }
        strings |= {"lang": self.language, "dir": page_direction, "limit": DEFAULT_LIMIT}
        strings["max"] = self.max
        # A JSON data block runs nothing; "</" is escaped so that no text can end it.
        data = json.dumps(strings, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
        return (
            "<!doctype html>\n"
            f'<html lang="{escape(self.language)}" dir="{page_direction}">\n'
            "<head>\n"
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            # Only the hub's own scripts and styles, no connection, no image, no form, no base.
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'\">\n"
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="robots" content="noindex">\n'
            f"<title>{escape(self.text['title'])}</title>\n"
            '<link rel="stylesheet" href="frame.css">\n'
            '<script src="frame.js" defer></script>\n'
            "</head>\n"
            "<body>\n"
            '<main id="wall" aria-busy="true"></main>\n'
            f'<script type="application/json" id="kehila-text">{data}</script>\n'
            "</body>\n"
            "</html>\n"
        )

    def _record(self, item: Item) -> dict[str, object]:
        """What the frame shows of one quote (text only: the frame never parses HTML)."""
        frame_url = self.path("frame.html")
        record: dict[str, object] = {
            "quote": item.quote,
            "title": item.title,
            "author": item.author.name if item.author else None,
            "url": relative_url(self.hub.item_url(item), frame_url),
            "lang": item.language,
            "dir": item.direction,
            "disclosure": None,
        }
        if item.disclosure and item.disclosure.is_material:
            label = gettext(self.language, DISCLOSURE_LABELS[item.disclosure.type])
            record["disclosure"] = {"label": label, "text": item.disclosure.text}
        return record

    def fragment(self, items: list[Item]) -> str:
        """Static HTML with inline styles: the quotes for a page that runs no script."""
        lang, page_direction = escape(self.language), direction(self.language)
        parts = [
            f'<div class="kehila-wall" lang="{lang}" dir="{page_direction}" '
            f'style="{_STYLE["wall"]}">'
        ]
        for item in items:
            parts.append(self._fragment_quote(item))
        if not items:
            parts.append(f'<p style="{_STYLE["caption"]}">{escape(self.text["empty"])}</p>')
        more = urljoin(self.site_url, self.hub.url_of(self.hub.wall_uri()))
        parts.append(
            f'<p style="{_STYLE["more"]}"><a href="{escape(more)}" style="{_STYLE["link"]}">'
            f"{escape(self.text['more'])}</a></p>"
        )
        parts.append("</div>")
        return "\n".join(parts) + "\n"

    def _fragment_quote(self, item: Item) -> str:
        url = escape(urljoin(self.site_url, self.hub.item_url(item)))
        author = (
            f'<strong style="{_STYLE["author"]}">{escape(item.author.name)}</strong> · '
            if item.author
            else ""
        )
        lines = [
            f'<figure lang="{escape(item.language)}" dir="{item.direction}" '
            f'style="{_STYLE["quote"]}">',
            f'<blockquote style="{_STYLE["blockquote"]}"><p style="margin:0">'
            f"“{escape(item.quote or '')}”</p></blockquote>",
            f'<figcaption style="{_STYLE["caption"]}">{author}'
            f'<a href="{url}" style="{_STYLE["link"]}">{escape(item.title)}</a></figcaption>',
        ]
        if item.disclosure and item.disclosure.is_material:
            label = escape(gettext(self.language, DISCLOSURE_LABELS[item.disclosure.type]))
            own = ""
            if item.disclosure.text:
                own = (
                    f': <span lang="{escape(item.language)}" dir="{item.direction}">'
                    f"{escape(item.disclosure.text)}</span>"
                )
            lines.append(
                f'<p lang="{escape(self.language)}" dir="{direction(self.language)}" '
                f'style="{_STYLE["disclosure"]}"><span style="{_STYLE["badge"]}">'
                f"{escape(self.text['disclosure'])}</span> {label}{own}</p>"
            )
        lines.append("</figure>")
        return "\n".join(lines)

    # -- the Embed page --------------------------------------------------------------------------

    def snippet(self, f: Filter | None = None, **attributes: object) -> str:
        """The host page's snippet for a filter (the Embed page's default)."""
        f = f or Filter(None, None)
        attrs = ["data-kehila-wall"]
        if f.tag:
            attrs.append(f'data-tag="{escape(f.tag)}"')
        if f.language:
            attrs.append(f'data-lang="{escape(f.language)}"')
        for name, value in attributes.items():
            attrs.append(f'data-{name}="{escape(str(value))}"')
        return (
            f"<div {' '.join(attrs)}></div>\n"
            f'<script src="{escape(self.loader_url())}" async></script>'
        )

    def page_context(self, page_url: str) -> dict[str, object]:
        """What the Embed page's template needs (links relative to ``page_url``)."""
        names = self.hub.options.tag_names
        return {
            "tags": [(slug, names.name(tag, self.language)) for slug, tag in self.tags()],
            "languages": [(code, language_name(code, self.language)) for code in self.languages()],
            "layouts": LAYOUTS,
            "themes": THEMES,
            "limit": DEFAULT_LIMIT,
            "max": self.max,
            "snippet": self.snippet(),
            "loader": relative_url(self.path("wall.js"), page_url),
            "fragments": relative_url(self.path("fragments/"), page_url),
            "fragment": self.fragment(self.filters[Filter(None, None)][:DEFAULT_LIMIT]),
            "fragment_link": relative_url(self.fragment_path(Filter(None, None)), page_url),
            "hub_loader": self.loader_url(),
        }


#: Inline styles of the static fragment (it must look right on any page, with no stylesheet).
_STYLE = {
    "wall": "display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,16rem),1fr));"
    "gap:12px;align-items:start;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;color:#1f2328",
    "quote": "margin:0;padding:14px 16px;background:#f6f8fa;border:1px solid #d0d7de;"
    "border-radius:8px;overflow-wrap:anywhere",
    "blockquote": "margin:0;padding:0;border:0;font-size:17px",
    "caption": "margin:8px 0 0;color:#57606a;font-size:14px",
    "author": "color:#1f2328",
    "link": "color:#0a58ca",
    "disclosure": "margin:8px 0 0;font-size:13px;color:#1f2328",
    "badge": "display:inline-block;padding:0 6px;border-radius:4px;background:#fff1c2;"
    "color:#4d2d00;font-weight:700",
    "more": "grid-column:1/-1;margin:0;font-size:14px",
}


def _asset(name: str) -> str:
    return (ASSETS_DIR / name).read_text(encoding="utf-8")


def loader_script(language: str) -> str:
    """``embed/wall.js`` for a hub in ``language``: its title, and the frame's words that take
    room (the loader lays the quotes out to reserve their height), written in."""
    text = texts(language)
    words = {key: text[key] for key in ("disclosure", "previous", "next", "pause", "play")}
    words["limit"] = DEFAULT_LIMIT
    script = (
        _compact(_asset("wall.js"))
        .replace('"__KEHILA_TITLE__"', json.dumps(text["title"]))
        .replace('"__KEHILA_TEXT__"', json.dumps(words, sort_keys=True))
    )
    if len(script.encode("utf-8")) > LOADER_MAX_BYTES:
        raise ValueError(f"embed/wall.js is over {LOADER_MAX_BYTES} bytes")
    return script


def _compact(script: str) -> str:
    """``script`` without its opening comment, indentation, blank lines and whole-line ``//``
    comments (the source keeps them): the loader's bytes are every host page's cost. Lines are
    never joined, so no statement changes meaning."""
    if script.startswith("/*"):
        script = script[script.index("*/") + 2 :]
    kept = (line.strip() for line in script.splitlines())
    return "".join(line + "\n" for line in kept if line and not line.startswith("//"))


def language_name(code: str, in_language: str) -> str:
    """A language's name as readers of ``in_language`` write it (the code if Babel knows none)."""
    try:
        locale = babel.Locale.parse(code.replace("-", "_"))
        shown = babel.Locale.parse(in_language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return code
    name = locale.get_display_name(shown) or code
    return name[:1].upper() + name[1:]
