"""Where content meets the terminal: every command that prints items prints through here.

Titles, authors, quotes and file names come from forums, forms and feeds, so they hold anything:
BBCode such as ``[/quote]``, masked text such as ``[phone hidden]``, ``:emoji:`` codes, escape
sequences. Rich would read the first three as its own markup (and crash on a closing tag it never
opened, or drop a "tag" it does not know), and a terminal obeys the last. So the consoles made
here interpret nothing: no markup, no emoji codes, no highlighting, and every string they render
loses its control characters (:func:`clean`). Styles are given as :class:`rich.text.Text`
objects, never as markup.

A few rich renderables read markup from plain strings whatever the console says (a panel's
title, a spinner's text): hand them :func:`shown` instead of a string.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from rich.console import Console
from rich.text import Text

T = TypeVar("T")

#: Line width when the output is not a terminal (a pipe, a file, a test).
PIPE_WIDTH = 200

#: C0 and C1 control characters except tab and newline: a harvested text could otherwise send
#: escape sequences to the editor's terminal (retitle it, rewrite the screen, set the clipboard).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: T) -> T:
    """``value`` (an item, or anything in one) with control characters removed from all text."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)  # type: ignore[return-value]
    if isinstance(value, list):
        return [clean(v) for v in value]  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


def shown(value: object, style: str = "") -> Text:
    """``value`` as text to print exactly as written (control characters removed), in ``style``."""
    return Text(clean(str(value)), style=style)


class _AsWritten(Console):
    """A console that reads no markup and drops control characters from every string it renders."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(clean(text), **options)


def make_console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A console that prints text as written; off a terminal, lines are ``width`` wide.

    Args:
        stderr: Write to standard error (progress, warnings) instead of standard output.
        width: The line width when the output is a file or a pipe (default :data:`PIPE_WIDTH`),
            instead of rich's 80 columns.
    """
    options = {"stderr": stderr, "markup": False, "emoji": False, "highlight": False}
    console = _AsWritten(**options)
    if not console.is_terminal:
        console = _AsWritten(**options, width=width or PIPE_WIDTH)
    return console
