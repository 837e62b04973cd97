"""Search indexing in proportion to change: analyses of pages kept between builds (by a
fingerprint of all they depend on), only the index files whose text changed written, and the
index always what a build from scratch writes, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kehila.cache import KeptFolder
from kehila.search import analyses
from kehila.search.index import SearchIndex
from kehila.search.worker import LocalIndex, MissingAnalyses

from ..conftest import build, copy_demo

#: (key, language, title, body): Hebrew words whose light forms are words of other pages
#: ("כתבותות" gives "תבות", a page's own word, whose stem is "תבו"), Arabic, Russian, English.
PAGES = [
    ("a", "he", "כתבותות ישנות", "<p>והתזכורות של המשמרות</p>"),
    ("b", "he", "תבות", "<p>תזכורת אחת, משמרת אחת</p>"),
    ("c", "ar", "والتذكيرات", "<p>التذكير بالمواعيد والالتزامات</p>"),
    ("d", "ru", "Смены", "<p>Выгрузка смен в <b>Excel</b> &amp; CSV</p>"),
    ("e", "en", "Exporting shifts", "<p>Exports of the rota, exported weekly.</p>"),
    ("f", "en", "Reminders", "<p>A reminder before each shift.</p>"),
]


def _add(index: LocalIndex, page: tuple[str, str, str, str], *, html: bool = True) -> None:
    key, language, title, body = page
    index.add(
        key=key,
        url=f"{key}/",
        title=title,
        kind="qa",
        tags=["shifts"],
        language=language,
        date=f"2025-01-0{ord(key) % 9 + 1}",
        fingerprint=f"{key}:{title}:{body}",
        **({"html": body} if html else {}),
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _from_scratch(pages: list, folder: Path) -> dict[str, bytes]:
    index = LocalIndex()
    for page in pages:
        _add(index, page)
    index.write(folder, kinds={"qa": "Q&A"})
    return _files(folder)


def _edited(pages: list, key: str) -> list:
    return [(k, lang, t, b + "<p>Edited.</p>" if k == key else b) for k, lang, t, b in pages]


def test_the_index_does_not_depend_on_the_order_of_its_pages(tmp_path: Path) -> None:
    forward = _from_scratch(PAGES, tmp_path / "forward")
    assert _from_scratch(PAGES[::-1], tmp_path / "backward") == forward
    # Each page by itself gives the stems it gives among the others.
    chunks = "".join(v.decode() for k, v in forward.items() if k.startswith("he/t/"))
    assert '"תבו":' in chunks and '"תבות":' in chunks


def test_a_kept_analysis_is_used_and_only_changed_pages_are_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "analyses"
    first = LocalIndex(store)
    for page in PAGES:
        _add(first, page)
    first.write(tmp_path / "first", kinds={"qa": "Q&A"})
    assert analyses.fingerprints(store) == {f"{k}:{t}:{b}" for k, _, t, b in PAGES}

    analysed = []
    original = SearchIndex.analyse
    monkeypatch.setattr(
        SearchIndex,
        "analyse",
        lambda self, lang, title, text: analysed.append(title) or original(self, lang, title, text),
    )
    pages = _edited(PAGES, "e")
    second = LocalIndex(store)
    for page in pages:
        # A page whose fingerprint is kept comes without its HTML.
        _add(second, page, html=page[0] == "e")
    second.write(tmp_path / "second", kinds={"qa": "Q&A"})
    assert analysed == ["Exporting shifts"]
    monkeypatch.undo()
    assert _files(tmp_path / "second") == _from_scratch(pages, tmp_path / "scratch")
    assert "Edited" in (tmp_path / "second" / "en" / "d" / "1.json").read_text("utf-8")


def test_a_kept_analysis_of_another_fingerprint_is_not_used(tmp_path: Path) -> None:
    store = tmp_path / "analyses"
    first = LocalIndex(store)
    for page in PAGES:
        _add(first, page)
    first.write(tmp_path / "first", kinds={"qa": "Q&A"})
    pages = _edited(PAGES, "f")
    second = LocalIndex(store)
    for page in pages:
        _add(second, page, html=False)  # page f's new fingerprint is not kept
    with pytest.raises(MissingAnalyses) as missing:
        second.write(tmp_path / "second", kinds={"qa": "Q&A"})
    assert missing.value.keys == ["f"]
    _add(second, pages[-1])  # its HTML, as the build gives it when asked
    second.write(tmp_path / "second", kinds={"qa": "Q&A"})
    assert _files(tmp_path / "second") == _from_scratch(pages, tmp_path / "scratch")


@pytest.mark.parametrize("damage", ["payload", "truncated", "version", "foreign"])
def test_a_damaged_or_foreign_store_is_ignored(tmp_path: Path, damage: str) -> None:
    store = tmp_path / "analyses"
    first = LocalIndex(store)
    for page in PAGES:
        _add(first, page)
    first.write(tmp_path / "first", kinds={"qa": "Q&A"})
    data = store.read_bytes()
    if damage == "payload":
        store.write_bytes(data.replace(b"Exports", b"Imports"))
    elif damage == "truncated":
        store.write_bytes(data[:-100])
    elif damage == "version":
        magic, header, payload = data.split(b"\n", 2)
        fields = json.loads(header)
        fields["version"] = "0" * 32
        store.write_bytes(magic + b"\n" + json.dumps(fields).encode() + b"\n" + payload)
    else:
        store.write_text('{"e": ["export", "", "", "forged"]}', encoding="utf-8")
    assert analyses.load(store) == {}
    second = LocalIndex(store)
    for page in PAGES:
        _add(second, page, html=False)
    with pytest.raises(MissingAnalyses) as missing:
        second.write(tmp_path / "second", kinds={"qa": "Q&A"})
    assert sorted(missing.value.keys) == sorted(k for k, *_ in PAGES)


def test_only_the_index_files_that_changed_are_written(tmp_path: Path) -> None:
    kept = KeptFolder(tmp_path / "kept")
    first = LocalIndex()
    for page in PAGES:
        _add(first, page)
    first.write(tmp_path / "first", kinds={"qa": "Q&A"}, kept=kept, key="one")
    pages = _edited(PAGES, "d")
    second = LocalIndex()
    for page in pages:
        _add(second, page)
    site = tmp_path / "second"
    second.write(site, kinds={"qa": "Q&A"}, kept=KeptFolder(tmp_path / "kept"), key="two")
    assert _files(site) == _from_scratch(pages, tmp_path / "scratch")
    fresh = second.index.fresh
    assert "ru/d/0.json" in fresh and "en/d/0.json" not in fresh
    assert len(fresh) < len(_files(site)) / 2
    for name in _files(site):
        same = (site / name).stat().st_ino == (kept.files / name).stat().st_ino
        assert same, name  # the kept copy is the site's, file by file (hard links)
    # A kept file changed in place is not taken again.
    (kept.files / "en" / "facets.json").write_text("{}", encoding="utf-8")
    third = LocalIndex()
    for page in pages:
        _add(third, page)
    third.write(tmp_path / "third", kinds={"qa": "Q&A"}, kept=KeptFolder(tmp_path / "kept"))
    assert _files(tmp_path / "third") == _files(tmp_path / "scratch")
    assert "en/facets.json" in third.index.fresh


STORY = "content/stories/2025-05-19-volunteer-fire-brigade.md"


def _edit(project: Path) -> None:
    path = project / STORY
    path.write_text(path.read_text("utf-8") + "\nA paragraph about lanterns.\n", "utf-8")


def _index(site: Path) -> dict[str, bytes]:
    return _files(site / "kehila-search")


def test_after_an_edit_the_index_is_the_one_made_from_scratch(
    demo_project: Path, tmp_path: Path
) -> None:
    build(demo_project)
    store = demo_project / ".cache" / "kehila" / "search-index" / "analyses"
    before = analyses.fingerprints(store)
    _edit(demo_project)
    warm = _index(build(demo_project))
    after = analyses.fingerprints(store)
    # Only the edited page was analysed again (and went into the store's journal).
    assert before < after and len(after - before) == 1
    assert (store.parent / "analyses.journal").is_file()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copy_demo(scratch)
    _edit(scratch)
    assert warm == _index(build(scratch))
    assert "lantern" in b"".join(warm.values()).decode()


def test_a_damaged_analyses_store_is_ignored_by_the_build(
    demo_project: Path, tmp_path: Path
) -> None:
    build(demo_project)
    store = demo_project / ".cache" / "kehila" / "search-index" / "analyses"
    data = store.read_bytes()
    store.write_bytes(data[:-10] + b"0123456789")  # the header still promises every page
    _edit(demo_project)
    warm = _index(build(demo_project))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copy_demo(scratch)
    _edit(scratch)
    assert warm == _index(build(scratch))
    assert analyses.load(store)  # written again, whole


def test_new_analyses_go_into_a_journal_until_it_is_time_to_write_the_file_anew(
    tmp_path: Path,
) -> None:
    store = tmp_path / "analyses"
    journal = tmp_path / "analyses.journal"
    many = PAGES + [(key, "en", f"Page {key}", f"<p>Body {key}</p>") for key in "ghijklmnop"]
    first = LocalIndex(store)
    for page in many:
        _add(first, page)
    first.write(tmp_path / "first", kinds={"qa": "Q&A"})
    written = store.read_bytes()
    # One page of sixteen changed: its analysis goes into the journal, the file stays.
    pages = _edited(many, "a")
    second = LocalIndex(store)
    for page in pages:
        _add(second, page, html=page[0] == "a")
    second.write(tmp_path / "second", kinds={"qa": "Q&A"})
    assert store.read_bytes() == written and journal.is_file()
    assert len(analyses.load(store)) == len(many) + 1
    # A line cut short (an interrupted build) is left out; the others stay.
    journal.write_bytes(journal.read_bytes() + b'\n0badc0de ["x", "cut')
    third = LocalIndex(store)
    for page in pages:
        _add(third, page, html=False)
    third.write(tmp_path / "third", kinds={"qa": "Q&A"})
    assert _files(tmp_path / "third") == _files(tmp_path / "second")
    # Two more edits: journal and unused analyses reach a quarter: the file is written anew.
    pages = _edited(_edited(pages, "b"), "c")
    fourth = LocalIndex(store)
    for page in pages:
        _add(fourth, page)
    fourth.write(tmp_path / "fourth", kinds={"qa": "Q&A"})
    assert not journal.exists() and store.read_bytes() != written
    assert analyses.load(store).keys() == {f"{k}:{t}:{b}" for k, _, t, b in pages}


def test_a_build_whose_index_is_kept_starts_no_indexer(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kehila.mkdocs import hub_search

    cold = _index(build(demo_project))
    started = []
    original = hub_search.start_index
    monkeypatch.setattr(
        hub_search, "start_index", lambda **kw: started.append(kw) or original(**kw)
    )
    assert _index(build(demo_project)) == cold
    assert started == []
    _edit(demo_project)
    build(demo_project)
    assert len(started) == 1
