"""One reading of links in item Markdown (kehila.links), for the build and `kehila check`."""

from __future__ import annotations

import re
from pathlib import Path

import markdown as python_markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kehila.content import load_catalog
from kehila.desk.checks import check_content
from kehila.desk.queue import Desk
from kehila.hub import Hub
from kehila.links import Link, links

from ..conftest import build


def found(text: str) -> list[tuple[str, str, str | None]]:
    """Kind, href and the destination as it sits in the text, of every link found."""
    return [(k.kind, k.href, text[k.span[0] : k.span[1]] if k.span else None) for k in links(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Inline links and images, with titles, angle brackets and spaces around.
        ('[a](x.md "T")', [("link", "x.md", "x.md")]),
        ("[a]( x.md 'T' )", [("link", "x.md", "x.md")]),
        ("![a](<b c.png> (T))", [("image", "b%20c.png", "<b c.png>")]),
        # Autolinks, and what only looks like one.
        ("<https://e.example/a>", [("autolink", "https://e.example/a", "<https://e.example/a>")]),
        ("<not a link>", []),
        # Reference definitions and their uses: the use takes the definition's target.
        (
            "[r] and [t][r]\n\n[r]: <../n.md> 'T'\n",
            [
                ("link", "../n.md", None),
                ("link", "../n.md", None),
                ("definition", "../n.md", "<../n.md>"),
            ],
        ),
        ("[no definition]", []),
        # A definition right after text, as Python-Markdown (the build's renderer) reads it.
        ("text\n[r]: x.md\n", [("definition", "x.md", "x.md")]),
        # Code spans and blocks, fenced or indented, and raw HTML hold no links.
        ("`[a](x.md)` [b](y.md)", [("link", "y.md", "y.md")]),
        ("```\n[a](x.md)\n[r]: y.md\n```\n", []),
        ("~~~md\n![a](x.png)\n~~~\n", []),
        ("    [a](x.md)\n", []),
        # Admonitions and collapsible blocks (!!!, ???, ???+): their indented body is text.
        (
            '!!! note "T"\n    a\n\n    [b](x.md)\n\n??? tip\n\n    ![c](y.png)\n',
            [("link", "x.md", "x.md"), ("image", "y.png", "y.png")],
        ),
        ('<div>\n<a href="x.md">[a](y.md)</a>\n</div>\n', []),
        # An image in a link's text: both, the link first.
        ("[![alt](i.png)](p.md)", [("link", "p.md", "p.md"), ("image", "i.png", "i.png")]),
        # Escapes: an escaped bracket is no link; escapes in a destination are decoded.
        (r"\[a](x.md)", []),
        (r"[a](x\_y.md)", [("link", "x_y.md", r"x\_y.md")]),
        # Containers: block quotes, lists, a text over two lines, a heading.
        (
            "> q [a](x.md)\n> [b](<y z.md>)",
            [("link", "x.md", "x.md"), ("link", "y%20z.md", "<y z.md>")],
        ),
        ("- [a](x.md)\n  more [b](y.md)", [("link", "x.md", "x.md"), ("link", "y.md", "y.md")]),
        ("# Title [a](x.md) #", [("link", "x.md", "x.md")]),
        # Windows line ends: places are in the text as given.
        (
            "a\r\nb [c](d.md)\r\n\r\n[e]: f.md\r\n",
            [("link", "d.md", "d.md"), ("definition", "f.md", "f.md")],
        ),
        # A target markdown-it refuses: the link is no link.
        ("[a](javascript:alert(1))", []),
    ],
)
def test_links_are_what_the_markdown_makes_links(text: str, expected: list) -> None:
    assert found(text) == expected


def test_a_link_knows_its_words_and_its_whole() -> None:
    text = 'x [a *b*\nc](d.md "t") y'
    (link,) = links(text)
    assert link == Link("link", "d.md", "d.md", (12, 16), extent=(2, 21), text=(3, 10))
    assert text[2:21] == '[a *b*\nc](d.md "t")' and text[3:10] == "a *b*\nc"


_words = st.text(st.sampled_from("ab *_`\\<>![]()#:\n -.>/"), max_size=30)
_targets = st.sampled_from(["x.md", "../q/a b.md", "<a b.png>", "#top", "https://e.example/", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_words, st.builds("[{}]({})".format, _words, _targets)), max_size=6))
def test_every_place_holds_what_it_says(parts: list[str]) -> None:
    text = "".join(parts)
    result = links(text)
    for link in result:
        if link.span is not None:
            written = text[link.span[0] : link.span[1]]
            assert link.written == (written[1:-1] if written.startswith("<") else written)
        if link.extent is not None and link.text is not None:
            assert link.extent[0] < link.text[0] <= link.text[1] < link.extent[1]
            assert text[link.text[1]] == "]"
    # In a fenced code block, nothing is a link.
    if "`" not in text and "~" not in text:
        assert links(f"```\n{text}\n```\n") == []


