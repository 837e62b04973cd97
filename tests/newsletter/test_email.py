"""``kehila newsletter email``: the files an email service or a mail client gets from an issue."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from click.testing import CliRunner
from kehila.cli import main
from kehila.newsletter.issue_email import CONTENT_WIDTH

from ..conftest import build

SITE = "https://community.tavla.example/hub/"
ARCHIVE = SITE + "newsletter/2025/tavla-notes-20/"
UNSUBSCRIBE = "*|UNSUB|*"  # the Mailchimp preset of the fixture's mkdocs.yml


def export(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["newsletter", "email", "-f", str(project / "mkdocs.yml"), *args],
        catch_exceptions=False,
    )
    return result.exit_code, result.output


@pytest.fixture
def outbox(hub_project: Path) -> Path:
    out = hub_project / "outbox"
    code, output = export(
        hub_project, "tavla-notes-20", "manual:he-4", "2025-08-01-ar-1.md", "--out", str(out)
    )
    assert code == 0, output
    return out


def parse_eml(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_three_files_per_issue(outbox: Path) -> None:
    names = sorted(p.name for p in outbox.iterdir())
    assert names == [
        f"{slug}.{ext}"
        for slug in ("tavla-ar-1", "tavla-he-4", "tavla-notes-20")
        for ext in ("eml", "html", "txt")
    ]


def test_unpublished_issue_is_refused_unless_draft(hub_project: Path) -> None:
    out = hub_project / "outbox"
    code, output = export(hub_project, "tavla-notes-20", "tavla-notes-21", "--out", str(out))
    assert code == 1
    assert "2025-12-01-notes-21.md: the issue is pending, not published" in output
    assert "--draft" in output
    # Nothing at all is written when one issue is refused.
    assert not out.exists()
    code, output = export(hub_project, "tavla-notes-21", "--draft", "--out", str(out))
    assert code == 0, output
    assert (out / "tavla-notes-21.html").is_file()


def test_unknown_issue_is_named(hub_project: Path) -> None:
    code, output = export(hub_project, "no-such-issue", "--out", str(hub_project / "o"))
    assert code == 1
    assert "no newsletter issue with id, slug or file name 'no-such-issue'" in output


def test_eml_is_multipart_alternative_with_headers_from_the_config(outbox: Path) -> None:
    raw = (outbox / "tavla-notes-20.eml").read_bytes()
    msg = parse_eml(outbox / "tavla-notes-20.eml")
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Subject"] == "Tavla Notes #20: exports, APIs and a story from the bakery"
    assert msg["From"] == "Tavla Community <news@tavla.example>"
    assert msg["Reply-To"] == "community@tavla.example"
    assert msg["Date"].datetime.isoformat() == "2025-11-01T08:00:00+00:00"
    assert msg["Message-ID"].endswith("@tavla.example>")
    assert msg["List-Subscribe"] == "<https://tavla.example/newsletter/subscribe>"
    assert msg["List-Archive"].strip() == f"<{ARCHIVE}>"  # folded: too long for one line
    parts = list(msg.iter_parts())
    # RFC 2046: the richest alternative last.
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert "Welcome back!" in parts[0].get_content()
    assert "<h1" in parts[1].get_content()
    # RFC 5322: CRLF line ends, 7-bit text, lines of at most 78 characters.
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_non_ascii_subject_is_encoded_and_parses_back(outbox: Path) -> None:
    raw = (outbox / "tavla-he-4.eml").read_bytes()
    assert b"Subject: =?utf-8?" in raw
    msg = parse_eml(outbox / "tavla-he-4.eml")
    assert msg["Subject"] == "עיתון Tavla, גיליון 4"
    assert msg["Content-Language"] == "he"
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert 'lang="he" dir="rtl"' in html


def html_tree(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def test_html_follows_mail_client_limits(outbox: Path) -> None:
    for path in outbox.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        tree = html_tree(path)
        assert not tree.xpath("//script | //link | //iframe | //form | //object | //embed")
        assert not re.search(r"\son\w+=", text), "no event handler attributes"
        # Styles are inline; one <style> element remains, holding @media blocks only.
        styles = tree.xpath("//style")
        assert len(styles) == 1
        css = styles[0].text_content()
        assert re.fullmatch(r"\s*(@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}\s*)+", css), css
        assert "@import" not in text
        for forbidden in ("var(", "--", "display:flex", "display: flex", "grid", "position:"):
            assert forbidden not in css
            for element in tree.xpath("//*[@style]"):
                assert forbidden not in element.get("style"), (path.name, forbidden)
        # Layout in tables: the container is 600 px wide at most and narrows to a phone.
        container = tree.xpath("//table[contains(@class, 'kehila-container')]")[0]
        assert container.get("width") == "600"
        assert "max-width:600px" in container.get("style").replace(" ", "")
        assert "width:100%" in container.get("style").replace(" ", "")
        assert tree.xpath("//table[@role='presentation']")


def test_every_link_and_image_is_absolute(outbox: Path) -> None:
    tree = html_tree(outbox / "tavla-notes-20.html")
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert hrefs
    for href in hrefs:
        if href == UNSUBSCRIBE:
            continue
        parts = urlsplit(href)
        assert parts.scheme in ("https", "mailto") and parts.netloc, href
    assert f"{SITE}stories/bakery-fridays/" in hrefs, "a link between files becomes the page"
    assert f"{ARCHIVE}#exports" in hrefs, "an anchor points into the archive page"
    assert "https://docs.tavla.example/api/changes#v3" in hrefs
    # The pending question's link keeps its text and loses its target, as on the archive page.
    text = tree.text_content()
    assert "answer that is still pending" in text
    assert "[answer that is still pending]" not in text
    assert not any("pending" in h for h in hrefs)
    images = list(tree.iter("img"))
    assert len(images) == 1
    assert images[0].get("src") == SITE + "img/export.png"
    assert images[0].get("alt") == "Export dialog"
    assert images[0].get("width") == str(CONTENT_WIDTH)
    assert "alert(" not in text
    assert (
        "hostile link" in text and "javascript:" not in (outbox / "tavla-notes-20.html").read_text()
    )


def test_preheader_view_in_browser_and_footer(outbox: Path) -> None:
    tree = html_tree(outbox / "tavla-notes-20.html")
    preheader = tree.xpath("//div[contains(@class, 'kehila-preheader')]")[0]
    assert preheader.text_content().startswith("CSV exports for every report")
    assert "display:none" in preheader.get("style").replace(" ", "")
    first_link = next(tree.iter("a"))
    assert first_link.get("href") == ARCHIVE
    assert "browser" in first_link.text_content()
    footer = tree.xpath("//td[contains(@class, 'kehila-footer')]")[0]
    footer_links = {a.text_content(): a.get("href") for a in footer.iter("a")}
    assert footer_links == {
        "Read this issue on the web": ARCHIVE,
        "All issues": SITE + "newsletter/",
        "Subscribe to the newsletter": "https://tavla.example/newsletter/subscribe",
        "Unsubscribe": UNSUBSCRIBE,
    }


def test_code_tables_and_quotes_are_styled_for_mail_clients(outbox: Path) -> None:
    tree = html_tree(outbox / "tavla-notes-20.html")
    pre = tree.xpath("//td[contains(@class,'kehila-content')]//pre")[0]
    style = pre.get("style").replace(" ", "")
    assert "white-space:pre-wrap" in style, "long code lines wrap instead of scrolling"
    assert "background-color:#f6f8fa" in style
    table = tree.xpath("//td[contains(@class,'kehila-content')]//table")[0]
    assert "border-collapse:collapse" in table.get("style").replace(" ", "")
    assert all("border:1px" in td.get("style").replace(" ", "") for td in table.iter("td"))
    quote = tree.xpath("//td[contains(@class,'kehila-content')]//blockquote")[0]
    assert "border-left:4px" in quote.get("style").replace(" ", "")


@pytest.mark.parametrize("slug", ["tavla-he-4", "tavla-ar-1"])
def test_hebrew_and_arabic_issues_read_right_to_left(outbox: Path, slug: str) -> None:
    tree = html_tree(outbox / f"{slug}.html")
    assert tree.get("dir") == "rtl"
    assert tree.get("lang") in ("he", "ar")
    # The site's own words (English here) keep their language and direction.
    topbar = tree.xpath("//td[contains(@class,'kehila-topbar')]")[0]
    assert (topbar.get("lang"), topbar.get("dir")) == ("en", "ltr")


def test_hebrew_quote_has_its_border_on_the_right(outbox: Path) -> None:
    tree = html_tree(outbox / "tavla-he-4.html")
    quote = tree.xpath("//blockquote")[0]
    style = quote.get("style").replace(" ", "")
    assert "border-right:4px" in style and "border-left:0" in style


def test_plain_text_has_numbered_link_references(outbox: Path) -> None:
    text = (outbox / "tavla-notes-20.txt").read_text(encoding="utf-8")
    assert "story from the bakery [1]" in text
    assert "[1] https://community.tavla.example/hub/stories/bakery-fridays/" in text
    assert "[Export dialog] [2]" in text
    refs = dict(re.findall(r"^\[(\d+)\] (\S+)$", text, flags=re.MULTILINE))
    assert refs["2"] == SITE + "img/export.png"
    assert ARCHIVE in refs.values()
    assert f"Unsubscribe: {UNSUBSCRIBE}" in text
    assert "<" not in text.replace("<https", "")
    assert "    rows = list(csv.DictReader(handle))" in text, "code stays as written"
    assert "> The export saved us an afternoon every month." in text
    assert "Shifts | CSV |" in text
    assert "alert(" not in text


def test_archive_link_resolves_to_the_built_page(outbox: Path, hub_project: Path) -> None:
    site_dir = build(hub_project)
    for path in outbox.glob("*.html"):
        tree = html_tree(path)
        local = {
            urlsplit(a.get("href")).path
            for a in tree.iter("a")
            if a.get("href", "").startswith(SITE)
        } | {urlsplit(i.get("src")).path for i in tree.iter("img") if i.get("src").startswith(SITE)}
        assert local
        for url_path in local:
            rel = url_path[len(urlsplit(SITE).path) :]
            target = site_dir / rel
            if url_path.endswith("/"):
                target = target / "index.html"
            assert target.is_file(), f"{path.name} links to {url_path}, which the build lacks"
        archive = tree.xpath("//td[contains(@class,'kehila-topbar')]//a")[0].get("href")
        page = site_dir / archive[len(SITE) :] / "index.html"
        built = page.read_text(encoding="utf-8")
        title = tree.xpath("//h1")[0].text_content()
        assert lxml.html.fromstring(built).xpath("//h1")[0].text_content().strip() == title


def test_export_is_reproducible(hub_project: Path) -> None:
    first, second = hub_project / "a", hub_project / "b"
    for out in (first, second):
        assert export(hub_project, "tavla-notes-20", "--out", str(out))[0] == 0
    for name in ("tavla-notes-20.html", "tavla-notes-20.txt", "tavla-notes-20.eml"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_hebrew_site_speaks_hebrew_around_any_issue(hub_project: Path) -> None:
    config = hub_project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("language: en", "language: he"),
        encoding="utf-8",
    )
    out = hub_project / "outbox"
    code, output = export(hub_project, "tavla-notes-20", "--out", str(out))
    assert code == 0, output
    tree = html_tree(out / "tavla-notes-20.html")
    # The issue keeps its language; the hub's words are the site's, right to left.
    assert (tree.get("lang"), tree.get("dir")) == ("en", "ltr")
    topbar = tree.xpath("//td[contains(@class,'kehila-topbar')]")[0]
    assert (topbar.get("lang"), topbar.get("dir")) == ("he", "rtl")
    assert topbar.text_content().strip() == "לצפייה במייל בדפדפן"
    footer = tree.xpath("//td[contains(@class,'kehila-footer')]")[0].text_content()
    assert "הסרה מרשימת התפוצה" in footer and "Unsubscribe" not in footer
    text = (out / "tavla-notes-20.txt").read_text(encoding="utf-8")
    assert "גיליון 20" in text and "קישורים:" in text
    # The issue's date too, as the hub writes it (issue 14), isolated in the issue's English.
    date = tree.xpath("//p[contains(@class,'kehila-meta')]//time")[0]
    assert date.text_content() == "1 בנובמבר 2025"
    assert (date.getparent().tag, date.getparent().get("lang")) == ("bdi", "he")
    assert "גיליון 20 · 1 בנובמבר 2025" in text
