"""Content is shown as written: brackets, BBCode, emoji codes and markup never crash or vanish."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kehila.cli import main
from kehila.model import Item, Person
from kehila.terminal import clean, make_console, shown
from rich.panel import Panel
from rich.table import Table

#: What forums and forms really send, mixed into the generated texts.
TRICKY = [
    "[/quote]",
    "[/bold]",
    "[phone hidden]",
    "[b]",
    "[link=https://x.example]",
    ":smile:",
    "[red]",
    "\\[",
    "[",
    "]",
    "[/]",
    "[@click=app.quit]",
]

#: Text a person could type on one line: any character but control characters (which the
#: terminal would obey, so they are removed, see test_control_characters_are_removed) and
#: surrogates (which no file can hold).
LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
TEXT = st.lists(st.one_of(st.text(LINE, max_size=8), st.sampled_from(TRICKY)), max_size=6).map(
    "".join
)


def _printed(renderable: object) -> str:
    console = make_console(width=400)
    with console.capture() as capture:
        console.print(renderable, soft_wrap=True)
    return capture.get()


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\t")) | TEXT)
def test_any_text_prints_as_written_and_never_raises(text):
    """Control characters go (see below); a tab is shown as spaces, as terminals do."""
    assert _printed(text) == clean(text) + "\n"
    assert _printed(shown(text)) == clean(text) + "\n"
    # Renderables that read markup from strings whatever the console says get `shown`.
    panel = _printed(Panel("body", title=shown(text)))
    table = Table()
    table.add_column(shown(text))
    table.add_row(text)
    _printed(table)
    assert "body" in panel


def test_control_characters_are_removed():
    assert _printed("a\x1b]0;pwned\x07b\x9bc") == "a]0;pwnedbc\n"


def _story(tmp_path: Path, text: str) -> None:
    item = Item(
        id="csv:form:1",
        kind="story",
        status="pending",
        title=text,
        date=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        language="en",
        tags=["forum"],
        author=Person(name=text),
        quote=text,
    )
    folder = tmp_path / "content" / "stories"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.md").write_text(item.to_text(), encoding="utf-8")


def _run(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main, [*args, "--content", str(tmp_path / "content")], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(TEXT.map(str.strip).filter(lambda t: 0 < len(t) <= 50))
def test_titles_authors_and_quotes_survive_the_queue_and_show(tmp_path, text):
    _story(tmp_path, text)
    listed = _run(tmp_path, "review")
    assert text in listed, listed
    shown_item = _run(tmp_path, "review", "show", "story")
    # Title (panel title), author (a field) and quote (its own panel) each appear as written.
    assert shown_item.count(text) >= 3, shown_item
    (entry,) = json.loads(_run(tmp_path, "review", "--json"))
    assert entry["title"] == text


def test_bbcode_from_a_forum_post(tmp_path):
    """The field report: `[/quote]` crashed the queue; `[phone hidden]` disappeared."""
    _story(tmp_path, "Yes [/quote] call [phone hidden] :smile: [b]now[/b]")
    listed = _run(tmp_path, "review")
    assert "Yes [/quote] call [phone hidden] :smile: [b]now[/b]" in listed
    shown_item = _run(tmp_path, "review", "show", "story")
    assert len(re.findall(re.escape("[phone hidden] :smile: [b]now[/b]"), shown_item)) >= 3
