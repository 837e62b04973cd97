"""Editors link items as files; the hub publishes them elsewhere, so the links are rewritten."""

from __future__ import annotations

from pathlib import Path

from ..conftest import build


def test_links_between_item_files_follow_the_published_urls(demo_project: Path) -> None:
    story = demo_project / "content" / "stories" / "2025-05-19-volunteer-fire-brigade.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(
        text
        + "\nSee [the DST answer](../questions/2025-02-11-recurring-shifts-timezone.md#accepted-answer),"
        + " [our about page](../about.md) and [a draft](../questions/2025-11-10-pending-webhooks.md)."
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
    assert "pending-webhooks" not in html
