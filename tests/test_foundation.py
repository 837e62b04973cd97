"""The installable hub: the demo builds strictly, publishes only published items, and coexists
with pages that other plugins generate."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path

import pytest
from kehila.content import load_catalog
from mkdocs.exceptions import Abort

from .conftest import ROOT, build, write_files


def unpublished_strings() -> list[str]:
    """Distinctive text of every pending or rejected demo item: none of it may reach site/."""
    catalog = load_catalog(ROOT / "content")
    hidden = [i for i in catalog.items if not i.is_public]
    assert {i.status for i in hidden} >= {"pending", "rejected"}, "the demo needs both"
    strings = []
    for item in hidden:
        strings += [item.title, item.id]
        strings += re.findall(r"\b\w+-(?:pending|rejected)-marker-\w+", item.to_text())
    return strings


def test_demo_hub_meets_the_content_brief() -> None:
    catalog = load_catalog(ROOT / "content")
    assert catalog.errors == []
    public = catalog.public()
    by_kind = {k: [i for i in public if i.kind == k] for k in ("story", "qa", "newsletter")}
    assert len(by_kind["story"]) >= 4
    assert len(by_kind["qa"]) >= 6
    assert len(by_kind["newsletter"]) >= 3
    for language in ("en", "he", "ru"):
        assert len([i for i in public if i.language == language]) >= 2, language
    assert catalog.pending() and any(i.status == "rejected" for i in catalog.items)


def test_demo_builds_strict_with_home_and_an_index_per_kind(demo_site: Path) -> None:
    home = (demo_site / "index.html").read_text(encoding="utf-8")
    for index in ("stories", "questions", "newsletter"):
        assert (demo_site / index / "index.html").is_file(), index
    catalog = load_catalog(ROOT / "content")
    for item in catalog.public():
        page = next(demo_site.rglob(f"{item.slug}/index.html"), None)
        assert page is not None, f"no page for {item.path}"
        assert item.title.split(":")[0] in page.read_text(encoding="utf-8")
    assert "Northwind" in home


def test_indexes_list_published_items_newest_first(demo_site: Path) -> None:
    catalog = load_catalog(ROOT / "content")
    html = (demo_site / "questions" / "index.html").read_text(encoding="utf-8")
    positions = [html.find(f'{item.slug}/"') for item in catalog.public("qa")]
    assert -1 not in positions
    assert positions == sorted(positions), "questions must be listed newest first"


def test_unpublished_items_appear_nowhere_in_site(demo_site: Path) -> None:
    strings = unpublished_strings()
    checked = 0
    for path in demo_site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="ignore")
        for needle in strings:
            assert needle not in text, f"{needle!r} leaked into {path.relative_to(demo_site)}"
        checked += 1
    assert checked > 20
    # The files the issue names explicitly are among those checked.
    assert (demo_site / "sitemap.xml").is_file()


def test_invalid_item_fails_strict_build_and_names_file(demo_project: Path, caplog) -> None:
    broken = demo_project / "content" / "stories" / "2025-12-01-broken.md"
    broken.write_text(
        "---\nid: x:1\nkind: story\nstatus: publised\ntitle: T\ndate: 2025-12-01\n"
        "language: en\ntags: []\n---\nsecret body of a broken item\n",
        encoding="utf-8",
    )
    for strict in (True, False):
        with caplog.at_level(logging.WARNING), pytest.raises(Abort):
            build(demo_project, strict=strict)
        assert (
            "content/stories/2025-12-01-broken.md:4: field 'status': "
            "expected one of pending, published, rejected, got 'publised' "
            "(did you mean 'published'?)"
        ) in caplog.text


def test_invalid_pending_item_is_skipped_with_a_warning(demo_project: Path, caplog) -> None:
    broken = demo_project / "content" / "stories" / "2025-12-01-broken.md"
    broken.write_text(
        "---\nid: x:1\nkind: story\nstatus: pending\ntitle: [oops\n---\nsecret body xyzzy\n",
        "utf-8",
    )
    with caplog.at_level(logging.WARNING):
        site = build(demo_project, strict=False)
    assert "content/stories/2025-12-01-broken.md: front matter is not valid YAML" in caplog.text
    assert "(left out: the file says status: pending)" in caplog.text
    assert (site / "stories" / "northwind-clinics-no-shows" / "index.html").is_file()
    for path in site.rglob("*.*"):
        if path.suffix in {".html", ".json", ".xml"}:
            assert "xyzzy" not in path.read_text(encoding="utf-8", errors="ignore"), path


def test_pages_generated_by_other_plugins(tmp_path: Path) -> None:
    """Another plugin's pages have no source file on disk; items among them are still filtered."""
    write_files(
        tmp_path,
        {
            "mkdocs.yml": """
                site_name: Mixed
                site_url: https://example.org/
                docs_dir: docs
                theme: {name: material}
                hooks: [hooks.py]
                plugins:
                  - search
                  - tags
                  - kehila
            """,
            "hooks.py": """
                from mkdocs.structure.files import File

                GENERATED = "---\\ntags: [demo]\\n---\\n# Generated\\n\\nhello"
                HIDDEN = (
                    "---\\nid: gen:1\\nkind: newsletter\\nstatus: pending\\ntitle: Hidden gen\\n"
                    "date: 2025-01-01\\nlanguage: en\\ntags: []\\n---\\nsecret-generated-body\\n"
                )
                PUBLIC = (
                    "---\\nid: gen:2\\nkind: newsletter\\nstatus: published\\n"
                    "title: Public gen\\nslug: public-gen\\ndate: 2025-01-02\\nlanguage: en\\n"
                    "tags: []\\n---\\nvisible\\n"
                )

                def on_files(files, config):
                    files.append(File.generated(config, "extra/generated.md", content=GENERATED))
                    files.append(File.generated(config, "extra/item.md", content=HIDDEN))
                    files.append(File.generated(config, "extra/public.md", content=PUBLIC))
                    return files
            """,
            "docs/about.md": "# About\n\nA hand-written page.\n",
        },
    )
    site = build(tmp_path, strict=True)
    assert "hello" in (site / "extra" / "generated" / "index.html").read_text(encoding="utf-8")
    assert (site / "about" / "index.html").is_file()
    assert not (site / "extra" / "item").exists()
    assert "Public gen" in (site / "newsletter" / "index.html").read_text(encoding="utf-8")
    for path in site.rglob("*.*"):
        if path.suffix in {".html", ".json", ".xml"}:
            assert "secret-generated-body" not in path.read_text(encoding="utf-8"), path