PENDING = "../questions/2025-11-10-pending-webhooks.md"
PUBLISHED = "../questions/2025-04-02-export-ical-feed.md"

#: Ways to write a link in an item, each with {0} for its target.
FORMS = [
    "See [the answer]({0}).",
    'See [the answer](<{0}> "title").',
    "See ![a picture]({0}).",
    "See [the answer][ref].\n\n[ref]: {0}",
    "See [the answer].\n\n[the answer]: <{0}>",
    "> Quoted: [the answer]({0})",
    "- listed: [the answer]({0})\n- and more",
    "See [the\nanswer]({0}) over two lines.",
    "See [![a picture](../img/x.png)]({0}).",
    "Code: `[the answer]({0})`.",
    "```\n[the answer]({0})\n```",
    "Text.\n\n    [the answer]({0})",
    # An admonition's body, indented, after a blank line: text, not code.
    '!!! note "Read on"\n    First.\n\n    See [the answer]({0}).',
]


@pytest.mark.parametrize("form", FORMS)
def test_check_and_the_build_agree(form: str, demo_project: Path, monkeypatch) -> None:
    """`kehila check` reports a link to an unpublished item exactly when the build drops it,
    and that is exactly when the build's Markdown (Python-Markdown) would make it a link."""
    monkeypatch.chdir(demo_project)
    path = Path("content/stories/2025-05-19-volunteer-fire-brigade.md")
    original = path.read_text(encoding="utf-8")
    results = {}
    for target in (PENDING, PUBLISHED):
        body = form.format(target)
        path.write_text(original + "\n" + body + "\n", encoding="utf-8")
        problems = check_content(Desk.load(Path("content")))
        flagged = [p for p in problems if "not published" in p.message]
        catalog = load_catalog(Path("content"))
        hub = Hub(catalog)
        item = next(i for i in catalog.items if i.path == path.as_posix())
        relinked = hub.relink(body, item, hub.src_uri_for(item))
        rendered = _links_in_html(_render(body))
        after = _links_in_html(_render(relinked))
        name = Path(target).stem
        linked = next(i for i in catalog.items if i.path and Path(i.path).stem == name)
        results[target] = (flagged, name, rendered, after, relinked, hub.src_uri_for(linked))
    flagged, name, rendered, after, relinked, _ = results[PENDING]
    is_link = any(name in href for href in rendered)
    assert bool(flagged) == is_link, (form, flagged, rendered)
    # The build drops every link to it, and keeps the words.
    assert not any(name in href for href in after), relinked
    assert ("answer" in relinked) or ("picture" in relinked)
    # A link to a published item is pointed at its page where the renderer sees a link.
    flagged, name, rendered, after, relinked, page = results[PUBLISHED]
    assert not flagged
    if any(name in href for href in rendered):
        # Relative to the story's page, where MkDocs resolves it.
        assert f"../{page}" in after, relinked


def _render(text: str) -> str:
    return python_markdown.markdown(
        text, extensions=["admonition", "attr_list", "md_in_html", "tables", "pymdownx.superfences"]
    )


def _links_in_html(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def test_a_real_build_drops_what_check_reports(demo_project: Path, monkeypatch) -> None:
    """Every form at once, through MkDocs (strict: every link that stays must resolve)."""
    monkeypatch.chdir(demo_project)
    path = Path("content/stories/2025-05-19-volunteer-fire-brigade.md")
    forms = [form.replace("[ref]", f"[ref{n}]").format(PENDING) for n, form in enumerate(FORMS)]
    forms = [form.replace("[the answer]", f"[the answer {n}]") for n, form in enumerate(forms)]
    path.write_text(path.read_text("utf-8") + "\n" + "\n\n".join(forms) + "\n", "utf-8")
    Path("content/img").mkdir()
    Path("content/img/x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    flagged = [p for p in check_content(Desk.load(Path("content"))) if "not published" in p.message]
    linked = [f for f in forms if any("pending-webhooks" in h for h in _links_in_html(_render(f)))]
    assert len(flagged) == len(linked) == 10
    site = build(demo_project, strict=True)
    html = (site / "stories" / "volunteer-fire-brigade" / "index.html").read_text("utf-8")
    assert not [h for h in _links_in_html(html) if "pending-webhooks" in h]
