"""Checking an email stylesheet before it is inlined.

The inliner accepts anything: a typo becomes a style attribute no mail client understands, and a
rule that only browsers know (CSS variables, flexbox, grid) makes the email fall apart in Gmail
or Outlook without a word. So every stylesheet, Kehila's own and the site's, is parsed with
tinycss2 first, and the first problem stops the export with the file, line and column.

What mail clients support follows the documented limits (caniemail.com, Campaign Monitor's CSS
guide): inline styles on tables, boxes and text; ``@media`` blocks (kept in a ``<style>`` block
for phones and dark mode); no ``@import`` (no external stylesheets), no custom properties or
``var()``, no flexbox or grid, no ``position``.
"""

from __future__ import annotations

import tinycss2
import tinycss2.ast

from ..validation import did_you_mean


def _words(text: str) -> list[str]:
    return text.split()


#: Properties that mail clients apply (vendor-prefixed ``-webkit-``/``-ms-``/``mso-`` are also
#: accepted: Outlook and iOS need a few of them).
EMAIL_PROPERTIES = frozenset(
    _words("""
    background background-color background-image background-position background-repeat
    background-size border border-bottom border-bottom-color border-bottom-left-radius
    border-bottom-right-radius border-bottom-style border-bottom-width border-collapse
    border-color border-left border-left-color border-left-style border-left-width
    border-radius border-right border-right-color border-right-style border-right-width
    border-spacing border-style border-top border-top-color border-top-left-radius
    border-top-right-radius border-top-style border-top-width border-width box-sizing
    caption-side color color-scheme direction display empty-cells font font-family
    font-size font-style font-variant font-weight height hyphens letter-spacing line-height
    list-style list-style-position list-style-type margin margin-bottom margin-left
    margin-right margin-top max-height max-width min-height min-width opacity outline
    overflow overflow-wrap padding padding-bottom padding-left padding-right padding-top
    supported-color-schemes tab-size table-layout text-align text-decoration
    text-decoration-color text-decoration-line text-decoration-style text-indent
    text-transform text-underline-offset unicode-bidi vertical-align visibility white-space
    width word-break word-spacing word-wrap
    """)
)
_VENDOR_PREFIXES = ("-webkit-", "-ms-", "mso-", "-moz-")

#: Properties and values that only browsers lay out (each with what to use instead).
_UNSUPPORTED = {
    "position": "mail clients ignore positioning; use table cells",
    "float": "Outlook ignores float; use table cells and 'align'",
}
_FLEX_OR_GRID = (
    "flex",
    "grid",
    "gap",
    "row-gap",
    "column-gap",
    "order",
    "place-",
    "align-",
    "justify-",
)


class StylesheetError(ValueError):
    """A stylesheet that mail clients would not apply as written; the message names the line."""


def check_stylesheet(css: str, *, name: str) -> None:
    """Parse ``css`` and reject what mail clients do not support.

    Args:
        css: The stylesheet's text.
        name: How to name the file in messages (e.g. ``email.css``).

    Raises:
        StylesheetError: ``<name>:<line>:<column>: <problem>``, for the first problem found.
    """
    for number, line in enumerate(css.splitlines(), start=1):
        if "</" in line or "<!--" in line:
            # The stylesheet goes into the email's <style> element: '</style>' would end it.
            column = line.index("<") + 1
            raise StylesheetError(f"{name}:{number}:{column}: '</' has no place in a stylesheet")
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    _check_rules(rules, name)


def _check_rules(rules: list[tinycss2.ast.Node], name: str) -> None:
    for rule in rules:
        if isinstance(rule, tinycss2.ast.ParseError):
            _fail(name, rule, f"syntax error: {rule.message}")
        elif isinstance(rule, tinycss2.ast.AtRule):
            keyword = rule.lower_at_keyword
            if keyword != "media":
                why = (
                    "mail clients load no external stylesheets"
                    if keyword == "import"
                    else "only @media blocks are supported in email"
                )
                _fail(name, rule, f"@{rule.at_keyword} is not allowed: {why}")
            if rule.content is None:
                _fail(name, rule, "syntax error: @media without a block")
            _check_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                name,
            )
        elif isinstance(rule, tinycss2.ast.QualifiedRule):
            if not tinycss2.serialize(rule.prelude).strip():
                _fail(name, rule, "syntax error: a rule without a selector")
            _check_declarations(rule, name)


def _check_declarations(rule: tinycss2.ast.QualifiedRule, name: str) -> None:
    declarations = tinycss2.parse_blocks_contents(
        rule.content, skip_comments=True, skip_whitespace=True
    )
    for node in declarations:
        if isinstance(node, tinycss2.ast.ParseError):
            _fail(name, node, f"syntax error: {node.message}")
        if isinstance(node, tinycss2.ast.QualifiedRule | tinycss2.ast.AtRule):
            _fail(name, node, "syntax error: nested rules are not supported in email")
        if not isinstance(node, tinycss2.ast.Declaration):
            continue
        prop = node.lower_name
        if prop.startswith("--"):
            _fail(name, node, f"'{node.name}': CSS variables are not supported by mail clients")
        if prop in _UNSUPPORTED:
            _fail(name, node, f"'{prop}' is not supported: {_UNSUPPORTED[prop]}")
        if prop.startswith(_FLEX_OR_GRID) and prop not in EMAIL_PROPERTIES:
            _fail(name, node, f"'{prop}': flexbox and grid are not supported by mail clients")
        if prop not in EMAIL_PROPERTIES and not prop.startswith(_VENDOR_PREFIXES):
            hint = did_you_mean(prop, sorted(EMAIL_PROPERTIES))
            _fail(name, node, f"unknown property '{node.name}'{hint}")
        for token in node.value:
            if isinstance(token, tinycss2.ast.FunctionBlock) and token.lower_name == "var":
                _fail(name, token, "var(): CSS variables are not supported by mail clients")
        value = tinycss2.serialize(node.value).strip().lower()
        if prop == "display" and any(v in value for v in ("flex", "grid")):
            _fail(
                name, node, f"display: {value}: flexbox and grid are not supported by mail clients"
            )
        if not value:
            _fail(name, node, f"'{node.name}' has no value")


def _fail(name: str, node: tinycss2.ast.Node, problem: str) -> None:
    raise StylesheetError(f"{name}:{node.source_line}:{node.source_column}: {problem}")
