"""``type: feed`` on real feeds of every flavour, fetched from a local HTTP server.

Files (see corpus/SOURCES.md): ``feeds/rss-parser/*`` are real-world captures from
rbren/rss-parser (MIT); ``feeds/feedparser/*`` are feedparser's test cases (kurtmckee/feedparser,
BSD-2-Clause), served with the ``Header:`` lines they declare for their HTTP cases.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from kehila.cli import main
from kehila.harvest.http import HttpClient
from kehila.harvest.sources.base import ConfigError, HarvestContext, HarvestError, Skipped
from kehila.harvest.sources.feed import FeedSource
from kehila.harvest.store import ItemStore, Outcome
from kehila.model import Item
from pytest_httpserver import HTTPServer

from ..conftest import build, corpus_names, write_files
from ..harvest.conftest import MEDIUM, FeedServer, counts, harvest, write_project

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Parametrisation needs the file names at collection time: the same corpus the fixture gives.
REAL_WORLD = [
    name
    for name in corpus_names("feeds/rss-parser")
    if name != "giantbomb-podcast.rss"  # 1.6 MB, 730 entries: used by the kill test instead
]
ENCODING_CASES = corpus_names("feeds/feedparser/encoding", "*.xml")


def _source(url: str, tmp_path: Path, warnings: list[str] | None = None, **options) -> FeedSource:
    context = HarvestContext(
        project_dir=tmp_path,
        state_dir=tmp_path / "content/.kehila",
        http=HttpClient(backoff=0.01, retries=0),
        warn=(warnings.append if warnings is not None else None),
    )
    return FeedSource("src", {"url": url, **options}, context)


def _items(source: FeedSource) -> list[Item]:
    found = list(source.items())
    return [i for i in found if isinstance(i, Item)]


def _header(path: Path) -> dict[str, str]:
    """The HTTP headers a feedparser test case declares (``Header: Name: value``)."""
    text = path.read_bytes()[:600].decode("latin-1")
    headers = {}
    for line in re.findall(r"^Header:\s*(.+)$", text, re.MULTILINE):
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return headers


def test_medium_feed_as_newsletter(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    url = feeds.serve("/medium.rss", (corpus / MEDIUM).read_bytes())
    items = _items(_source(url, tmp_path, kind="newsletter", tags=["archive"]))
    assert len(items) == 7
    first = items[0]
    assert first.id == "feed:src:https://medium.com/p/125af37d838f"
    assert first.kind == "newsletter" and first.status == "pending"
    assert first.title == "THE CREATIVE FORAGER"
    assert first.date.isoformat() == "2018-04-09T18:55:38+00:00"
    assert first.author is not None and first.author.name == "Jeremy Puma"
    assert first.tags[:3] == ["plants", "environment", "nature"] and first.tags[-1] == "archive"
    assert first.source.url.startswith("https://medium.com/invironment/the-creative-forager")
    # Full content:encoded, not the teaser of <description> (which ends in "Continue reading").
    assert len(first.body) > 3 * len(first.summary or "")
    assert "Continue reading" not in first.body
    assert first.summary


def test_atom_feed(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    # heise.atom: a German news site's Atom 1.0 feed.
    url = feeds.serve("/heise.atom", (corpus / "feeds/rss-parser/heise.atom").read_bytes())
    items = _items(_source(url, tmp_path))
    assert len(items) == 15
    assert items[0].title.startswith("Java-Anwendungsserver: Red Hat gibt WildFly 10 fr")
    assert items[0].source.url.startswith("http")
    assert all(i.date.tzinfo is not None for i in items)


def test_rdf_feed(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    # craigslist.rss: RSS 1.0 (RDF) with dc:date.
    url = feeds.serve("/cl.rss", (corpus / "feeds/rss-parser/craigslist.rss").read_bytes())
    items = _items(_source(url, tmp_path))
    assert len(items) == 25
    assert items[0].title.startswith("Bright, Spacious Beautiful Victorian")


def test_rss_092_and_latin1(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    # heraldsun.rss is RSS 0.92 in ISO-8859-1; encoding.rss is RSS 2.0 in ISO-8859-1.
    url = feeds.serve("/h.rss", (corpus / "feeds/rss-parser/heraldsun.rss").read_bytes())
    assert [i.title for i in _items(_source(url, tmp_path))][0] == "The First Item"
    url = feeds.serve("/e.rss", (corpus / "feeds/rss-parser/encoding.rss").read_bytes())
    items = _items(_source(url, tmp_path))
    assert items[0].title == "Mãe de utente é a nova presidente da Raríssimas"
    assert items[0].tags == ["Nacional"]


def test_ill_formed_feed_warns_with_reason_and_harvests_what_parses(
    tmp_path: Path, feeds: FeedServer, corpus: Path
) -> None:
    # uolNoticias.rss declares UTF-8 but is Windows-1252: feedparser sets bozo and reads it.
    url = feeds.serve("/uol.rss", (corpus / "feeds/rss-parser/uolNoticias.rss").read_bytes())
    config = write_project(tmp_path, [{"name": "uol", "type": "feed", "url": url}])
    result = harvest(config)
    assert result.exit_code == 0
    assert counts(result.output, "uol")[0] == 15
    assert "is not a well-formed feed" in result.output
    assert "document declared as utf-8" in result.output
    titles = [
        Item.from_text(p.read_text("utf-8"), path=p.name).title
        for p in (tmp_path / "content").rglob("*.md")
    ]
    assert "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin" in " ".join(titles)


def test_truncated_cdata_feed(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    path = corpus / "feeds/feedparser/illformed/rss_incomplete_cdata.xml"
    warnings: list[str] = []
    found = list(_source(feeds.serve("/x.xml", path.read_bytes()), tmp_path, warnings).items())
    # The one entry is cut off inside its title: reported as skipped, not silently dropped.
    assert found == [Skipped("entry 1", "the entry has no id, link, title or text")]
    assert len(warnings) == 1
    assert "not a well-formed feed" in warnings[0] and "XML or text declaration" in warnings[0]


def test_not_a_feed_fails_the_source(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    # A JSON Feed (feedparser's json/example.json) is not RSS or Atom: a clear failure.
    data = (corpus / "feeds/feedparser/json/example.json").read_bytes()
    source = _source(feeds.serve("/feed.json", data, "application/json"), tmp_path)
    with pytest.raises(HarvestError, match=r"source 'src': .*feed\.json: not a readable feed"):
        list(source.items())


@pytest.mark.parametrize("name", REAL_WORLD)
def test_real_world_feeds_harvest_cleanly(
    name: str, tmp_path: Path, feeds: FeedServer, corpus: Path
) -> None:
    url = feeds.serve(f"/{name}", (corpus / "feeds/rss-parser" / name).read_bytes())
    config = write_project(tmp_path, [{"name": "real", "type": "feed", "url": url}])
    result = harvest(config)
    assert result.exit_code == 0, result.output
    new, _, _, _, skipped, errors = counts(result.output, "real")
    assert errors == 0 and new + skipped >= 1
    for path in (tmp_path / "content").rglob("*.md"):
        text = path.read_text("utf-8")
        Item.from_text(text, path=path.name)
        # No address reaches content/: not from authors ("x@y (Name)"), not from bodies.
        assert not EMAIL.search(text), (path.name, EMAIL.search(text).group(0))


@pytest.mark.parametrize("name", ENCODING_CASES)
def test_encoding_cases(name: str, tmp_path: Path, httpserver, corpus: Path) -> None:
    path = corpus / "feeds/feedparser/encoding" / name
    headers = _header(path)
    # Without a declared type, what a static file server sends for .xml (no charset, so the
    # BOM and XML declaration decide, as RFC 7303 says).
    content_type = headers.pop("Content-type", headers.pop("Content-Type", "application/xml"))
    httpserver.expect_request("/case.xml").respond_with_data(
        path.read_bytes(), headers=headers, content_type=content_type
    )
    source = _source(httpserver.url_for("/case.xml"), tmp_path, warnings=[])
    store = ItemStore(tmp_path / "content")
    for found in source.items():
        if isinstance(found, Skipped):
            continue
        result = store.put(found)
        assert result.outcome is Outcome.NEW, result
        text = result.path.read_text("utf-8")
        assert Item.from_text(text, path=result.path.name).id == found.id


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="source 'src': option 'kind': expected one of story"):
        _source("https://example.org/feed", tmp_path, kind="qa")
    with pytest.raises(ConfigError, match="option 'max_itmes': unknown option"):
        _source("https://example.org/feed", tmp_path, max_itmes=3)
    with pytest.raises(ConfigError, match="option 'url': expected an http"):
        _source("ftp://example.org/feed", tmp_path)


def test_max_items_keeps_the_newest(tmp_path: Path, feeds: FeedServer, corpus: Path) -> None:
    url = feeds.serve("/medium.rss", (corpus / MEDIUM).read_bytes())
    items = _items(_source(url, tmp_path, max_items=2))
    assert [i.date.year for i in items] == [2018, 2018]
    assert items[0].date > items[1].date


def test_authors_keep_name_and_profile_never_the_address(
    tmp_path: Path, feeds: FeedServer, corpus: Path
) -> None:
    # feedburner.atom (a Blogger export): <author> with name, uri and email.
    data = (corpus / "feeds/rss-parser/feedburner.atom").read_bytes()
    first = _items(_source(feeds.serve("/fb.atom", data), tmp_path))[0]
    assert first.author.name == "Google Ads Developer Advisor"
    assert first.author.url == "http://www.blogger.com/profile/16700526826531306391"
    # narro.rss: the only author given is an e-mail address, so there is no author.
    data = (corpus / "feeds/rss-parser/narro.rss").read_bytes()
    (item,) = _items(_source(feeds.serve("/narro.rss", data), tmp_path))
    assert item.author is None


PLAIN_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Tavla customer stories</title><link>https://stories.tavla.example/</link>
<description>Stories</description>%(channel_date)s
<item>
  <title>The brigade that got its weekends back</title>
  <link>https://stories.tavla.example/brigade</link>
  <author>chief@brigade.example (Ruth Adler)</author>
  <description>Our brigade has 120 volunteers &amp; three stations.

Before Tavla, the rota lived in a spreadsheet.
Nobody trusted it.

Now swaps happen in the app.</description>
</item>
<item>
  <title>Tagged</title><link>https://stories.tavla.example/tagged</link>
  <pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;One &lt;b&gt;bold&lt;/b&gt; paragraph.&lt;/p&gt;
  &lt;p&gt;Two.&lt;/p&gt;</description>
</item>
</channel></rss>"""


