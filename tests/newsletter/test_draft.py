"""``kehila newsletter draft``: a pending issue from what the community published since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from kehila.cli import main
from kehila.content import load_catalog

from ..conftest import write_files

LATER = {
    "content/stories/2025-11-20-clinic.md": """
        ---
        id: manual:clinic
        kind: story
        status: published
        title: "A clinic's [beta] reminders"
        date: 2025-11-20T10:00:00Z
        language: en
        tags: []
        author: {name: Dr. Sara Ben-David}
        quote: "No-shows *halved* in a month. <script>x</script>"
        consent: {method: form, date: 2025-11-20T10:00:00Z}
        disclosure: {type: paid, text: We paid for the interview.}
        ---
        Story.
        """,
    "content/stories/2025-11-21-he.md": """
        ---
        id: manual:he-story
        kind: story
        status: published
        title: סיפור מהגן
        date: 2025-11-21T10:00:00Z
        language: he
        tags: []
        quote: ההורים מקבלים תזכורת.
        consent: {method: form, date: 2025-11-21T10:00:00Z}
        disclosure: none
        ---
        סיפור.
        """,
    "content/stories/2025-11-22-pending.md": """
        ---
        id: manual:pending-story
        kind: story
        status: pending
        title: A pending story nobody may see
        date: 2025-11-22T10:00:00Z
        language: en
        tags: []
        quote: Secret words.
        ---
        """,
    "content/stories/2025-11-23-private.md": """
        ---
        id: manual:private-story
        kind: story
        status: published
        private: true
        title: A private story
        date: 2025-11-23T10:00:00Z
        language: en
        tags: []
        consent: {method: form, date: 2025-11-23T10:00:00Z}
        disclosure: none
        ---
        """,
    "content/questions/2025-11-24-webhooks.md": """
        ---
        id: manual:webhooks
        kind: qa
        status: published
        title: Webhooks arrive twice
        date: 2025-11-24T10:00:00Z
        language: en
        tags: []
        answers:
        - accepted: true
          author: {name: Ines}
          body: Use the delivery id.
        ---
        Why?
        """,
}


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["newsletter", "draft", "-f", str(project / "mkdocs.yml"), *args]
    )
    return result.exit_code, result.output


@pytest.fixture
def project(hub_project: Path) -> Path:
    write_files(hub_project, LATER)
    return hub_project


def drafts(project: Path) -> list:
    catalog = load_catalog(project / "content")
    return [i for i in catalog.items if i.id.startswith("manual:newsletter-draft:")]


def test_draft_since_the_last_issue(project: Path) -> None:
    code, output = run(project)
    assert code == 0, output
    assert "1 stories" not in output and "2 stories and 1 answered questions" in output
    (draft,) = drafts(project)
    assert draft.kind == "newsletter" and draft.status == "pending"
    assert draft.source is not None and draft.source.name == "manual"
    assert draft.path.startswith("content/newsletter/")
    assert draft.language == "en"
    body = draft.body
    # Only what was published after the last issue (2025-11-01): not the bakery (June).
    assert "bakery" not in body
    assert "(../stories/2025-11-20-clinic.md)" in body
    assert "A clinic's (beta) reminders" in body
    assert "> No-shows \\*halved\\* in a month. \\<script\\>x\\</script\\>" in body
    assert "> — Dr. Sara Ben-David" in body
    assert "*Disclosure: Paid testimonial: We paid for the interview.*" in body
    assert '[סיפור מהגן](../stories/2025-11-21-he.md) { lang="he" dir="rtl" }' in body
    assert "- [Webhooks arrive twice](../questions/2025-11-24-webhooks.md)" in body
    for secret in ("pending story", "Secret words", "private story"):
        assert secret not in body


def test_the_draft_is_in_the_desks_queue(project: Path) -> None:
    assert run(project)[0] == 0
    result = CliRunner().invoke(
        main, ["review", "--content", str(project / "content"), "--kind", "newsletter", "--json"]
    )
    assert result.exit_code == 0, result.output
    queue = json.loads(result.output)
    items = queue if isinstance(queue, list) else queue["items"]
    ids = [entry["id"] for entry in items]
    assert any(i.startswith("manual:newsletter-draft:") for i in ids)
    assert "manual:notes-21" in ids


def test_the_drafts_email_links_to_the_hub_pages(project: Path) -> None:
    assert run(project)[0] == 0
    (draft,) = drafts(project)
    out = project / "outbox"
    result = CliRunner().invoke(
        main,
        [
            "newsletter",
            "email",
            "-f",
            str(project / "mkdocs.yml"),
            draft.id,
            "--out",
            str(out),
            "--draft",
        ],
    )
    assert result.exit_code == 0, result.output
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert 'href="https://community.tavla.example/hub/stories/' in html
    assert "https://community.tavla.example/hub/questions/" in html
    assert "Secret words" not in html


def test_since_a_date(project: Path) -> None:
    code, output = run(project, "--since", "2025-11-23", "--dry-run")
    assert code == 0, output
    assert "Webhooks arrive twice" in output
    assert "clinic" not in output
    assert drafts(project) == [], "--dry-run writes nothing"


def test_nothing_new_writes_nothing(project: Path) -> None:
    code, output = run(project, "--since", "2026-01-01")
    assert code == 0
    assert "Nothing was published since 2026-01-01: no draft written." in output
    assert drafts(project) == []


def test_since_and_since_last_exclude_each_other(project: Path) -> None:
    code, output = run(project, "--since", "2025-01-01", "--since-last")
    assert code == 2
    assert "give --since DATE or --since-last, not both" in output


def test_the_draft_speaks_the_sites_language(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("language: en", "language: ru"),
        encoding="utf-8",
    )
    assert run(project)[0] == 0
    (draft,) = drafts(project)
    assert draft.language == "ru"
    assert draft.title.startswith("Tavla Community Hub: новости сообщества")
    assert draft.summary == "Истории: 2. Вопросы с ответами: 1."
    assert "## Истории" in draft.body and "## Вопросы с ответами" in draft.body
    # An English story in a Russian issue keeps its language.
    assert '(../stories/2025-11-20-clinic.md) { lang="en" dir="ltr" }' in draft.body
    assert "*Раскрытие информации: " in draft.body and "Disclosure" not in draft.body
