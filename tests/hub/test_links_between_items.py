"""Editors link items as files; the hub publishes them elsewhere, so the links are rewritten."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

from ..conftest import build


def test_links_between_item_files_follow_the_published_urls(demo_project: Path) -> None:
    story = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(
        text
        + "\nSee [the DST answer]"
        + "(../questions/2025-02-11-recurring-shifts-timezone.md#accepted-answer),"
        + " [our about page](../about.md) and"
        + " [a draft](../questions/2025-11-10-pending-webhooks.md)."
        + "\n\n[ref]: ../newsletter/2025-01-15-tavla-notes-12.md\n\nAnd [the notes][ref].\n",
        encoding="utf-8",
    )
    (demo_project / "content" / "about.md").write_text("# About\n\nHello.\n", encoding="utf-8")
    site = build(demo_project, strict=True)  # strict: every rewritten link must resolve
    html = (site / "stories" / "volunteer-fire-brigade" / "index.html").read_text("utf-8")
    assert 'href="../../questions/recurring-shifts-dst/#accepted-answer"' in html
    assert 'href="../../about/"' in html
    assert 'href="../../newsletter/2025/tavla-notes-12/"' in html
    # The pending item keeps its words but no link: its URL must not leak.
    assert "a draft" in html
    assert "[a draft]" not in html
    assert "pending-webhooks" not in html


def test_tags_show_their_names_in_each_items_language(demo_project: Path) -> None:
    names = demo_project / "content" / ".kehila" / "tags.yml"
    names.write_text(
        names.read_text(encoding="utf-8") + "\n# added by the test\n", encoding="utf-8"
    )
    # The demo names 'reminders' in English and Hebrew (a second 'he:' would be a duplicate key).
    assert "reminders:\n  en: Reminders\n  he: תזכורות\n" in names.read_text(encoding="utf-8")
    site = build(demo_project, strict=True)
    hebrew = (site / "stories" / "bakery-online-queue" / "index.html").read_text("utf-8")
    english = (site / "stories" / "northwind-clinics-no-shows" / "index.html").read_text("utf-8")
    assert ">תזכורות</a>" in hebrew
    assert ">Reminders</a>" in english
    # Tag pages are titled in the site's language.
    assert "<title>Reminders" in (site / "tags" / "reminders" / "index.html").read_text("utf-8")


def test_a_broken_tag_names_file_fails_a_strict_build(demo_project: Path, caplog) -> None:
    import logging

    import pytest
    from mkdocs.exceptions import Abort

    (demo_project / "content" / ".kehila" / "tags.yml").write_text("reminders: [oops\n", "utf-8")
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        build(demo_project, strict=True)
    assert "content/.kehila/tags.yml: not valid YAML" in caplog.text


def test_file_links_resolve_alike_for_the_hub_and_check() -> None:
    from kehila.content import resolve_file_link

    item = "content/stories/a.md"
    assert resolve_file_link(item, "../questions/b%20c.md#x") == ("content/questions/b c.md", "#x")
    assert resolve_file_link(item, "d.md") == ("content/stories/d.md", "")
    for other in ("https://e.example/x.md", "/abs.md", "#top", "../img.png", "mailto:a@b.c"):
        assert resolve_file_link(item, other) is None, other


def test_images_and_files_beside_an_item_resolve_from_the_items_file(demo_project: Path) -> None:
    # The file is content/stories/2025/x.md, its page stories/<slug>/: a path relative to the
    # page would find neither the image nor the file.
    old = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    story = demo_project / "content" / "stories" / "2025" / old.name
    story.parent.mkdir()
    story.write_text(
        old.read_text("utf-8")
        + "\n![The rota](../../img/rota%20board.png)\n\n"
        + "The [checklist](files/checklist.pdf?v=2#page=2) and [the board][board].\n\n"
        + "[board]: ../../img/rota%20board.png\n",
        "utf-8",
    )
    old.unlink()
    (demo_project / "content" / "img").mkdir(exist_ok=True)
    (demo_project / "content" / "img" / "rota board.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (story.parent / "files").mkdir()
    (story.parent / "files" / "checklist.pdf").write_bytes(b"%PDF-1.4\n")
    site = build(demo_project, strict=True)  # strict: MkDocs finds every rewritten link's file
    page = site / "stories" / "volunteer-fire-brigade" / "index.html"
    body = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one(".kehila-story")
    found = {
        urlsplit(urljoin("https://hub.example/stories/volunteer-fire-brigade/", url))
        for url in [img["src"] for img in body.select("img")]
        + [a["href"] for a in body.select("a") if a.get_text() in {"checklist", "the board"}]
    }
    assert {(unquote(u.path), u.query, u.fragment) for u in found} == {
        ("/img/rota board.png", "", ""),
        ("/stories/2025/files/checklist.pdf", "v=2", "page=2"),
    }
    for target in ("img/rota board.png", "stories/2025/files/checklist.pdf"):
        assert (site / target).is_file(), target
