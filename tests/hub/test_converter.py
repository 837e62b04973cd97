"""Kehila's converter gives what MkDocs' ``Page.render`` gives, for every item page.

Item pages are converted with one Markdown instance for all (``kehila.mkdocs.converter.Converter``)
instead of a new one per page. A hook in the built project converts each item page again with
MkDocs' own ``Page.render`` and records every difference: content, table of contents, title,
anchors, links to anchors. The hub is a few hundred synthetic items (headings, lists, code,
links, three languages; the benchmark's generator) plus the demo hub's items.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..benchmarks.synthetic_hub import make_items, write_hub
from ..conftest import ROOT, build
from ..projects import add_hooks

COMPARE_HOOK = """
import json, pathlib
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

found = {"compared": 0, "different": []}

@event_priority(200)  # before the hub puts its HTML blocks in place
def on_page_content(html, page, config, files):
    if type(page).__name__ != "HubPage" or page.prepared_html is not None:
        return html
    reference = Page(None, page.file, config)
    page.file.page = page  # Page() took the file over
    reference.markdown = page.markdown
    reference.render(config, files)
    found["compared"] += 1
    checks = {
        "content": (reference.content, html),
        "toc": (str(reference.toc), str(page.toc)),
        "title": (reference._title_from_render, page._title_from_render),
        "anchors": (sorted(reference.present_anchor_ids), sorted(page.present_anchor_ids)),
        "links": (
            {f.src_uri: v for f, v in (reference.links_to_anchors or {}).items()},
            {f.src_uri: v for f, v in (page.links_to_anchors or {}).items()},
        ),
    }
    for name, (expected, actual) in checks.items():
        if expected != actual:
            found["different"].append([page.file.src_uri, name])
    return html

def on_post_build(config):
    out = pathlib.Path(config.config_file_path).parent / "compared.json"
    out.write_text(json.dumps(found))
"""


def test_converter_matches_mkdocs_page_render(tmp_path: Path) -> None:
    write_hub(tmp_path, make_items(300, seed=11))
    for folder in ("stories", "questions", "newsletter"):
        shutil.copytree(ROOT / "content" / folder, tmp_path / "content" / "demo" / folder)
    # Links between pages and to anchors, for the link processors to rewrite and record; a
    # reference link defined on one page only must not resolve on the others.
    for number, path in enumerate(sorted((tmp_path / "content" / "qa").glob("*.md"))):
        links = "See [another item](../story/item-0.md), [a heading](#answer), [ref][shared]."
        if number == 0:
            links += "\n\n[shared]: https://reference.example/"
        path.write_text(path.read_text("utf-8") + "\n\n" + links + "\n", "utf-8")
    # Every page converted in MkDocs' process (the workers' output is compared with that in
    # test_parallel_render.py).
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace("  - kehila\n", "  - kehila:\n      workers: 0\n"),
        "utf-8",
    )
    add_hooks(tmp_path, COMPARE_HOOK)
    build(tmp_path, strict=False)
    found = json.loads((tmp_path / "compared.json").read_text("utf-8"))
    assert found["compared"] >= 280
    assert found["different"] == []
