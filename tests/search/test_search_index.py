"""The search index the plugin writes: what goes in, how words are normalised, and the switch to
Material's own search. Builds are real MkDocs builds of the demo hub."""

from __future__ import annotations

import json
from pathlib import Path

from kehila.search.index import SearchIndex
from kehila.search.text import Analyzer, hebrew_stem, html_to_text, normalize

from ..conftest import build


def _postings(index: Path, language: str, key: str) -> dict[int, int]:
    """Decode one term's postings the way the browser client does: {document: in title}."""
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    firsts = manifest["languages"][language]["chunks"]
    chunk = max(i for i, first in enumerate(firsts) if first <= key)
    entries = json.loads((index / language / "t" / f"{chunk}.json").read_text("utf-8"))
    entry = entries[key]
    if isinstance(entry, str):
        return _postings(index, language, entry)
    hits, value = {}, 0
    for delta in entry:
        value += delta
        hits[value >> 1] = value & 1
    return hits


def test_hebrew_and_russian_normalisation() -> None:
    assert normalize("שָׁלוֹם") == "שלומ"
    assert normalize("Ёжик") == "ежик"
    hebrew = Analyzer("he")
    assert (
        hebrew.terms("שָׁלוֹם עולם")
        == hebrew.terms("שלום עולמ")
        == {
            hebrew_stem("שלומ"),
            "עולמ",
        }
    )
    russian = Analyzer("ru")
    assert russian.terms("уведомления") == russian.terms("уведомлений")
    english = Analyzer("en")
    assert english.terms("Exporting exports") == {"export"}


def test_page_text_drops_markup_scripts_and_permalinks() -> None:
    html = (
        '<h2 id="a">Setup<a class="headerlink" href="#a">¶</a></h2><p>Use &lt;b&gt; '
        "<code>tavla sync</code></p><script>alert(1)</script>"
    )
    assert html_to_text(html) == "Setup Use <b> tavla sync"


def test_index_round_trip(tmp_path: Path) -> None:
    index = SearchIndex()
    for n, (title, date) in enumerate([("Old export", "2023-01-01"), ("New report", "2025-01-01")]):
        text = f"{title}. Exporting shifts to Excel."
        index.add(key=f"k{n}", url=f"u{n}/", title=title, kind="qa", tags=["export"],
                  language="en", date=date, text=text)  # fmt: skip
    index.add(key="k2", url="u2/", title="Прощай", kind="story", tags=[], language="ru",
              date="2024-01-01", text="Выгрузка")  # fmt: skip
    index.retain({"k0", "k1"})
    counts = index.write(tmp_path / "idx", kinds={"qa": "Q&A", "story": "Stories"})
    assert counts == {"en": 2}
    # Documents are numbered newest first; "export" is in the title of the old one only.
    assert _postings(tmp_path / "idx", "en", "export") == {0: 0, 1: 1}
    # A surface form leads to its stem.
    assert _postings(tmp_path / "idx", "en", "exporting") == {0: 0, 1: 1}
    doc = json.loads((tmp_path / "idx" / "en" / "d" / "1.json").read_text("utf-8"))
    assert doc["u"] == "u0/" and doc["t"] == "Old export" and doc["k"] == "qa"


def test_demo_hub_index_holds_exactly_the_published_items(demo_project: Path) -> None:
    site = build(demo_project)
    index = site / "kehila-search"
    manifest = json.loads((index / "manifest.json").read_text("utf-8"))
    docs = {
        lang: [
            json.loads((index / lang / "d" / f"{n}.json").read_text("utf-8"))["u"]
            for n in range(info["docs"])
        ]
        for lang, info in manifest["languages"].items()
    }
    assert sorted(docs) == ["ar", "en", "he", "ru"]
    assert "questions/ru-export-excel/" in docs["ru"]
    assert "questions/he-sms-reminder-text/" in docs["he"]
    every = [u for urls in docs.values() for u in urls]
    # Pending and rejected items are not published, so they are not searchable either.
    published = sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.glob(
        "*/**/index.html") if (p.parent / "index.html").read_text("utf-8").count(
        'class="kehila-item') and "/page/" not in p.as_posix())  # fmt: skip
    assert sorted(every) == published
    assert (site / "assets" / "kehila" / "search.js").is_file()
    # Material's search is not part of this build.
    assert not (site / "search" / "search_index.json").exists()


def test_material_search_is_the_switch_for_small_hubs(demo_project: Path) -> None:
    config = demo_project / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace("plugins:\n", "plugins:\n  - search\n", 1), "utf-8"
    )
    site = build(demo_project)
    assert (site / "search" / "search_index.json").is_file()
    assert not (site / "kehila-search").exists()
    home = (site / "index.html").read_text("utf-8")
    assert 'data-md-component="search"' in home
    assert "assets/kehila/search.js" not in home


def test_worker_process_writes_the_same_index_as_in_process(tmp_path: Path) -> None:
    from kehila.search.worker import LocalIndex, WorkerIndex

    html = "<h1>Смены</h1><p>Выгрузка смен в <b>Excel</b> &amp; CSV</p>"
    outputs = []
    for name, index in (("local", LocalIndex()), ("worker", WorkerIndex())):
        try:
            index.add(key="k", url="u/", title="Смены", kind="qa", tags=["export"],
                      language="ru", date="2025-01-01", html=html)  # fmt: skip
            assert index.write(tmp_path / name, kinds={"qa": "Q&A"}) == {"ru": 1}
        finally:
            index.close()
        outputs.append(sorted((p.relative_to(tmp_path / name).as_posix(), p.read_bytes())
                              for p in (tmp_path / name).rglob("*.json")))  # fmt: skip
    assert outputs[0] == outputs[1]
    assert _postings(tmp_path / "worker", "ru", "выгрузк") == {0: 0}
