"""Hostile HTML never reaches content/ in an active form; contacts are masked.

Vectors: ``xss/payloadsallthethings`` (swisskyrepo/PayloadsAllTheThings "XSS Injection", MIT):
every line of ``Intruders/*.txt`` and every file of ``Files/``; the two lists of bare event-handler
names are used as attributes of an image. Feeds: ``feeds/feedparser/wellformed/sanitize``
(kurtmckee/feedparser's sanitizer cases, BSD-2-Clause). See corpus/SOURCES.md.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from kehila.harvest.sources._qa import sanitize_html
from kehila.harvest.to_markdown import (
    EMAIL_MASK,
    PHONE_MASK,
    html_to_markdown,
    mask_contacts,
    plain_text,
    text_to_markdown,
)

from ..conftest import corpus_names
from .conftest import FeedServer, harvest, summary, write_project
from .safety import active_content

XSS = "xss/payloadsallthethings"
HANDLER_LISTS = {"0xcela_event_handlers.txt", "port_swigger_xss_cheatsheet_event_handlers.txt"}
#: Characters XML 1.0 cannot carry (some payloads have them); they cannot come from a feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xss_vectors(corpus: Path) -> list[tuple[str, str]]:
    vectors = []
    for path in sorted((corpus / XSS / "Intruders").glob("*.txt")):
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            if path.name in HANDLER_LISTS:
                line = f'<img src="x" {line.strip()}="alert({number})">'
            vectors.append((f"{path.name}:{number}", line))
    for path in sorted((corpus / XSS / "Files").iterdir()):
        vectors.append((path.name, path.read_text("utf-8", errors="replace")))
    return vectors


# One test per list, so that pytest-xdist spreads the 2,600 vectors over the workers.
XSS_LISTS = corpus_names(f"{XSS}/Intruders", "*.txt") + ["Files"]


def test_all_vectors_are_used(corpus: Path) -> None:
    vectors = xss_vectors(corpus)
    assert len(vectors) > 2500
    assert {origin.split(":")[0] for origin, _ in vectors} - set(XSS_LISTS) == {
        p.name for p in (corpus / XSS / "Files").iterdir()
    }


@pytest.mark.parametrize("origin", XSS_LISTS)
def test_xss_vectors_as_html_bodies(origin: str, corpus: Path, proof) -> None:
    vectors = [
        (where, vector)
        for where, vector in xss_vectors(corpus)
        if where.split(":")[0] == origin or (origin == "Files" and ":" not in where)
    ]
    assert vectors
    unsafe = {}
    for where, vector in vectors:
        for name, converted in (
            ("html", html_to_markdown(vector)),
            ("text", text_to_markdown(vector)),
            # The same vector entity-escaped once more, as feeds often carry it.
            ("escaped", html_to_markdown(html.escape(vector))),
        ):
            problems = active_content(converted)
            if problems:
                unsafe[f"{where} ({name})"] = problems
    assert unsafe == {}
    proof("vectors tried", 3 * len(vectors))


def test_the_checker_would_catch_raw_payloads(corpus: Path) -> None:
    # Guard against a checker that cannot fail: the raw vectors are caught.
    caught = sum(1 for _, vector in xss_vectors(corpus)[:200] if active_content(vector))
    assert caught > 100


def test_xss_vectors_through_a_harvested_feed(
    tmp_path: Path, feeds: FeedServer, corpus: Path
) -> None:
    vectors = [v for v in xss_vectors(corpus) if v[0].startswith(("XSS_Polyglots", "RSNAKE"))]
    items = "".join(
        f"<item><title>Payload {origin}</title><guid>{html.escape(origin)}</guid>"
        f"<pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>"
        f"<description>{html.escape(NOT_XML.sub('', vector))}</description></item>"
        for origin, vector in vectors
    )
    # RSS 2.0 as every blog engine writes it: HTML entity-escaped inside <description>.
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        f"<link>https://example.org/</link><description>x</description>{items}</channel></rss>"
    ).encode()
    url = feeds.serve("/xss.rss", body)
    config = write_project(tmp_path, [{"name": "hostile", "type": "feed", "url": url}])
    result = harvest(config)
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "content").rglob("*.md"))
    assert len(files) == len(vectors)
    unsafe = {p.name: active_content(p.read_text("utf-8")) for p in files}
    assert {k: v for k, v in unsafe.items() if v} == {}


def test_feedparser_sanitizer_cases(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    paths = sorted((corpus / "feeds/feedparser/wellformed/sanitize").glob("*.xml"))
    sources = [
        {"name": f"case-{n}", "type": "feed", "url": feeds.serve(f"/{p.name}", p.read_bytes())}
        for n, p in enumerate(paths)
    ]
    config = write_project(tmp_path, sources)
    result = harvest(config)
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "content").rglob("*.md"))
    # Cases whose only content is an element the sanitiser removes are skipped, and say so.
    table = summary(result.output)
    # (Eleven cases attack feed-level fields only and have no entry at all.)
    with_entries = [p for p in paths if re.search(rb"<(entry|item)[\s>]", p.read_bytes())]
    assert len(with_entries) == len(paths) - 11
    harvested = sum(int(row["new"]) + int(row["skipped"]) for row in table.values())
    assert harvested == len(with_entries)
    assert sum(int(row["new"]) for row in table.values()) == len(files) >= 10
    assert "no title and no text" in result.output
    unsafe = {p.name: active_content(p.read_text("utf-8")) for p in files}
    assert {k: v for k, v in unsafe.items() if v} == {}
    text = "\n".join(p.read_text("utf-8") for p in files).lower()
    for marker in ("<script", "javascript:", "onclick", "<iframe", "<style", "<form"):
        assert marker not in text


def test_html_structure_survives() -> None:
    markdown = html_to_markdown(
        "<h2>Results</h2><p>We cut <strong>no-shows</strong> by 38%, see "
        '<a href="https://example.org/report?a=1&amp;b=2" onclick="x()">the report</a>.</p>'
        "<ul><li>SMS</li><li>e-mail</li></ul><pre><code>x = 1</code></pre>"
    )
    assert markdown == (
        "## Results\n\nWe cut **no-shows** by 38%, see "
        "[the report](https://example.org/report?a=1&amp;b=2).\n\n"
        "- SMS\n- e-mail\n\n```\nx = 1\n```"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to dana.w+hub@clinic.example.org today", f"Write to {EMAIL_MASK} today"),
        ("Call +1 (555) 123-4567.", f"Call {PHONE_MASK}."),
        ("Ring 020 7946 0958 or 06-1234 5678", f"Ring {PHONE_MASK} or {PHONE_MASK}"),
        ("Tel: +972-3-555-1234", f"Tel: {PHONE_MASK}"),
        # Not phone numbers: dates, years, percentages, amounts, short ids, URLs.
        (
            "On 2025-03-04 we grew 38% to 1,200,000 users",
            "On 2025-03-04 we grew 38% to 1,200,000 users",
        ),
        ("Order 1234567 shipped in 2024", "Order 1234567 shipped in 2024"),
        ("See https://example.org/p/5551234567 now", "See https://example.org/p/5551234567 now"),
    ],
)
def test_mask_contacts(text: str, expected: str) -> None:
    assert mask_contacts(text) == expected


def test_masking_can_be_turned_off() -> None:
    body = "<p>Mail me: dana@clinic.example, +1 555 123 4567</p>"
    assert "dana@clinic.example" not in html_to_markdown(body)
    assert "dana@clinic.example" in html_to_markdown(body, mask=False)
    assert "+1 555 123 4567" in html_to_markdown(body, mask=False)


def test_plain_text_strips_tags_and_decodes_entities() -> None:
    assert plain_text("<p>Tom &amp; Jerry</p><p>again</p><script>x()</script>") == (
        "Tom & Jerry again"
    )


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("x.png", "https://forum.example/t/topic/x.png"),
        ("../x.png", "https://forum.example/t/x.png"),
        ("/uploads/x.png", "https://forum.example/uploads/x.png"),
        ("//cdn.example/x.png", "https://cdn.example/x.png"),
        ("https://other.example/x.png", "https://other.example/x.png"),
    ],
)
def test_every_relative_url_form_resolves_against_the_base(href: str, expected: str) -> None:
    # The Q&A sources and the feed share one rule (kehila.harvest.to_markdown.absolute_url).
    html = f'<p><img src="{href}" alt="i"> <a href="{href}">l</a></p>'
    base = "https://forum.example/t/topic/42"
    assert sanitize_html(html, base_url=base) == f"![i]({expected}) [l]({expected})"
    assert html_to_markdown(html, base_url=base) == f"![i]({expected}) [l]({expected})"


def test_a_url_that_cannot_be_resolved_is_dropped_not_kept_relative() -> None:
    html = '<p><img src="x.png" alt="i"> <a href="page.html">words</a> <a href="//h/x">h</a></p>'
    # No base at all, or a base that is no web address: nothing to resolve against.
    for base in (None, "page.html", "javascript:alert(1)"):
        assert html_to_markdown(html, base_url=base) == "words h"
    # Resolved, but not to the web (an unknown scheme behind a relative-looking path).
    assert html_to_markdown('<a href="x">a</a>', base_url="ftp://files.example/") == "a"
