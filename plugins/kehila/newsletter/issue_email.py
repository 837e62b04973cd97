"""A newsletter issue as an email: HTML for mail clients, plain text, and the MIME message.

The issue's Markdown file is the one the hub publishes as the archive page; here it becomes:

- **HTML for mail clients**: a table layout at most 600 px wide that narrows to a phone, every
  style inlined by css-inline (only ``@media`` blocks, for phones and dark mode, stay in a
  ``<style>`` element), no script, no external stylesheet, every link and image absolute, a
  hidden preheader, a "view in browser" link to the archive page and a footer with the archive
  and the email service's unsubscribe placeholder;
- **plain text**: the same content with links as numbered references;
- **a MIME message** (``multipart/alternative``, RFC 5322 and RFC 2045: quoted-printable parts,
  lines under 78 characters, encoded non-ASCII headers).

Links and the archive URL come from the hub (:class:`~kehila.hub.Hub`): the same relinking of
links between files and the same URL formats as the archive page. Nothing here imports MkDocs.
"""

from __future__ import annotations

import email.policy
import email.utils
import functools
import hashlib
import posixpath
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import css_inline
import lxml.html
import markdown
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from ..hub import Hub
from ..model import Item
from ..pages import format_date
from ..sanitize import EMAIL
from . import messages
from .messages import direction
from .settings import NewsletterSettings
from .stylesheet import check_stylesheet


def _words(text: str) -> list[str]:
    return text.split()


#: Kehila's own email stylesheet (the site's, if any, comes after it).
DEFAULT_STYLESHEET = Path(__file__).with_name("email.css")
#: Width of the content column inside the 600 px container (24 px padding each side).
CONTENT_WIDTH = 552
#: Markdown features of the email (the archive page's ``fenced_code`` and ``tables`` included).
_MARKDOWN_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "attr_list"]
_BLOCKS = frozenset(
    _words("p div h1 h2 h3 h4 h5 h6 ul ol li pre blockquote table hr dl dd dt figure figcaption")
)
#: Keeps a mail client from showing the start of the body after the preheader in its preview.
_PREHEADER_FILLER = "\u034f\u00a0\u200c" * 40


class EmailError(ValueError):
    """An issue cannot become an email (e.g. the site has no absolute URL)."""


@dataclass(frozen=True)
class EmailSite:
    """What every email of a hub shares: its pages' URLs, its name and the newsletter settings."""

    hub: Hub
    site_url: str
    """The hub's absolute URL (MkDocs' ``site_url``): the base of every link."""
    site_name: str
    settings: NewsletterSettings
    stylesheet: str = ""
    """The site's own email CSS (already checked), added after Kehila's."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EmailError(
                f"emails need absolute links: set 'site_url' in mkdocs.yml to the hub's "
                f"address (e.g. https://community.example/), got {self.site_url!r}"
            )

    def archive_url(self, item: Item) -> str:
        """The issue's permanent archive page: the URL the hub gives the page."""
        return urljoin(self.site_url, self.hub.item_url(item))

    def archive_index_url(self) -> str:
        return urljoin(self.site_url, self.hub.url_of(self.hub.index_uri("newsletter")))

    @functools.cached_property
    def css(self) -> str:
        # One line: a declaration written over two lines would keep its line break in every
        # style attribute (white space in CSS is only ever a separator here).
        css = _default_css() + ("\n" + self.stylesheet if self.stylesheet else "")
        return re.sub(r"\s+", " ", css)


@dataclass(frozen=True)
class IssueEmail:
    """One issue, ready to send or to hand to an email service."""

    item: Item
    subject: str
    html: str
    text: str
    archive_url: str
    unsubscribe: str
    """The placeholder both parts carry where each reader's unsubscribe link goes."""
    site_name: str

    @property
    def slug(self) -> str:
        return self.item.url_slug

    def message(
        self,
        settings: NewsletterSettings,
        *,
        to: str | None = None,
        unsubscribe_url: str | None = None,
        date: str | None = None,
        message_id: str | None = None,
    ) -> EmailMessage:
        """The ``multipart/alternative`` message (plain text first, then HTML).

        Args:
            settings: ``From`` and ``Reply-To``.
            to: The recipient (a send); exported files have none.
            unsubscribe_url: The reader's own unsubscribe link, put in place of the placeholder
                and announced in ``List-Unsubscribe`` with one-click POST (RFC 8058).
            date: ``Date`` header; default: the issue's date (exported files are reproducible).
            message_id: default: derived from the issue's id (the same file every export).
        """
        html, text = self.html, self.text
        if unsubscribe_url is not None:
            html = html.replace(self.unsubscribe, _attribute(unsubscribe_url))
            text = text.replace(self.unsubscribe, unsubscribe_url)
        msg = EmailMessage(policy=email.policy.SMTP)
        msg["Subject"] = self.subject
        # Without a configured sender, the placeholder address (a reserved domain) carries the
        # site's name, so that the file still reads well in an email service's importer.
        sender = settings.sender
        if not settings.has_sender:
            sender = email.utils.formataddr((self.site_name, sender))
        msg["From"] = sender
        if to is not None:
            msg["To"] = to
        if settings.reply_to:
            msg["Reply-To"] = settings.reply_to
        msg["Date"] = date or email.utils.format_datetime(self.item.date)
        domain = email.utils.parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
        if message_id is None:
            digest = hashlib.sha256(self.item.id.encode()).hexdigest()[:16]
            message_id = f"<newsletter.{self.slug}.{digest}@{domain}>"
        msg["Message-ID"] = message_id
        if unsubscribe_url is not None:
            msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if settings.subscribe_url:
            msg["List-Subscribe"] = f"<{settings.subscribe_url}>"
        msg["List-Archive"] = f"<{self.archive_url}>"
        # Quoted-printable keeps every line short and 7-bit, whatever the script (RFC 2045).
        msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        # After the parts: setting content clears every Content-* header.
        msg["Content-Language"] = self.item.language
        # A boundary from the parts' text, not a random one: the same issue, the same file.
        # ('=_' never occurs in quoted-printable text.)
        digest = hashlib.sha256((text + "\0" + html).encode()).hexdigest()[:32]
        msg.set_boundary(f"=_kehila_{digest}")
        return msg


