"""`kehila stats` and `kehila check` on the demo content and on broken copies of it."""

from __future__ import annotations

import json
import re

from .conftest import read

STORY = "stories/2025-11-02-pending-agency.md"
PUBLISHED = "stories/2025-05-19-volunteer-fire-brigade.md"


def test_stats_json_counts_the_demo_content(kehila):
    result = kehila("stats", "--json", "--at", "2025-11-20T00:00:00Z")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["items"] == 18 and data["invalid"] == 0
    assert data["by_kind"] == {"qa": 8, "story": 7, "newsletter": 3}
    assert data["by_status"] == {"published": 15, "pending": 2, "rejected": 1}
    assert data["by_language"] == {"en": 9, "ru": 4, "he": 3, "ar": 2}
    assert data["by_source"]["community-forum"] == 6
    assert data["by_source"]["manual"] == 2
    assert sum(data["by_source"].values()) == 18
    # Pending: harvested 2025-11-03T08:00Z (16.67 days before) and 2025-11-11T06:00Z (8.75 days).
    assert data["queue"] == {
        "pending": 2,
        "median_wait_days": 12.7,
        "oldest_wait_days": 16.7,
        "oldest_id": "csv:autumn-survey:row-4",
    }
    assert data["published_stories_without_consent"] == 0


def test_stats_counts_published_stories_without_consent_even_when_invalid(kehila, project):
    path = project / "content" / PUBLISHED
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"consent:\n(  .*\n)+", "", text), encoding="utf-8")
    data = json.loads(kehila("stats", "--json").stdout)
    assert data["published_stories_without_consent"] == 1
    assert data["published_stories_without_consent_paths"] == [f"content/{PUBLISHED}"]
    assert data["invalid"] == 1 and data["items"] == 17
    table = kehila("stats").stdout
    assert "Published stories without consent: 1\n" in table
    assert f"  content/{PUBLISHED}\n" in table


def test_stats_with_items_waiting_equally_long(kehila, project):
    path = project / "content/questions/2025-11-10-pending-webhooks.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("2025-11-11T06:00:00Z", "2025-11-03T08:00:00Z"), encoding="utf-8")
    data = json.loads(kehila("stats", "--json", "--at", "2025-11-20T08:00:00Z").stdout)
    assert data["queue"]["median_wait_days"] == data["queue"]["oldest_wait_days"] == 17.0
    assert data["queue"]["oldest_id"] == "discourse:community.tavla.example:702"


def test_stats_table_shows_the_queue_waits(kehila):
    out = kehila("stats", "--at", "2025-11-20").stdout
    assert out.startswith("18 items\n")
    assert re.search(r"Kind\s+Items\s+Status\s+Items\s+Source\s+Items\s+Language\s+Items", out)
    assert (
        "Queue: 2 pending; median wait 12.7 days; oldest csv:autumn-survey:row-4 waiting 16.7 days."
    ) in out


def test_check_passes_on_the_demo_content(kehila):
    result = kehila("check")
    assert result.exit_code == 0
    assert result.stdout == "All 18 items are valid; links and tag names are fine.\n"


def test_check_reports_the_model_message_broken_links_and_missing_tag_names(kehila, project):
    content = project / "content"
    # An invalid item: the model's own message, word for word.
    bad = content / "stories/2025-05-19-volunteer-fire-brigade.md"
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("method: form", "method: fax"), encoding="utf-8"
    )
    # A published item linking to a missing file, to a pending item, and to a published one.
    linking = content / "stories/2025-03-04-northwind-clinics-no-shows.md"
    linking.write_text(
        linking.read_text(encoding="utf-8")
        + "\nSee [the webhook answer](../questions/2025-11-10-pending-webhooks.md),"
        " [the old guide](../questions/no-such-guide.md#setup)"
        " and [iCal feeds](../questions/2025-04-02-export-ical-feed.md).\n",
        encoding="utf-8",
    )
    # A tag without a Hebrew name.
    tags = content / ".kehila/tags.yml"
    tags.write_text(
        tags.read_text(encoding="utf-8").replace("  he: קמעונאות\n", ""), encoding="utf-8"
    )
    result = kehila("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/stories/2025-05-19-volunteer-fire-brigade.md:14: field 'consent.method': "
        "expected one of form, email, public-post, got 'fax'",
        "content/stories/2025-03-04-northwind-clinics-no-shows.md: link to "
        "'../questions/2025-11-10-pending-webhooks.md': the linked item is not published (pending)",
        "content/stories/2025-03-04-northwind-clinics-no-shows.md: link to "
        "'../questions/no-such-guide.md#setup': no such file (content/questions/no-such-guide.md)",
        "content/.kehila/tags.yml: tag 'retail' has no name in language 'he' "
        "(used by content/stories/2025-06-10-maafiya-tor-online.md)",
        "4 problems in 3 files.",
    ]


def test_check_without_a_tag_file_names_the_file_to_create(kehila, project):
    (project / "content/.kehila/tags.yml").unlink()
    lines = kehila("check").stdout.splitlines()
    assert lines[0] == (
        "content/.kehila/tags.yml: file not found: it names each tag per language "
        "(tag -> language -> name)"
    )
    assert "content/.kehila/tags.yml: tag 'api' has no name in language 'en' (used by " in lines[1]
    # Only tags readers see need names: 'agencies' belongs to a pending story alone.
    assert not any("'agencies'" in line for line in lines)


def test_check_reports_a_malformed_tag_file(kehila, project):
    (project / "content/.kehila/tags.yml").write_text("api: API\n", encoding="utf-8")
    lines = kehila("check").stdout.splitlines()
    assert lines[0] == (
        "content/.kehila/tags.yml: tag 'api': expected a mapping of language -> name, got 'API'"
    )


def test_check_from_a_hook_runs_the_real_console_script(project):
    """As a pre-commit hook runs it: the installed `kehila` command, exit status only."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("kehila")
    assert subprocess.run([script, "check"], cwd=project, capture_output=True).returncode == 0
    broken = project / "content" / STORY
    broken.write_text(
        read(project, STORY).replace("status: pending", "status: draft"), encoding="utf-8"
    )
    done = subprocess.run([script, "check"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 1
    assert (
        "content/stories/2025-11-02-pending-agency.md:4: field 'status': expected one of "
        "pending, published, rejected, got 'draft'"
    ) in done.stdout


def test_stats_counts_a_language_once_whatever_its_case(kehila, project):
    path = project / "content" / "stories" / "2025-11-02-pending-agency.md"
    path.write_text(path.read_text().replace("language: en\n", "language: en-us\n"))
    other = project / "content" / "questions" / "2025-11-10-pending-webhooks.md"
    other.write_text(other.read_text().replace("language: en\n", "language: EN-US\n"))
    data = json.loads(kehila("stats", "--json").stdout)
    assert data["by_language"]["en-US"] == 2
    assert "en-us" not in data["by_language"] and "EN-US" not in data["by_language"]