def _serve(httpserver: HTTPServer, body: bytes, **headers: str) -> str:
    httpserver.expect_request("/stories.rss").respond_with_data(
        body, content_type="application/rss+xml", headers=headers
    )
    return httpserver.url_for("/stories.rss")


def test_plain_text_descriptions_keep_their_paragraphs(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    url = _serve(httpserver, PLAIN_RSS % {b"channel_date": b""})
    brigade, tagged = _items(_source(url, tmp_path))
    # feedparser calls both text/html: the one without tags is text, blank lines and all.
    assert brigade.body == (
        "Our brigade has 120 volunteers &amp; three stations.\n\n"  # renders as &
        "Before Tavla, the rota lived in a spreadsheet.  \nNobody trusted it.\n\n"
        "Now swaps happen in the app."
    )
    assert tagged.body == "One **bold** paragraph.\n\nTwo."
    # RSS 2.0 <author> "address (Name)": the name, never the address.
    assert brigade.author.name == "Ruth Adler" and brigade.author.url is None


@pytest.mark.parametrize(
    ("channel_date", "headers", "date", "origin"),
    [
        (b"<lastBuildDate>Mon, 02 Mar 2026 08:00:00 GMT</lastBuildDate>", {},
         "2026-03-02T08:00:00", "feed date"),
        (b"", {"Last-Modified": "Sun, 01 Mar 2026 07:30:00 GMT"},
         "2026-03-01T07:30:00", "Last-Modified"),
        (b"", {}, None, "harvest date"),
    ],
)  # fmt: skip
def test_an_undated_entry_takes_the_feed_date_or_last_modified_and_is_flagged(
    tmp_path: Path,
    httpserver: HTTPServer,
    channel_date: bytes,
    headers: dict[str, str],
    date: str | None,
    origin: str,
) -> None:
    url = _serve(httpserver, PLAIN_RSS % {b"channel_date": channel_date}, **headers)
    config = write_project(tmp_path, [{"name": "stories", "type": "feed", "url": url}])
    before = dt.datetime.now(dt.UTC)
    assert counts(harvest(config).output, "stories")[0] == 2
    [path] = [p for p in (tmp_path / "content").rglob("*.md") if "brigade" in p.name]
    brigade = Item.from_text(path.read_text("utf-8"), path=path.name)
    assert brigade.source.extra["undated"] == origin
    if date is None:
        assert brigade.date >= before.replace(microsecond=0)  # the harvest's, never silently
    else:
        assert brigade.date.isoformat() == date + "+00:00"
    # The desk's queue flags it (and only it).
    queue = CliRunner().invoke(
        main, ["review", "--json", "--content", str(tmp_path / "content")], catch_exceptions=False
    )
    flags = {i["title"]: i["flags"] for i in json.loads(queue.stdout)}
    assert "undated" in flags["The brigade that got its weekends back"]
    assert "undated" not in flags["Tagged"]
    listing = CliRunner().invoke(main, ["review", "--content", str(tmp_path / "content")])
    assert "[undated]" in listing.stdout


def test_every_story_page_and_card_has_a_byline(demo_project: Path) -> None:
    write_files(
        demo_project,
        {
            "content/stories/2026-03-03-no-quote.md": """
                ---
                id: feed:stories:no-quote
                kind: story
                status: published
                title: The brigade that got its weekends back
                slug: no-quote
                date: 2026-03-03T10:00:00Z
                language: en
                tags: []
                author: {name: Ruth Adler, url: https://brigade.example/ruth}
                consent: {method: public-post, date: 2026-03-03T10:00:00Z, url: https://stories.tavla.example/b}
                disclosure: {type: none}
                ---
                Our brigade has 120 volunteers.
            """
        },
    )
    site = build(demo_project)
    page = BeautifulSoup((site / "stories/no-quote/index.html").read_text("utf-8"), "html.parser")
    assert page.select_one(".kehila-story .kehila-byline a").get_text() == "Ruth Adler"
    wall = BeautifulSoup((site / "stories/index.html").read_text("utf-8"), "html.parser")
    card = next(
        c
        for c in wall.select(".kehila-card--story")
        if "weekends back" in c.select_one(".kehila-card__title").get_text()
    )
    assert card.select_one(".kehila-byline").get_text() == "Ruth Adler"
    # Every story card of the hub names its author.
    for card in wall.select(".kehila-card--story"):
        assert card.select_one("figcaption, .kehila-byline"), card


RELATIVE_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Blog</title><link>https://blog.example/</link><description>x</description>
<item><title>By link</title><link>https://blog.example/2026/10/post.html</link>
<guid>one</guid><pubDate>Sat, 03 Oct 2026 08:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p><img src="x" alt="a"> <a href="page.html">same folder</a>
<a href="../up.png">up</a> <a href="/root">root</a> <a href="//cdn.example/c.png">cdn</a>
<a href="#part">anchor</a> <a href="https://other.example/abs">absolute</a></p>]]></content:encoded>
</item>
<item xml:base="https://static.example/media/"><title>By xml:base</title>
<link>https://blog.example/2026/10/other.html</link><guid>two</guid>
<pubDate>Sat, 03 Oct 2026 09:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p><img src="y.png" alt="b"></p>]]></content:encoded></item>
<item><title>No link</title><guid isPermaLink="false">three</guid>
<pubDate>Sat, 03 Oct 2026 10:00:00 GMT</pubDate>
<description><![CDATA[<p><img src="img/z.png" alt="c"> <a href="/about">about</a></p>]]>
</description>
</item>
<item><title>Relative link</title><link>/2026/rel.html</link><guid>four</guid>
<pubDate>Sat, 03 Oct 2026 11:00:00 GMT</pubDate>
<description><![CDATA[<p><a href="next.html">next</a></p>]]></description></item>
</channel></rss>"""


def test_relative_urls_resolve_against_xml_base_else_the_entry_link_else_the_feed(
    tmp_path: Path, feeds: FeedServer
) -> None:
    url = feeds.serve("/blog/feed.rss", RELATIVE_RSS)
    root = url.removesuffix("/blog/feed.rss")
    by_link, by_base, no_link, relative = _items(_source(url, tmp_path))
    assert by_link.body == (
        "![a](https://blog.example/2026/10/x) [same folder](https://blog.example/2026/10/page.html)\n"
        "[up](https://blog.example/2026/up.png) [root](https://blog.example/root) "
        "[cdn](https://cdn.example/c.png)\n"
        "[anchor](https://blog.example/2026/10/post.html#part) "
        "[absolute](https://other.example/abs)"
    )
    assert by_base.body == "![b](https://static.example/media/y.png)"
    # No link of its own: the feed's address is the base.
    assert no_link.body == f"![c]({root}/blog/img/z.png) [about]({root}/about)"
    # A relative entry link is itself resolved against the feed, then serves as the base.
    assert relative.source.url == f"{root}/2026/rel.html"
    assert relative.body == f"[next]({root}/2026/next.html)"
