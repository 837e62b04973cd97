"""Harvested bodies cannot smuggle HTML through Markdown.

Harvest writes Markdown that renders as exactly the harvested text, but a file in ``content/`` is
text anyone with access can edit, and Markdown itself turns text into markup: raw HTML blocks,
entities, reference links, autolinks, attribute lists (``attr_list``) and ``markdown="1"`` blocks
(``md_in_html``). The plugin sanitises the rendered HTML of every page showing harvested text
(``sanitize_page_html`` in ``on_page_content``); this test writes items *as if harvested* (they
carry ``source:``) whose every Markdown field tries one of those tricks, builds the hub and loads
every page in Chromium. An editor's hand-written item (no ``source:``) may keep raw HTML: that is
the editor's responsibility, and the last test shows the difference is deliberate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build
from tests.projects import write_project

from ..security.browser_checks import visit_site

pytestmark = pytest.mark.browser

#: Markdown that becomes HTML: each line a separate trick.
TRICKS = [
    "<script>alert('raw html block')</script>",
    "Inline <img src=x onerror=alert('inline html')> html",
    "&lt;script&gt;alert('entities stay text')&lt;/script&gt; and &#60;b onclick=alert(1)&#62;",
    "`<script>alert('code span')</script>` and ``<img src=x onerror=alert(2)>``",
    "[reference link][evil]\n\n[evil]: javascript:alert('reference')",
    "[inline link](javascript:alert('inline link')) and [entity link](jav&#x61;script:alert(3))",
    "[spaced link](  javascript:alert(4)  ) and [data](data:text/html,<script>alert(5)</script>)",
    "<javascript:alert('autolink')> and <vbscript:msgbox(1)>",
    "![image](javascript:alert('image')) and ![pixel](https://tracker.example/pixel.gif)",
    "A paragraph with attributes\n{: onclick=\"alert('attr_list')\" onmouseover=alert(6) }",
    '[link with attributes](https://example.org){: onclick="alert(7)" }',
    '<div markdown="1" onclick="alert(8)">**md_in_html** <span onclick=alert(9)>x</span></div>',
    "<svg><script>alert('svg')</script></svg><math><mi xlink:href=javascript:alert(10)>x</mi></math>",  # noqa: E501
    '<a href="&#106;avascript:alert(11)">entity scheme</a> <a href="java\tscript:alert(12)">tab</a>',  # noqa: E501
    "<iframe src=javascript:alert(13)></iframe><object data=javascript:alert(14)></object>",
    "<form action=javascript:alert(15)><button>go</button></form><input autofocus onfocus=alert(16)>",  # noqa: E501
    "<!-- <script>alert('comment')</script> --><style>body{background:url(javascript:alert(17))}</style>",  # noqa: E501
    '<meta http-equiv="refresh" content="0;url=javascript:alert(18)"><base href="javascript:/">',
    "<details open ontoggle=alert(19)><summary>toggle</summary>x</details>",
    "```html\n<script>alert('fenced code stays code')</script>\n```",
]
BODY = "\n\n".join(TRICKS)


def _item(kind: str, number: int, *, harvested: bool) -> str:
    title = f"Smuggling {kind} {number} [t](javascript:alert(20)) <b onclick=alert(21)>b</b>"
    lines = [
        "---",
        f"id: smuggle:{kind}:{number}",
        f"kind: {kind}",
        "status: published",
        f"title: {title!r}",
        f"slug: smuggle-{kind}-{number}",
        "date: 2025-05-01",
        "language: en",
        "tags: ['<img src=x onerror=alert(22)>', '[tag](javascript:alert(23))']",
        "author: {name: '<script>alert(24)</script>', url: 'javascript:alert(25)'}",
    ]
    if kind == "story":
        lines += [
            "quote: '<img src=x onerror=alert(26)> [q](javascript:alert(27))'",
            "consent: {method: public-post, date: 2025-05-01, url: 'javascript:alert(28)'}",
            "disclosure: {type: paid, text: '<script>alert(29)</script>'}",
        ]
    if kind == "qa":
        lines += [
            "answers:",
            "  - accepted: true",
            "    author: {name: 'answerer', url: 'javascript:alert(30)'}",
            "    url: 'javascript:alert(31)'",
            "    body: |",
            *[f"      {line}" for line in BODY.splitlines()],
        ]
    if harvested:
        lines += [
            "source: {name: forum, type: discourse, url: 'javascript:alert(32)', "
            "harvested: 2025-05-02T00:00:00Z}",
        ]
    lines += ["---", "", BODY, ""]
    return "\n".join(lines)


def _project(root: Path, *, harvested: bool, builds: int = 1) -> Path:
    write_project(root)
    folders = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}
    for kind, folder in folders.items():
        (root / "content" / folder).mkdir(parents=True, exist_ok=True)
        for number in (1, 2):
            path = root / "content" / folder / f"smuggle-{number}.md"
            path.write_text(_item(kind, number, harvested=harvested), encoding="utf-8")
    for _ in range(builds - 1):
        build(root, strict=False)
    return build(root, strict=False)


# The second build takes the item pages from Kehila's build cache: what it keeps is what the
# first build sanitised.
@pytest.mark.parametrize("builds", [1, 2], ids=["rendered", "from-the-cache"])
def test_harvested_markdown_cannot_become_html(
    tmp_path: Path, page, serve_dir, proof, builds: int
) -> None:
    site = _project(tmp_path, harvested=True, builds=builds)
    if builds == 2:
        assert len(list((tmp_path / ".cache" / "kehila" / "pages").iterdir())) >= 6
    item_pages = list((site / "stories").glob("smuggle-*/index.html"))
    assert len(item_pages) == 2, "the smuggling items were not published"
    html = (item_pages[0]).read_text(encoding="utf-8")
    # The text itself is still there, as text.
    assert "&lt;script&gt;alert('entities stay text')&lt;/script&gt;" in html
    assert "fenced code stays code" in html
    watch, loaded = visit_site(page, serve_dir(site), site)
    problems = watch.problems()
    assert not problems, "\n".join(problems[:40])
    proof("vectors tried", len(TRICKS) * 6)
    proof("pages loaded", loaded)


def test_an_editors_own_html_is_kept(tmp_path: Path) -> None:
    """Without ``source:`` the item is the editor's own writing: raw HTML is not touched, which
    is why the harvested variant above proves something."""
    site = _project(tmp_path, harvested=False)
    html = next((site / "stories").glob("smuggle-*/index.html")).read_text(encoding="utf-8")
    assert "<script>alert('raw html block')</script>" in html
