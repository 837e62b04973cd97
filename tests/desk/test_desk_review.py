"""`kehila review`: the queue, show, approve, reject, consent and disclose on the demo content."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from kehila.desk.queue import DeskError
from kehila.itemedit import update_item
from kehila.itemfile import set_field

from .conftest import read

STORY = "stories/2025-11-02-pending-agency.md"
STORY_ID = "csv:autumn-survey:row-4"
QA = "questions/2025-11-10-pending-webhooks.md"
QA_ID = "discourse:community.tavla.example:702"
PUBLISHED = "stories/2025-08-21-shkola-programmirovaniya.md"


def queue(kehila, *args: str) -> list[dict]:
    result = kehila("review", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_queue_lists_pending_items_newest_first_with_their_flags(kehila):
    items = queue(kehila)
    assert [(i["id"], i["flags"]) for i in items] == [
        (QA_ID, []),
        (STORY_ID, ["consent", "disclosure"]),
    ]
    assert items[1]["path"] == f"content/{STORY}"
    assert items[1]["source"] == "autumn-survey"


def test_queue_table_has_one_line_per_item_and_a_summary(kehila):
    result = kehila("review")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("2025-11-02-pending-agency "))
    for part in (
        "Brightline Agency books client workshops in minutes",
        "autumn-survey",
        "2025-11-02",
        "[no consent] [disclosure?]",
    ):
        assert part in row
    assert lines[-1] == "2 pending items (flags: 1 consent, 1 disclosure)."


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--kind", "story"], [STORY_ID]),
        (["--kind", "newsletter"], []),
        (["--source", "community-forum"], [QA_ID]),
        (["--source", "manual"], []),
        (["--language", "en"], [QA_ID, STORY_ID]),
        (["--language", "he"], []),
        (["--tag", "api"], [QA_ID]),
        (["--flag", "consent"], [STORY_ID]),
        (["--flag", "consent", "--flag", "duplicate"], []),
    ],
)
def test_queue_filters(kehila, options, expected):
    assert [i["id"] for i in queue(kehila, *options)] == expected


def test_filtered_summary_says_how_many_of_the_queue_are_shown(kehila):
    assert kehila("review", "--language", "he").stdout.splitlines()[-1] == "0 of 2 pending items."


def test_upstream_change_recorded_by_harvest_is_flagged_and_shown(kehila, project):
    path = project / "content" / QA
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "  harvested: 2025-11-11T06:00:00Z\n",
            "  harvested: 2025-11-11T06:00:00Z\n  upstream_changed: 2025-11-12T07:30:00Z\n",
        ),
        encoding="utf-8",
    )
    assert queue(kehila, "--flag", "upstream")[0]["id"] == QA_ID
    shown = kehila("review", "show", QA_ID).stdout
    assert re.search(r"Upstream changed\s+2025-11-12 07:30 UTC", shown)


def test_show_renders_fields_provenance_flags_and_text(kehila):
    result = kehila("review", "show", "2025-11-02-pending-agency")
    assert result.exit_code == 0
    out = result.stdout
    for pattern in (
        rf"ID\s+{STORY_ID}",
        rf"File\s+content/{STORY}",
        r"Kind / status\s+story / pending",
        r"Author\s+Priya Raman",
        r"Consent\s+missing",
        r"Disclosure\s+unknown",
        r"Source\s+autumn-survey \(csv\) https://forms.tavla.example/autumn-2025",
        r"Harvested\s+2025-11-03 08:00 UTC",
        r"Flags\s+\[no consent\] \[disclosure\?\]",
        r"Brightline's pending story body",
    ):
        assert re.search(pattern, out), pattern


def test_show_unknown_item_names_what_was_given(kehila):
    result = kehila("review", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no item 'nope' in content (give an id, a file path, a file name or a slug; "
        "`kehila review` lists the queue)\n"
    )


def test_approving_a_story_without_consent_and_disclosure_is_refused(kehila, project):
    before = read(project, STORY)
    result = kehila("review", "approve", STORY_ID)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot approve {STORY_ID} (content/{STORY}): "
        "a published story must record its consent and disclosure.\n"
        f"  set consent: kehila review consent {STORY_ID} --method form|email|public-post "
        "--date YYYY-MM-DD\n"
        f"  set disclosure: kehila review disclose {STORY_ID} none|employee|paid|gifted|partner\n"
    )
    assert read(project, STORY) == before


def test_refusal_names_only_the_missing_field_and_the_content_option(kehila, project):
    assert (
        kehila("review", "consent", STORY_ID, "--method", "email", "--date", "2025-11-04").exit_code
        == 0
    )
    # From another folder, with --content: the hint carries the same option.
    other = project / "elsewhere"
    other.mkdir()
    content = str(project / "content")
    result = kehila("review", "approve", STORY_ID, "--content", content)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot approve {STORY_ID} ({content}/{STORY}): "
        "a published story must record its disclosure.\n"
        f"  set disclosure: kehila review disclose {STORY_ID} none|employee|paid|gifted|partner "
        f"--content {content}\n"
    )


def test_consent_disclose_then_approve_change_only_their_fields(kehila, project):
    before = read(project, STORY)
    assert (
        kehila(
            "review",
            "consent",
            STORY_ID,
            "--method",
            "form",
            "--date",
            "2025-11-03",
            "--note",
            'Ticked "publish with my name"',
        ).stdout
        == f"{STORY_ID}: consent recorded (form, 2025-11-03) (content/{STORY})\n"
    )
    assert (
        kehila("review", "disclose", STORY_ID, "gifted", "--text", "A free month.").exit_code == 0
    )
    assert (
        kehila("review", "approve", STORY_ID).stdout == f"{STORY_ID}: published (content/{STORY})\n"
    )
    expected = before.replace("status: pending\n", "status: published\n").replace(
        "source:\n",
        "consent:\n"
        "  method: form\n"
        "  date: 2025-11-03T00:00:00Z\n"
        '  note: Ticked "publish with my name"\n'
        "disclosure:\n"
        "  type: gifted\n"
        "  text: A free month.\n"
        "source:\n",
    )
    assert read(project, STORY) == expected
    assert (
        kehila("review", "approve", STORY_ID).stdout == f"{STORY_ID}: unchanged (content/{STORY})\n"
    )


def test_reject_keeps_the_item_with_reason_and_date(kehila, project):
    before = read(project, PUBLISHED)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = kehila(
        "review", "reject", "kodlab-zayavki", "--reason", "The school asked us to remove it."
    )
    assert result.exit_code == 0
    after = read(project, PUBLISHED)
    match = re.search(r"\n  date: (\S+)\nsource:\n", after)
    assert match
    stamp = dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
    assert start <= stamp <= dt.datetime.now(dt.UTC)
    assert after == before.replace("status: published\n", "status: rejected\n").replace(
        "source:\n",
        "rejected:\n  reason: The school asked us to remove it.\n"
        f"  date: {match.group(1)}\nsource:\n",
    )
    # Off the hub, still on disk, and out of the queue.
    assert STORY_ID in [i["id"] for i in queue(kehila)]
    assert "feed:blog.kodlab.example:zayavki" not in [i["id"] for i in queue(kehila)]


def test_reject_needs_a_reason(kehila):
    result = kehila("review", "reject", QA_ID)
    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.stderr


def test_several_ids_are_each_reported_and_a_refusal_fails_the_command(kehila, project):
    result = kehila("review", "approve", QA_ID, STORY_ID)
    assert result.exit_code == 1
    assert result.stdout == (f"{QA_ID}: published (content/{QA})\n1 of 2 done, 1 refused.\n")
    assert "status: published\n" in read(project, QA)
    assert "status: pending\n" in read(project, STORY)


def test_comments_quotes_and_layout_of_other_fields_survive(kehila, project):
    path = project / "content" / STORY
    text = (
        path.read_text(encoding="utf-8")
        .replace(
            "title: Brightline Agency books client workshops in minutes\n",
            "# Checked the spelling with Priya on the phone.\n"
            "title: 'Brightline Agency books client workshops in minutes'\n",
        )
        .replace("tags: [agencies]\n", "tags: [agencies]   # more tags after the call\n")
    )
    path.write_text(text, encoding="utf-8")
    assert kehila("review", "disclose", STORY_ID, "none").exit_code == 0
    assert path.read_text(encoding="utf-8") == text.replace(
        "source:\n", "disclosure:\n  type: none\nsource:\n"
    )


def test_an_edit_that_would_break_a_valid_item_is_refused_with_the_model_message(project):
    path = project / "content" / QA
    before = path.read_text(encoding="utf-8")
    with pytest.raises(DeskError) as caught:
        update_item(
            path, lambda meta: set_field(meta, "status", "publised"), display=f"content/{QA}"
        )
    assert str(caught.value) == (
        f"refused, the item would no longer be valid: content/{QA}:4: field 'status': "
        "expected one of pending, published, rejected, got 'publised' (did you mean 'published'?)"
    )
    assert path.read_text(encoding="utf-8") == before


def test_harvest_can_record_an_upstream_change_once(kehila, project):
    from kehila.fileio import locked
    from kehila.harvest.store import flag_upstream_change

    path = project / "content" / QA
    before = path.read_text(encoding="utf-8")
    first = dt.datetime(2025, 11, 12, 7, 30, tzinfo=dt.UTC)
    with locked(path):
        assert flag_upstream_change(path, first, display=f"content/{QA}") is True
        assert flag_upstream_change(path, first + dt.timedelta(days=1), display=QA) is False
    assert path.read_text(encoding="utf-8") == before.replace(
        "  harvested: 2025-11-11T06:00:00Z\n",
        "  harvested: 2025-11-11T06:00:00Z\n  upstream_changed: 2025-11-12T07:30:00Z\n",
    )
    assert queue(kehila, "--flag", "upstream")[0]["id"] == QA_ID


def test_bad_input_is_named(kehila, project):
    result = kehila("review", "--content", "nowhere")
    assert (result.exit_code, result.stderr) == (1, "Error: content folder not found: nowhere\n")
    result = kehila("review", "consent", STORY_ID, "--method", "email", "--date", "last tuesday")
    assert result.exit_code == 2
    assert "expected an ISO 8601 date such as 2025-03-14, got 'last tuesday'" in result.stderr
    result = kehila("review", "disclose", STORY_ID, "sponsored")
    assert result.exit_code == 2 and "'sponsored' is not one of" in result.stderr
    result = kehila("review", "-i")
    assert result.exit_code == 2 and "interactive mode (-i) needs a terminal" in result.stderr


def test_an_ambiguous_name_lists_the_candidates(kehila, project):
    copy = project / "content/newsletter/2025-11-02-pending-agency.md"
    copy.write_text(
        read(project, STORY).replace(STORY_ID, "csv:autumn-survey:row-44"), encoding="utf-8"
    )
    result = kehila("review", "show", "2025-11-02-pending-agency")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: '2025-11-02-pending-agency' matches more than one item: "
        "csv:autumn-survey:row-44 (content/newsletter/2025-11-02-pending-agency.md), "
        f"{STORY_ID} (content/{STORY}); give the full id\n"
    )


def test_show_tells_whether_an_editor_changed_the_item_since_harvest(kehila, project):
    from kehila.model import Item

    path = project / "content" / STORY
    text = path.read_text(encoding="utf-8")
    digest = Item.from_text(text, path=STORY).digest()  # kehila.model.content_digest
    path.write_text(
        text.replace("  harvested: 2025-11-03T08:00:00Z\n",
                     f"  harvested: 2025-11-03T08:00:00Z\n  digest: {digest}\n"),
        encoding="utf-8",
    )  # fmt: skip
    assert re.search(r"Edited since harvest\s+no\b", kehila("review", "show", STORY_ID).stdout)
    assert kehila("review", "disclose", STORY_ID, "none").exit_code == 0
    assert re.search(r"Edited since harvest\s+yes\b", kehila("review", "show", STORY_ID).stdout)


def test_an_invalid_item_is_never_approved(kehila, project):
    path = project / "content" / QA
    broken = path.read_text(encoding="utf-8").replace("- accepted: true\n  author:", "- author:")
    path.write_text(broken, encoding="utf-8")
    result = kehila("review", "approve", f"content/{QA}")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: refused, the item is not valid: content/{QA}:11: field 'answers': "
        "expected at least one answer with 'accepted: true', got none\n"
    )
    assert path.read_text(encoding="utf-8") == broken
    # Other fields of an invalid item can still be recorded, to fix it step by step.
    assert kehila("review", "reject", f"content/{QA}", "--reason", "No answer").exit_code == 0


def test_control_characters_in_harvested_text_never_reach_the_terminal(kehila, project):
    # Escape sequences that would retitle the terminal, clear it and set the clipboard (OSC 52).
    path = project / "content" / STORY
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "title: Brightline Agency books client workshops in minutes\n",
        'title: "Brightline\\e]0;pwned\\a Agency"\n',
    )
    text = text.replace(
        "\nBrightline's pending", "\n\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07Brightline's pending"
    )
    path.write_text(text, encoding="utf-8")
    for args in (("review",), ("review", "show", STORY_ID)):
        out = kehila(*args).stdout
        assert "Brightline]0;pwned Agency" in out
        assert "\x1b" not in out and "\x07" not in out


def test_published_stories_without_a_quote_are_flagged_not_on_the_wall(kehila, project):
    path = project / "content" / PUBLISHED
    text = path.read_text(encoding="utf-8")
    quote = next(line for line in text.splitlines() if line.startswith("quote:"))
    path.write_text(text.replace(quote + "\n", ""), encoding="utf-8")
    listed = kehila("review").stdout.splitlines()
    assert listed[-1] == (
        "1 published story not on the wall (no quote): `kehila review --flag wall` lists them, "
        "`kehila review edit ID --quote TEXT` adds one."
    )
    (entry,) = queue(kehila, "--flag", "wall")
    assert (entry["path"], entry["status"], entry["flags"]) == (
        f"content/{PUBLISHED}", "published", ["wall"]
    )  # fmt: skip
    assert "[not on the wall]" in kehila("review", "--flag", "wall").stdout
    assert kehila("review", "edit", entry["id"], "--quote", "Back on the wall.").exit_code == 0
    assert queue(kehila, "--flag", "wall") == []
    assert "not on the wall" not in kehila("review").stdout
