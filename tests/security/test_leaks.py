"""Nothing unpublished leaks: pending, rejected and private items appear nowhere in ``site/``.

Every field of a pending, a rejected and a private (published) item of every kind carries its
own marker (a single lower-case token, so that search tokenisers and stemmers keep it whole and
a case-insensitive byte search finds it), beside public items that give every page family
something to show. The hub is built with every boolean option of the plugin switched on (pages,
wall, tags, feeds, search, JSON-LD, the URL ledger and whatever feature is added next), twice:
first with one item published, then with that item rejected, so that the ledger's redirect and
"removed" pages exist. Then every byte of every file under ``site/`` is searched, gzip and zlib
streams decompressed, for the common marker prefix, and so is every file's path (a tag's feed
or embed file is named after the tag).
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from pathlib import Path

import pytest
import yaml
from kehila.mkdocs.config import KehilaConfig
from mkdocs.exceptions import Abort

from tests.conftest import build
from tests.projects import write_project

PREFIX = "zqleak"
KINDS = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}


def marker(*parts: str) -> str:
    return PREFIX + "".join(p.replace("-", "") for p in parts)


def _item(kind: str, status: str, *, private: bool = False, tag: str) -> dict:
    """Front matter with a marker in every field the model knows, and in unknown ones."""

    def m(field: str) -> str:
        return marker(kind, tag, field)

    data = {
        "id": f"{kind}:{m('id')}",
        "kind": kind,
        "status": status,
        "title": f"Title {m('title')}",
        "slug": m("slug"),
        "date": "2025-06-01",
        "language": "en",
        "tags": [m("tag"), f"Shared {m('tagtwo')}"],
        "author": {"name": f"Name {m('author')}", "url": f"https://example.org/{m('authorurl')}"},
        "summary": f"Summary {m('summary')}",
        "editor_note": f"Note {m('extra')}",
        "source": {
            "name": m("sourcename"),
            "type": "feed",
            "url": f"https://example.org/{m('sourceurl')}",
            "harvested": "2025-06-02T00:00:00Z",
            "feed": f"https://example.org/{m('sourceextra')}",
        },
    }
    if private:
        data["private"] = True
    if status == "rejected":
        data["rejected"] = {"reason": f"Reason {m('reason')}", "date": "2025-06-03"}
    if kind == "story":
        data["quote"] = f"Quote {m('quote')}"
        data["consent"] = {
            "method": "email",
            "date": "2025-06-01",
            "note": f"Note {m('consentnote')}",
            "url": f"https://example.org/{m('consenturl')}",
        }
        data["disclosure"] = {"type": "paid", "text": f"Paid {m('disclosure')}"}
    if kind == "qa":
        data["answers"] = [
            {
                "accepted": True,
                "author": {"name": f"Answerer {m('answerauthor')}"},
                "url": f"https://example.org/{m('answerurl')}",
                "body": f"Answer {m('answer')}",
                "score": 3,
            },
            {"author": "Other", "body": f"Other {m('answertwo')}"},
        ]
        data["license"] = {"name": f"CC {m('license')}", "url": f"https://example.org/{m('lic')}"}
    if kind == "newsletter":
        data["issue"] = 7
    return data


def _public(kind: str, number: int) -> dict:
    data = {
        "id": f"{kind}:public-{number}",
        "kind": kind,
        "status": "published",
        "title": f"Public {kind} {number}",
        "date": f"2025-0{number}-01",
        "language": "en",
        "tags": ["shared"],
        "author": {"name": "Dana"},
    }
    if kind == "story":
        data.update(
            quote="It works.",
            consent={"method": "form", "date": "2025-01-01"},
            disclosure="none",
            featured=True,
        )
    if kind == "qa":
        data["answers"] = [{"accepted": True, "author": "Eli", "body": "Like this."}]
    return data


def _write(content: Path, name: str, data: dict, body: str) -> None:
    folder = content / KINDS[data["kind"]]
    folder.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (folder / f"{name}.md").write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")


def _every_feature() -> dict:
    """Every boolean option of the plugin switched on (except preview of pending items, a
    ``mkdocs serve`` feature that the build must ignore anyway: on too)."""
    return {
        name: True
        for name, option in KehilaConfig._schema
        if isinstance(getattr(option, "default", None), bool)
    }


def scan(site: Path) -> tuple[int, list[str]]:
    """Search every file (and every gzip/zlib stream in it) for the marker prefix."""
    needle = PREFIX.encode()
    hits: list[str] = []
    files = [p for p in site.rglob("*") if p.is_file()]
    for path in files:
        if needle.decode() in path.relative_to(site).as_posix().lower():
            hits.append(f"{path.relative_to(site)}: the file's path")
        data = path.read_bytes()
        views = [data]
        if data[:2] == b"\x1f\x8b":
            views.append(gzip.decompress(data))
        elif data[:1] == b"\x78":
            with contextlib.suppress(zlib.error):
                views.append(zlib.decompress(data))
        for view in views:
            lowered = view.lower()
            if needle in lowered or needle in view.decode("utf-16", "ignore").lower().encode():
                at = lowered.find(needle)
                hits.append(f"{path.relative_to(site)}: ...{view[max(at - 60, 0) : at + 40]!r}")
    return len(files), hits


def test_nothing_unpublished_reaches_the_site(tmp_path: Path, proof) -> None:
    write_project(tmp_path, plugin=_every_feature())
    content = tmp_path / "content"
    for kind in KINDS:
        for number in (1, 2, 3):
            _write(content, f"public-{kind}-{number}", _public(kind, number), "Public text.")
        for status, private, tag in (
            ("pending", False, "pending"),
            ("rejected", False, "rejected"),
            ("published", True, "private"),
        ):
            data = _item(kind, status, private=private, tag=tag)
            body = f"Body {marker(kind, tag, 'body')}\n\n## Heading {marker(kind, tag, 'head')}"
            _write(content, f"{tag}-{kind}", data, body)
    # Published once (so the URL ledger remembers it), then rejected with new text.
    was = _public("story", 4) | {"slug": "was-public", "title": "Was public"}
    _write(content, "was-public", was, "Soon to be withdrawn.")
    build(tmp_path, strict=False)
    withdrawn = _item("story", "rejected", tag="withdrawn") | {"slug": "was-public"}
    _write(content, "was-public", withdrawn, f"Body {marker('story', 'withdrawn', 'body')}")
    site = build(tmp_path, strict=False)

    # The build did publish the public items and the feature files (the scan is not vacuous).
    assert (site / "stories" / "public-story-1" / "index.html").is_file()
    assert (site / "stories" / "was-public" / "index.html").is_file(), "no ledger page"
    assert list((site / "feeds").rglob("*.xml")), "no feed was written"
    assert list(site.rglob("kehila-search/**/*.json")), "no search index was written"
    assert list((site / "feeds" / "tags").glob("shared.*")), "no tag feed was written"
    assert list((site / "feeds" / "languages").glob("en.*")), "no language feed was written"
    assert (site / "embed" / "wall.js").is_file(), "no embed was written"
    assert "It works." in (site / "embed" / "data" / "_" / "shared.js").read_text("utf-8")
    assert "It works." in (site / "embed" / "fragments" / "en" / "_.html").read_text("utf-8")
    assert (site / "stories" / "embed" / "index.html").is_file(), "no Embed page"
    scanned, hits = scan(site)
    assert scanned > 20
    assert hits == [], "unpublished text found in site/:\n" + "\n".join(hits[:30])
    proof("files scanned for markers", scanned)
    proof("markers found", len(hits))

    # A story marked published without the consent publishing needs stops the build: it can
    # reach no page, feed, embed or fragment.
    unconsented = _item("story", "published", tag="noconsent")
    del unconsented["consent"]
    _write(content, "noconsent-story", unconsented, f"Body {marker('story', 'noconsent', 'body')}")
    with pytest.raises(Abort):
        build(tmp_path, strict=False)
    assert scan(site)[1] == []


def test_the_scan_finds_a_marker_where_there_is_one(tmp_path: Path) -> None:
    """The scanner itself: plain, gzip-compressed, zlib-compressed and UTF-16 text."""
    (tmp_path / "a.html").write_text(f"<p>{PREFIX}plain</p>")
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(f'["{PREFIX}gz"]'.encode()))
    (tmp_path / "c.bin").write_bytes(zlib.compress(f"{PREFIX.upper()}z".encode()))
    (tmp_path / "d.txt").write_bytes(f"{PREFIX}wide".encode("utf-16"))
    (tmp_path / "e.txt").write_text("clean")
    (tmp_path / f"{PREFIX}tag.json").write_text("clean")
    scanned, hits = scan(tmp_path)
    assert scanned == 6
    assert len(hits) == 5