def render_issue(item: Item, site: EmailSite) -> IssueEmail:
    """The email of one newsletter issue (whatever its status: the caller decides)."""
    if item.kind != "newsletter":
        raise EmailError(f"{item.path or item.id}: not a newsletter issue (kind: {item.kind})")
    hub = site.hub
    archive_url = site.archive_url(item)
    # Links between content files become links to their pages, exactly as on the archive page,
    # then absolute from the archive page's address.
    body_md = hub.relink(item.body, item, hub.src_uri_for(item))
    body = _body_tree(body_md, functools.partial(_absolute, site=site, item=item))
    language = hub.options.site_language
    unsubscribe = site.settings.unsubscribe

    def t(message: str, **values: object) -> str:
        return messages.gettext(language, message, **values)

    body_html = lxml.html.tostring(body, encoding="unicode")
    html = _template().render(
        item=item,
        t=t,
        m=messages,
        css=Markup(site.css),  # checked: no '</' (check_stylesheet)
        body=Markup(body_html),
        preheader=item.summary or "",
        filler=_PREHEADER_FILLER,
        site_name=site.site_name,
        site_language=language,
        site_direction=direction(language),
        archive_url=archive_url,
        archive_index_url=site.archive_index_url(),
        subscribe_url=site.settings.subscribe_url,
        unsubscribe=unsubscribe,
        # The site's words and dates, whatever the issue's language (issue 14).
        date=format_date(item.date, language),
        date_iso=item.date.date().isoformat(),
    )
    html = _inliner().inline(html)
    text = _plain_text(item, site, body, archive_url, t)
    return IssueEmail(item, item.title, html, text, archive_url, unsubscribe, site.site_name)


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def _absolute(url: str, *, site: EmailSite, item: Item) -> str:
    """A link of the issue's Markdown as an absolute URL, resolved as on the archive page.

    MkDocs resolves a relative link from the generated page's source path (its folder), and a
    link to a Markdown file becomes that page's URL; an anchor points into the archive page.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return url
    if not parts.path:
        return site.archive_url(item) + (f"#{parts.fragment}" if parts.fragment else "")
    if parts.path.startswith("/"):
        return urljoin(site.site_url, url)
    folder = posixpath.dirname(site.hub.src_uri_for(item))
    path = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if path.startswith("../"):
        return urljoin(site.site_url, url)
    if path.endswith(".md"):
        path = site.hub.url_of(path)
    rest = (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else ""
    )
    return urljoin(site.site_url, quote(path) + rest)


def _body_tree(body_md: str, absolute: Callable[[str], str]) -> lxml.html.HtmlElement:
    """The issue's body as a sanitised HTML tree with absolute links and sized images."""
    html = _markdown().reset().convert(body_md)
    html = EMAIL.clean(html)
    tree = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    tree.rewrite_links(absolute, resolve_base_href=False)
    for image in tree.iter("img"):
        # Mail clients size an image by its attribute (Outlook ignores CSS widths).
        if not (image.get("width") or "").isdigit():
            image.set("width", str(CONTENT_WIDTH))
        # Narrower on a phone: a percentage max-width alone does not shrink an image in a table
        # cell (its width counts as the cell's minimum), so the width is a percentage, capped.
        width = min(int(image.get("width")), CONTENT_WIDTH)
        image.set("style", f"width:100%;max-width:{width}px;height:auto")
        image.set("alt", image.get("alt") or "")
    for link in tree.iter("a"):
        if link.get("href") is None:
            link.drop_tag()
    return tree


@functools.cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=_MARKDOWN_EXTENSIONS)