def test_hand_written_home_page_wins(demo_project: Path) -> None:
    (demo_project / "content" / "index.md").write_text("# Welcome\n\nOur own words.\n", "utf-8")
    site = build(demo_project)
    assert "Our own words." in (site / "index.html").read_text(encoding="utf-8")


def test_hebrew_item_page_reads_right_to_left(demo_site: Path) -> None:
    # The item's article (title included) is Hebrew; the site around it keeps its language.
    html = (demo_site / "stories" / "bakery-online-queue" / "index.html").read_text("utf-8")
    assert re.search(r'<html lang="en"', html)
    assert re.search(r'<article class="md-content__inner md-typeset" lang="he" dir="rtl">', html)
    english = (demo_site / "stories" / "volunteer-fire-brigade" / "index.html").read_text("utf-8")
    assert re.search(r'<article class="md-content__inner md-typeset" lang="en" dir="ltr">', english)


def test_switched_off_plugin_still_keeps_items_out_of_the_site(demo_project: Path) -> None:
    config = demo_project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  - kehila:\n", "  - kehila:\n      enabled: false\n", 1
        ),
        encoding="utf-8",
    )
    assert "enabled: false" in config.read_text(encoding="utf-8")
    site = build(demo_project, strict=False)
    assert not (site / "stories" / "2025-11-02-pending-agency").exists()
    for path in site.rglob("*.*"):
        if path.suffix in {".html", ".json", ".xml"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            for needle in unpublished_strings():
                assert needle not in text, f"{needle!r} leaked into {path.relative_to(site)}"
