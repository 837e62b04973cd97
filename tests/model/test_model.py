"""The content model: exact validation messages, dates, round trips."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from kehila.content import build_catalog, load_catalog
from kehila.model import Item, ItemError, content_digest, slugify

from ..conftest import ROOT

VALID_STORY = """\
---
id: manual:demo:1
kind: story
status: published
title: A story
date: 2025-03-04
language: en
tags: [a, b]
author: {name: Dana}
quote: It works.
consent: {method: email, date: 2025-03-01}
disclosure: none
---
Body text.
"""


def with_field(text: str, line: str, replacement: str | None) -> str:
    """The valid story with one front matter line replaced (or removed when None)."""
    lines = text.splitlines(keepends=True)
    index = next(i for i, current in enumerate(lines) if current.startswith(line))
    if replacement is None:
        del lines[index]
    else:
        lines[index] = replacement + "\n"
    return "".join(lines)


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        # Missing field
        ("title:", None, "content/stories/acme.md: field 'title': required field is missing"),
        # Bad enum
        (
            "status:",
            "status: publised",
            "content/stories/acme.md:4: field 'status': "
            "expected one of pending, published, rejected, got 'publised' "
            "(did you mean 'published'?)",
        ),
        (
            "kind:",
            "kind: review",
            "content/stories/acme.md:3: field 'kind': "
            "expected one of story, qa, newsletter, got 'review'",
        ),
        # Bad date
        (
            "date:",
            "date: last tuesday",
            "content/stories/acme.md:6: field 'date': "
            "expected an ISO 8601 date such as 2025-03-14, got 'last tuesday'",
        ),
        (
            "date:",
            "date: 2025-13-45",
            "content/stories/acme.md:6: field 'date': "
            "expected an ISO 8601 date such as 2025-03-14, got '2025-13-45'",
        ),
        # Wrong type
        (
            "tags:",
            "tags: onboarding, api",
            "content/stories/acme.md:8: field 'tags': "
            "expected a list of text, got 'onboarding, api' (text)",
        ),
        (
            "title:",
            "title: 2025",
            "content/stories/acme.md:5: field 'title': expected text, got 2025 (number)",
        ),
        (
            "language:",
            "language: English",
            "content/stories/acme.md:7: field 'language': "
            "expected a BCP 47 language tag such as en or he, got 'English'",
        ),
        # Nested fields name their full path
        (
            "consent:",
            "consent: {method: phone, date: 2025-03-01}",
            "content/stories/acme.md:11: field 'consent.method': "
            "expected one of form, email, public-post, got 'phone'",
        ),
        # Rules across fields
        (
            "consent:",
            None,
            "content/stories/acme.md: field 'consent': a published story must record its consent",
        ),
    ],
)
def test_validation_messages_are_exact(line: str, replacement: str | None, message: str) -> None:
    text = with_field(VALID_STORY, line, replacement)
    with pytest.raises(ItemError) as caught:
        Item.from_text(text, path="content/stories/acme.md")
    assert str(caught.value) == message


def test_broken_front_matter_names_file_and_line() -> None:
    text = "---\nid: x\ntitle: [unclosed\nkind: story\n---\nbody\n"
    catalog = build_catalog([("content/stories/broken.md", text)])
    assert catalog.items == []
    assert [str(e) for e in catalog.errors] == [
        "content/stories/broken.md: front matter is not valid YAML: "
        "expected ',' or ']', but got ':' "
        "(line 4, column 5; parsing a flow sequence started at line 3)"
    ]
    # A broken file is never mistaken for an ordinary page that could be published as is.
    assert "content/stories/broken.md" in catalog.item_paths


def test_duplicate_id_across_two_files() -> None:
    catalog = build_catalog(
        [("content/stories/a.md", VALID_STORY), ("content/stories/b.md", VALID_STORY)]
    )
    assert [i.path for i in catalog.items] == ["content/stories/a.md"]
    assert [str(e) for e in catalog.errors] == [
        "content/stories/b.md: field 'id': duplicate id 'manual:demo:1', "
        "already used by content/stories/a.md"
    ]


def test_pending_story_may_lack_consent_and_disclosure() -> None:
    text = with_field(with_field(VALID_STORY, "consent:", None), "disclosure:", None)
    item = Item.from_text(text.replace("status: published", "status: pending"), path="x.md")
    assert item.consent is None and item.disclosure is None
    assert not item.is_public


def test_qa_needs_at_least_one_accepted_answer() -> None:
    meta = {
        "id": "q:1", "kind": "qa", "status": "pending", "title": "Q", "date": "2025-01-01",
        "language": "en", "tags": [],
        "answers": [{"author": "a", "body": "one"}, {"author": "b", "body": "two"}],
    }  # fmt: skip
    with pytest.raises(ItemError, match=r"field 'answers': expected at least one answer"):
        Item.from_metadata(meta, "question", path="q.md")
    meta["answers"][1]["accepted"] = True
    item = Item.from_metadata(meta, "question", path="q.md")
    assert item.accepted_answer.body == "two"
    assert [a.body for a in item.other_answers] == ["one"]
    # A forum may accept several: each keeps its place and who accepted it.
    meta["answers"].append({"author": "c", "body": "three", "accepted": True, "accepted_by": "d"})
    item = Item.from_metadata(meta, "question", path="q.md")
    assert [(a.body, a.accepted_by) for a in item.accepted_answers] == [
        ("two", None),
        ("three", "d"),
    ]
    assert Item.from_text(item.to_text(), path="q.md").answers == item.answers
    meta["answers"][0]["accepted_by"] = "d"
    with pytest.raises(ItemError, match=r"answers\[0\]\.accepted_by'?: only an accepted answer"):
        Item.from_metadata(meta, "question", path="q.md")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-04", dt.datetime(2025, 3, 4, tzinfo=dt.UTC)),
        ("2025-03-04T10:00:00Z", dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC)),
        (
            "2025-03-04T12:00:00+02:00",
            dt.datetime(2025, 3, 4, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
        (dt.date(2025, 3, 4), dt.datetime(2025, 3, 4, tzinfo=dt.UTC)),
        # A naive datetime, as PyYAML gives for a timestamp without zone: taken as UTC.
        (dt.datetime(2025, 3, 4, 8), dt.datetime(2025, 3, 4, 8, tzinfo=dt.UTC)),  # noqa: DTZ001
    ],
)
def test_dates_are_timezone_aware(value: object, expected: dt.datetime) -> None:
    meta = {
        "id": "n:1", "kind": "newsletter", "status": "published", "title": "N", "date": value,
        "language": "en", "tags": [],
    }  # fmt: skip
    item = Item.from_metadata(meta, "", path="n.md")
    assert item.date == expected
    assert item.date.tzinfo is not None


def test_every_demo_item_round_trips_through_the_model() -> None:
    catalog = load_catalog(ROOT / "content")
    assert catalog.errors == []
    assert len(catalog.items) >= 13
    for item in catalog.items:
        again = Item.from_text(item.to_text(), path=item.path)
        assert again.to_metadata() == item.to_metadata(), item.path
        assert again.body.strip() == item.body.strip()
        # Writing is deterministic: the same item always gives the same bytes.
        assert again.to_text() == item.to_text()


def test_digest_ignores_harvest_bookkeeping_but_not_edits() -> None:
    item = Item.from_text(VALID_STORY, path="x.md")
    meta = item.to_metadata()
    meta["source"] = {"name": "s", "url": "https://e.example/1", "harvested": "2025-01-01"}
    before = content_digest(meta, item.body)
    meta["source"]["harvested"] = "2026-01-01"
    meta["source"]["digest"] = before
    assert content_digest(meta, item.body) == before
    assert content_digest(meta, item.body + " edited") != before
    meta["title"] = "Edited title"
    assert content_digest(meta, item.body) != before


def test_right_to_left_languages() -> None:
    for language, direction in [("he", "rtl"), ("ar", "rtl"), ("fa-IR", "rtl"), ("ru", "ltr")]:
        meta = {
            "id": "n", "kind": "newsletter", "status": "pending", "title": "t",
            "date": "2025-01-01", "language": language, "tags": [],
        }  # fmt: skip
        assert Item.from_metadata(meta, "", path="n.md").direction == direction


def test_slugs_keep_every_script() -> None:
    assert slugify("How Northwind cut no-shows by 38%!") == "how-northwind-cut-no-shows-by-38"
    assert slugify("Как выгрузить расписание?") == "как-выгрузить-расписание"
    assert slugify("שָׁלוֹם עולם") == "שלום-עולם"


def test_unknown_fields_are_kept() -> None:
    text = VALID_STORY.replace("quote:", "editor_note: check spelling\nquote:")
    item = Item.from_text(text, path="x.md")
    assert item.extra == {"editor_note": "check spelling"}
    assert "editor_note: check spelling" in item.to_text()


def test_doc_example_in_module_docstring() -> None:
    import doctest

    import kehila.model

    assert doctest.testmod(kehila.model).failed == 0


def test_yaml_dump_of_multiline_answers_is_readable() -> None:
    catalog = load_catalog(ROOT / "content")
    qa = next(i for i in catalog.items if i.kind == "qa" and len(i.answers) > 1)
    text = qa.to_text()
    assert "  body: |" in text
    assert textwrap.dedent(qa.accepted_answer.body).splitlines()[0] in text
