"""`kehila review edit`: fields changed from the desk, every other byte kept, bad values refused."""

from __future__ import annotations

import json

import pytest

from .conftest import read

STORY = "stories/2025-11-02-pending-agency.md"
STORY_ID = "csv:autumn-survey:row-4"


def test_edit_changes_only_the_fields_given(kehila, project):
    before = read(project, STORY)
    result = kehila(
        "review", "edit", "2025-11-02-pending-agency",
        "--title", "Brightline books [workshops] in minutes",
        "--quote", "Clients book their own slots [phone hidden].",
        "--tags", "agencies, booking,,agencies",
        "--featured",
        "--language", "EN-gb",
        "--author-url", "https://example.org/priya",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{STORY_ID}: changed title, quote, tags, featured, language, author (content/{STORY})\n"
    )
    assert read(project, STORY) == (
        before.replace(
            "title: Brightline Agency books client workshops in minutes\n",
            "title: Brightline books [workshops] in minutes\n",
        )
        .replace("language: en\n", "language: en-GB\n")
        .replace("tags: [agencies]\n", "tags: [agencies, booking]\nfeatured: true\n")
        .replace("  name: Priya Raman\n", "  name: Priya Raman\n  url: https://example.org/priya\n")
        .replace(
            "quote: Zanzibar-pending-marker-7Q — our clients book their own workshop slots now.\n",
            "quote: Clients book their own slots [phone hidden].\n",
        )
    )
    # Again: nothing to do, nothing written.
    again = kehila("review", "edit", STORY_ID, "--tags", "agencies,booking", "--featured")
    assert again.stdout == f"{STORY_ID}: unchanged (content/{STORY})\n"


def test_empty_values_remove_optional_fields(kehila, project):
    kehila("review", "edit", STORY_ID, "--featured")
    result = kehila("review", "edit", STORY_ID, "--quote", "", "--no-featured", "--tags", "")
    assert result.exit_code == 0, result.output
    text = read(project, STORY)
    assert "quote:" not in text
    assert "featured:" not in text
    assert "tags: []\n" in text
    (entry,) = [i for i in json.loads(kehila("review", "--json").stdout) if i["id"] == STORY_ID]
    assert entry["tags"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--language", "english (US)"],
            f"content/{STORY}: field 'language': expected a BCP 47 language tag such as en or he, "
            "got 'english (US)'",
        ),
        (["--title", "  "], f"content/{STORY}: field 'title': expected text, got an empty value"),
        (["--tags", " , "], None),
    ],
)
def test_invalid_values_are_refused_with_the_models_message(kehila, project, args, message):
    before = read(project, STORY)
    result = kehila("review", "edit", STORY_ID, *args)
    if message is None:  # no tags at all is a valid value
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert result.stderr == f"Error: refused: {message}\n"
    assert read(project, STORY) == before


def test_edit_needs_a_field_and_a_known_item(kehila):
    result = kehila("review", "edit", STORY_ID)
    assert result.exit_code == 2
    assert "give at least one field to change" in result.output
    result = kehila("review", "edit", "2025-11-02-pending-agnecy", "--featured")
    assert result.exit_code == 1
    assert "; did you mean 2025-11-02-pending-agency or" in result.stderr


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("en-us", "en-US"),
        ("ZH-hant-tw", "zh-Hant-TW"),
        ("pt-br", "pt-BR"),
        ("he", "he"),
        ("es-419", "es-419"),
        ("en-x-Private-AB", "en-x-private-ab"),
        ("sr-latn", "sr-Latn"),
    ],
)
def test_language_tags_are_written_in_canonical_case(tag, canonical):
    from kehila.model import canonical_language

    assert canonical_language(tag) == canonical
