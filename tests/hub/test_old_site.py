"""The last build's site is moved aside and deleted beside the build (kehila.mkdocs.old_site):
the site comes out as MkDocs alone would leave it, hidden files kept, nothing old left."""

from __future__ import annotations

from pathlib import Path

from kehila.mkdocs.old_site import PREFIX, OldSite

from ..conftest import build


def test_a_rebuild_leaves_no_old_file_and_keeps_hidden_ones(demo_project: Path) -> None:
    site = build(demo_project)
    first = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    (site / "stale.html").write_text("from an older build", encoding="utf-8")
    (site / "stories" / "gone").mkdir()
    (site / ".nojekyll").write_text("", encoding="utf-8")  # hidden: MkDocs keeps it, so do we
    killed = site / f"{PREFIX}12345" / "stories"  # left by a build that was killed
    killed.mkdir(parents=True)
    (killed / "index.html").write_text("old", encoding="utf-8")
    build(demo_project)
    again = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert again == sorted([*first, ".nojekyll"])


def test_no_site_yet_and_an_empty_site_are_fine(tmp_path: Path) -> None:
    old = OldSite()
    old.move_aside(tmp_path / "missing")
    old.wait()
    (tmp_path / "empty").mkdir()
    old.move_aside(tmp_path / "empty")
    old.wait()
    assert list((tmp_path / "empty").iterdir()) == []


def test_the_old_site_is_deleted_in_the_background(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for n in range(50):
        page = site / f"page-{n}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text("x", encoding="utf-8")
    old = OldSite()
    old.move_aside(site)
    # At once, the site folder holds only the hidden folder being deleted (or nothing).
    assert all(p.name.startswith(PREFIX) for p in site.iterdir())
    old.wait()
    assert list(site.iterdir()) == []


STORY = "stories/2025-05-19-volunteer-fire-brigade.md"
STORY_PAGE = "stories/volunteer-fire-brigade/index.html"


def site_files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.suffix != ".gz"
    }


def test_an_unchanged_cached_page_is_put_back_not_written(demo_project: Path) -> None:
    site = build(demo_project)
    cold = site_files(site)
    before = (site / STORY_PAGE).stat()
    # A page changed in the site by hand (same size) is not trusted: it is written again.
    other = next(p for p in site.glob("questions/*/index.html"))
    data = other.read_bytes()
    other.write_bytes(data.replace(b"<body", b"<BODY", 1))
    build(demo_project)
    after = (site / STORY_PAGE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert site_files(site) == cold
    assert not any(p.name.startswith(PREFIX) for p in site.iterdir())


def test_files_come_back_unless_changed_in_the_site(demo_project: Path) -> None:
    site = build(demo_project)
    cold = site_files(site)
    script = next(site.glob("assets/javascripts/bundle.*.min.js"))
    kept = [script, site / "feeds" / "stories.atom.xml"]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept]
    style = next(site.glob("assets/stylesheets/main.*.min.css"))
    style.write_bytes(b"/* changed by hand */")
    build(demo_project)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in kept] == before
    assert site_files(site) == cold


def test_a_file_whose_content_changed_is_written_again(demo_project: Path) -> None:
    site = build(demo_project)
    story = demo_project / "content" / STORY
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("title: ", "title: Renamed ", 1), "utf-8")
    build(demo_project)
    assert "Renamed " in (site / "feeds" / "stories.atom.xml").read_text(encoding="utf-8")


def test_a_page_whose_content_changed_is_written_again(demo_project: Path) -> None:
    site = build(demo_project)
    story = demo_project / "content" / STORY
    story.write_text(story.read_text(encoding="utf-8") + "\nA new closing line.\n", "utf-8")
    build(demo_project)
    assert "A new closing line." in (site / STORY_PAGE).read_text(encoding="utf-8")


def test_without_the_cache_no_page_is_put_back(demo_project: Path) -> None:
    config = demo_project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    off = text.replace("  - kehila:\n", "  - kehila:\n      cache: false\n", 1)
    config.write_text(off, "utf-8")
    site = build(demo_project)
    cold = site_files(site)
    build(demo_project)
    assert site_files(site) == cold
    assert not (demo_project / ".cache").exists()