@functools.cache
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("kehila.newsletter", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return env.get_template("email.html")


@functools.cache
def _inliner() -> css_inline.CSSInliner:
    # Nothing is fetched: the email's CSS is all in the page, and remote stylesheets are refused.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


@functools.cache
def _default_css() -> str:
    css = DEFAULT_STYLESHEET.read_text(encoding="utf-8")
    check_stylesheet(css, name=DEFAULT_STYLESHEET.name)
    return css


# -- plain text ------------------------------------------------------------------------------


class _TextWriter:
    """The HTML tree as plain text: paragraphs wrapped at 72 columns, links as ``[n]``."""

    WIDTH = 72

    def __init__(self, image_label: str) -> None:
        self.links: list[str] = []
        self.image_label = image_label

    def ref(self, url: str) -> int:
        if url not in self.links:
            self.links.append(url)
        return self.links.index(url) + 1

    def blocks(self, container: lxml.html.HtmlElement) -> list[str]:
        out: list[str] = []
        inline = [container.text or ""]
        for child in container:
            if not isinstance(child.tag, str):
                inline.append(child.tail or "")
                continue
            if child.tag in _BLOCKS:
                out += self._paragraph("".join(inline))
                inline = []
                out += self.block(child)
            else:
                inline.append(self.inline(child))
            inline.append(child.tail or "")
        out += self._paragraph("".join(inline))
        return out

    def _paragraph(self, text: str) -> list[str]:
        text = _collapse(text)
        if not text:
            return []
        lines = [
            textwrap.fill(part, self.WIDTH, break_long_words=False, break_on_hyphens=False)
            for part in text.split("\n")
        ]
        return ["\n".join(lines)]

    def block(self, el: lxml.html.HtmlElement) -> list[str]:
        tag = el.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            title = _collapse(self.inline_all(el))
            underline = "=" if tag in ("h1", "h2") else "-"
            return [f"{title}\n{underline * min(len(title), self.WIDTH)}"] if title else []
        if tag in ("ul", "ol"):
            items = []
            number = int(el.get("start") or 1) if tag == "ol" else 0
            for li in el:
                if li.tag != "li":
                    continue
                marker = f"{number}. " if tag == "ol" else "- "
                number += 1
                text = "\n\n".join(self.blocks(li))
                pad = " " * len(marker)
                items.append(marker + text.replace("\n", "\n" + pad))
            return ["\n".join(items)] if items else []
        if tag == "pre":
            code = el.text_content().rstrip("\n")
            return ["\n".join("    " + line for line in code.split("\n"))]
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(el))
            return ["\n".join(("> " + line).rstrip() for line in inner.split("\n"))]
        if tag == "table":
            rows = []
            for tr in el.iter("tr"):
                cells = [_collapse(self.inline_all(c)) for c in tr if c.tag in ("td", "th")]
                rows.append(" | ".join(cells))
            return ["\n".join(rows)] if rows else []
        if tag == "hr":
            return ["-" * 24]
        return self.blocks(el)

    def inline_all(self, el: lxml.html.HtmlElement) -> str:
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                parts.append(self.inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def inline(self, el: lxml.html.HtmlElement) -> str:
        if el.tag == "br":
            return _BREAK
        if el.tag == "img":
            alt = el.get("alt") or self.image_label
            return f"[{alt}] [{self.ref(el.get('src', ''))}]"
        if el.tag in _BLOCKS:
            return " ".join(self.block(el))
        text = self.inline_all(el)
        if el.tag == "a" and el.get("href"):
            return f"{text} [{self.ref(el.get('href'))}]"
        return text


#: Stands for ``<br>`` until white space is collapsed (Markdown never makes this character).
_BREAK = "\u2028"


def _collapse(text: str) -> str:
    """Runs of white space as one space; line breaks only where ``<br>`` put them."""
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.split(_BREAK)).strip()


def _plain_text(
    item: Item, site: EmailSite, body: lxml.html.HtmlElement, archive_url: str, t
) -> str:
    writer = _TextWriter(t(messages.IMAGE))
    date = format_date(item.date, site.hub.options.site_language)
    meta = f"{t(messages.ISSUE_NUMBER, number=item.issue)} · {date}" if item.issue else date
    parts = [site.site_name, f"{item.title}\n{'=' * min(len(item.title), 72)}", meta]
    parts += writer.blocks(body)
    footer = [
        f"{t(messages.READ_ONLINE)} [{writer.ref(archive_url)}]",
        f"{t(messages.ARCHIVE)} [{writer.ref(site.archive_index_url())}]",
    ]
    if site.settings.subscribe_url:
        footer.append(f"{t(messages.SUBSCRIBE)} [{writer.ref(site.settings.subscribe_url)}]")
    parts += ["-- ", "\n".join(footer)]
    parts.append(
        _collapse(t(messages.WHY, site=site.site_name))
        + f"\n{t(messages.UNSUBSCRIBE)}: {site.settings.unsubscribe}"
    )
    links = "\n".join(f"[{n}] {url}" for n, url in enumerate(writer.links, start=1))
    parts.append(f"{t(messages.LINKS)}:\n{links}")
    return "\n\n".join(parts) + "\n"
