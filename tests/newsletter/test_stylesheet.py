"""A site's email stylesheet is checked before inlining: the inliner itself accepts anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from kehila.newsletter.issue_email import DEFAULT_STYLESHEET
from kehila.newsletter.stylesheet import StylesheetError, check_stylesheet

from .test_email import export


def test_kehilas_own_stylesheet_passes() -> None:
    check_stylesheet(DEFAULT_STYLESHEET.read_text(encoding="utf-8"), name="email.css")


@pytest.mark.parametrize(
    ("css", "message"),
    [
        (
            "p { color: red; }\n.a { colr: blue; }",
            "email.css:2:6: unknown property 'colr' (did you mean 'color'?)",
        ),
        ("p { color: red; }\n\n.a { color: ; }", "email.css:3:6: 'color' has no value"),
        ("p { color: red }\n.a { color: blue; \n  : x; }", "email.css:3:6: syntax error"),
        ("p {\n  --brand: #333;\n}", "email.css:2:3: '--brand': CSS variables are not supported"),
        (
            "p {\n  color: var(--brand);\n}",
            "email.css:2:10: var(): CSS variables are not supported",
        ),
        (
            ".row { display: flex; }",
            "email.css:1:8: display: flex: flexbox and grid are not supported",
        ),
        (
            ".row {\n  grid-template-columns: 1fr 1fr; }",
            "email.css:2:3: 'grid-template-columns': flexbox and grid",
        ),
        (
            "@import url(https://cdn.example/x.css);",
            "email.css:1:1: @import is not allowed: mail clients load no external stylesheets",
        ),
        (
            "@media (max-width: 600px) {\n  p { colour: red; } }",
            "email.css:2:7: unknown property 'colour'",
        ),
        (".a { position: absolute; }", "email.css:1:6: 'position' is not supported"),
        ("p { color: red; }\n</style><script>", "email.css:2:1: '</' has no place in a stylesheet"),
        ("p { color: red; \n} }", "email.css:2:3: syntax error"),
    ],
)
def test_problems_are_named_with_their_line(css: str, message: str) -> None:
    with pytest.raises(StylesheetError) as caught:
        check_stylesheet(css, name="email.css")
    assert str(caught.value).startswith(message), str(caught.value)


def test_vendor_and_media_rules_pass() -> None:
    check_stylesheet(
        "table { mso-table-lspace: 0pt; -webkit-text-size-adjust: 100%; }\n"
        "@media (prefers-color-scheme: dark) { p { color: #fff !important; } }",
        name="email.css",
    )


def add_stylesheet(project: Path, css: str) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "        unsubscribe: mailchimp\n",
            "        unsubscribe: mailchimp\n        stylesheet: email.css\n",
        ),
        encoding="utf-8",
    )
    (project / "email.css").write_text(css, encoding="utf-8")


def test_a_sites_stylesheet_with_a_typo_stops_the_export(hub_project: Path) -> None:
    add_stylesheet(hub_project, ".kehila-content h2 {\n  color: #0b5;\n  font-wieght: bold;\n}\n")
    out = hub_project / "outbox"
    code, output = export(hub_project, "tavla-notes-20", "--out", str(out))
    assert code == 1
    assert "email.css:3:3: unknown property 'font-wieght' (did you mean 'font-weight'?)" in output
    assert not out.exists()


def test_a_sites_stylesheet_is_inlined(hub_project: Path) -> None:
    add_stylesheet(hub_project, ".kehila-content h2 { color: #0b5a30; }\n")
    out = hub_project / "outbox"
    code, output = export(hub_project, "tavla-notes-20", "--out", str(out))
    assert code == 0, output
    html = (out / "tavla-notes-20.html").read_text(encoding="utf-8")
    assert '<h2 style="' in html and "color:#0b5a30" in html
