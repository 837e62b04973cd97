"""Kehila's sanitiser policies (kehila.sanitize): what each keeps and drops, and the docs' table.

Each policy is proven on its own against a script, an event handler, a ``javascript:`` URL, a
style and a comment; the browser suites (tests/browser/) prove the whole paths.
"""

from __future__ import annotations

from pathlib import Path

import nh3
import pytest
from kehila import sanitize
from kehila.sanitize import EMAIL, FEED, HARVEST, HARVEST_TEXT, POLICIES, Policy

SECURITY_DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"

HOSTILE = (
    '<p onclick="steal()" style="color:red">Hi <script>alert(1)</script>'
    '<a href="javascript:alert(2)">a</a> <a href="https://ok.example/">b</a>'
    '<img src="x" onerror="alert(3)"><!-- note --><iframe src="https://e.example/"></iframe>'
    "<svg><circle/></svg></p>"
)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_no_policy_lets_anything_run(policy: Policy) -> None:
    cleaned = policy.clean(HOSTILE)
    for active in ("<script", "alert(1)", "onclick", "onerror", "javascript:", "style=", "<!--"):
        assert active not in cleaned, (policy.name, active, cleaned)
    assert "<iframe" not in cleaned and "<svg" not in cleaned
    assert "Hi" in cleaned


def test_harvest_keeps_text_structure_and_http_links_only() -> None:
    cleaned = HARVEST.clean(
        '<h2 class="x" id="y">T</h2><a href="https://ok.example/" title="t">b</a>'
        '<a href="mailto:a@b.example">m</a><span>s</span><form><input value="v">f</form>'
        "<style>p{}</style>"
    )
    assert cleaned == (
        '<h2>T</h2><a href="https://ok.example/" title="t" rel="noopener noreferrer nofollow">b</a>'
        '<a rel="noopener noreferrer nofollow">m</a>s'
    )


def test_harvest_text_keeps_no_tag_and_drops_code_with_its_content() -> None:
    assert HARVEST_TEXT.clean("<b>Bold</b> <script>x()</script><style>p{}</style>text") == (
        "Bold text"
    )


def test_page_keeps_the_markup_of_kehilas_templates() -> None:
    html = (
        '<section class="kehila-story" lang="he" dir="rtl" aria-label="Story">'
        '<time datetime="2025-01-01">1</time><a href="../x/" rel="next" hreflang="he">x</a>'
        '<img src="../i.png" alt="a" loading="lazy"><code data-lang="py">c</code>'
        "<details><summary>s</summary>d</details></section>"
    )
    assert sanitize.sanitize_page_html(html) == html


def test_page_drops_images_from_other_hosts_but_keeps_their_words() -> None:
    cleaned = sanitize.sanitize_page_html(
        '<img src="https://tracker.example/p.gif" alt="A chart"><img src="//t.example/p.gif">'
        '<img src="../local.png" alt="ok">'
    )
    assert cleaned == '<img alt="A chart"><img><img src="../local.png" alt="ok">'


def test_feed_is_nh3s_defaults_with_mailto_and_its_attribute_filter() -> None:
    cleaned = FEED.clean(
        '<a href="mailto:a@b.example" class="c">m</a><a href="ftp://f.example/">f</a>'
        '<img src="i.png">',
        attribute_filter=lambda tag, name, value: (
            "https://hub.example/i.png" if name == "src" else value
        ),
    )
    assert cleaned == (
        '<a href="mailto:a@b.example" rel="noopener noreferrer">m</a>'
        '<a rel="noopener noreferrer">f</a><img src="https://hub.example/i.png">'
    )


def test_email_keeps_what_mail_clients_render_without_classes_or_rel() -> None:
    cleaned = EMAIL.clean(
        '<div class="c" lang="en"><a href="https://ok.example/" rel="x">a</a>'
        '<img src="https://ok.example/i.png" width="10" loading="lazy"><section>s</section></div>'
    )
    assert cleaned == (
        '<div lang="en"><a href="https://ok.example/">a</a>'
        '<img src="https://ok.example/i.png" width="10">s</div>'
    )


def test_only_kehila_sanitize_calls_the_sanitiser() -> None:
    # One module holds every policy: another module calling nh3 would be a policy of its own.
    from ..test_layers import imported, modules

    callers = [
        name
        for name, path in modules().items()
        if any(module == "nh3" or module.startswith("nh3.") for _, module in imported(name, path))
    ]
    assert callers == ["kehila.sanitize"]


# -- the table in docs/security.md -------------------------------------------------------------


def _listed(names: frozenset[str] | set[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(names)) or "none"


def _tags(policy: Policy) -> str:
    if policy.tags is None:
        return "nh3's defaults"
    if policy.tags > nh3.ALLOWED_TAGS:
        return f"nh3's defaults, and {_listed(policy.tags - nh3.ALLOWED_TAGS)}"
    return _listed(policy.tags)


def _attributes(policy: Policy) -> str:
    if policy.attributes is None:
        return "nh3's defaults"
    rows = [f"`{tag}`: {_listed(names)}" for tag, names in sorted(policy.attributes.items())]
    return "; ".join(rows) or "none"


def table_rows() -> list[str]:
    """The docs' table, as the policies in the code make it."""
    rows = []
    for policy in POLICIES:
        dropped = policy.clean_content_tags
        cells = [
            f"**{policy.name}**",
            _tags(policy),
            _attributes(policy),
            _listed(policy.url_schemes),
            f"`{policy.link_rel}`" if policy.link_rel else "none",
            "nh3's defaults" if dropped is None else _listed(dropped),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def test_the_docs_table_says_what_each_policy_allows() -> None:
    text = SECURITY_DOCS.read_text(encoding="utf-8")
    header = (
        "| policy | tags kept | attributes kept | URL schemes | link `rel` "
        "| removed with their content |"
    )
    assert header in text
    lines = text.splitlines()
    start = lines.index(header) + 2
    assert lines[start : start + len(POLICIES)] == table_rows(), "\n".join(table_rows())
    defaults = (
        f"nh3's defaults: tags {_listed(nh3.ALLOWED_TAGS)}; attributes "
        + "; ".join(f"`{t}`: {_listed(a)}" for t, a in sorted(nh3.ALLOWED_ATTRIBUTES.items()))
        + f"; removed with their content {_listed(nh3.CLEAN_CONTENT_TAGS)}."
    )
    assert defaults in " ".join(text.split()), defaults
