"""`kehila tags`: tags in use with their names, stubs for missing names, duplicate keys refused."""

from __future__ import annotations

from .conftest import read

TAGS = ".kehila/tags.yml"
STORY = "stories/2025-11-02-pending-agency.md"
QA = "questions/2025-11-10-pending-webhooks.md"


def _retag(project, rel, old, new):
    path = project / "content" / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_tags_lists_counts_names_and_marks_the_missing(kehila, project):
    _retag(project, STORY, "tags: [agencies]", "tags: [agencies, booking]")
    _retag(project, QA, "language: en\n", "language: he\n")
    result = kehila("tags")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert rows["reminders"].split()[1] == "6"
    assert "ar: التذكيرات, en: Reminders, he: תזכורות" in rows["reminders"]
    assert rows["booking"].split()[1:] == ["1", "—", "en"]
    assert rows["agencies"].rstrip().endswith("—")
    assert rows["api"].split()[1:] == ["2", "en:", "API", "he"]  # the Q&A is now in Hebrew
    assert result.stdout.splitlines()[-1].startswith("17 tags in use, ")
    assert "`kehila tags --write`" in result.stdout.splitlines()[-1]


def test_write_adds_empty_names_and_keeps_entries_and_comments(kehila, project):
    before = read(project, TAGS)
    _retag(project, STORY, "tags: [agencies]", "tags: [agencies, booking, zz-new]")
    _retag(project, STORY, "language: en\n", "language: pt-BR\n")
    result = kehila("tags", "--write")
    assert result.exit_code == 0, result.output
    assert "Added 3 empty names to content/.kehila/tags.yml: fill them in." in result.stdout
    after = read(project, TAGS)
    # Every line of the old file is still there, in order, comments included.
    old_lines = before.splitlines()
    new_lines = after.splitlines()
    assert [line for line in new_lines if line in old_lines] == old_lines
    assert "agencies:\n  en: Agencies\n  pt-BR:\n" in after
    assert after.endswith("booking:\n  pt-BR:\nzz-new:\n  pt-BR:\n")
    # The stubs are names still missing: the build shows the tag as written, check asks.
    again = kehila("tags", "--write")
    assert "Every missing name already waits in content/.kehila/tags.yml" in again.stdout
    assert read(project, TAGS) == after


def test_stub_names_still_count_as_missing_in_check(kehila, project):
    _retag(project, STORY, "tags: [agencies]", "tags: [agencies, booking]")
    story = "csv:autumn-survey:row-4"
    kehila("review", "consent", story, "--method", "form", "--date", "2025-11-03")
    kehila("review", "disclose", story, "none")
    assert kehila("review", "approve", story).exit_code == 0
    kehila("tags", "--write")
    result = kehila("check")
    assert result.exit_code == 1
    assert "tag 'booking' has no name in language 'en'" in result.stdout


def test_a_duplicate_key_names_both_lines(kehila, project):
    path = project / "content" / TAGS
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = lines.index("mobile:") + 1
    path.write_text(text + "mobile:\n  en: Mobile app\n", encoding="utf-8")
    second = len(lines) + 1
    expected = f"content/{TAGS}: duplicate key 'mobile' at line {second}, first at line {first}"
    result = kehila("tags")
    assert result.exit_code == 1
    assert expected in result.stdout
    check = kehila("check")
    assert check.exit_code == 1
    assert expected in check.stdout
