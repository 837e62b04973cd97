"""``type: csv``: testimonial-form exports, consent and e-mail handling.

The exports below are shaped as the tools write them (a Google Forms responses sheet downloaded
as CSV: a ``Timestamp`` column in the sheet's US format, an ``Email Address`` column when the form
collects addresses, then one column per question); the answers are made up for the test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from kehila.model import Item

from ..conftest import build
from ..harvest.conftest import FeedServer, counts, harvest, snapshot, write_project

GOOGLE_FORMS = (
    '"Timestamp","Email Address","Your name","Company","What would you tell a friend about '
    'Tavla?","How likely are you to recommend us? (1-5)","May we publish your answer with your '
    'name?"\r\n'
    '"3/4/2025 10:15:22","dana@northwind.example","Dana Whitfield","Northwind Clinics","Our '
    "no-show rate fell from 14% to under 9%. Ask me anything: dana.w@northwind.example or "
    '+1 (555) 010-7788.","5","Yes"\r\n'
    '"3/5/2025 08:01:09","marcus@brigade.example","Marcus Oyelaran","Brigade 7","Shift swaps '
    'take minutes now.","4","No"\r\n'
    '"3/6/2025 17:45:00","","Lea","","<script>alert(1)</script> Loved it {: onclick=x}","5",'
    '"yes"\r\n'
    '"3/7/2025 12:00:00","anon@example.org","","","No name given","3","Yes"\r\n'
    '"13/07/2025 12:00:00","late@example.org","Sam","","Wrong date format","3","Yes"\r\n'
)

COLUMNS = {
    "name": "Your name",
    "quote": "What would you tell a friend about Tavla?",
    "rating": "How likely are you to recommend us? (1-5)",
    "consent": "May we publish your answer with your name?",
    "date": "Timestamp",
    "email": "Email Address",
    "company": "Company",
}


def _project(tmp_path: Path, **options) -> Path:
    (tmp_path / "exports").mkdir(exist_ok=True)
    (tmp_path / "exports/spring.csv").write_bytes(b"\xef\xbb\xbf" + GOOGLE_FORMS.encode())
    source = {
        "name": "spring",
        "type": "csv",
        "path": "exports/spring.csv",
        "columns": COLUMNS,
        "date_format": "%m/%d/%Y %H:%M:%S",
        **options,
    }
    return write_project(tmp_path, [source])


def _stories(tmp_path: Path) -> list[Item]:
    return [
        Item.from_text(p.read_text("utf-8"), path=p.name)
        for p in sorted((tmp_path / "content").rglob("*.md"))
    ]


def test_rows_become_pending_stories_with_consent(tmp_path: Path) -> None:
    result = harvest(_project(tmp_path))
    assert result.exit_code == 0, result.output
    # Dana and Lea consented; Marcus said No; one row has no name; one has a bad date.
    assert counts(result.output, "spring") == (2, 0, 0, 0, 3, 0)
    assert "no consent to publish (answer 'No')" in result.output
    assert "no name in column 'Your name'" in result.output
    assert "date '13/07/2025 12:00:00' in column 'Timestamp' is not %m/%d/%Y %H:%M:%S" in (
        result.output
    )
    dana, lea = sorted(_stories(tmp_path), key=lambda i: i.date)
    assert dana.status == "pending" and dana.kind == "story"
    assert dana.author.name == "Dana Whitfield"
    assert dana.date.isoformat() == "2025-03-04T10:15:22+00:00"
    assert dana.consent.method == "form"
    assert "'Yes'" in dana.consent.note
    assert dana.extra == {"rating": 5, "company": "Northwind Clinics"}
    assert dana.title == "Our no-show rate fell from 14% to under 9%"
    # The export's path is never provenance: without public_url the item links nowhere.
    assert dana.source.name == "spring" and dana.source.url is None
    assert "exports/spring.csv" not in (tmp_path / "content").joinpath(
        "stories", next(p.name for p in (tmp_path / "content/stories").iterdir())
    ).read_text("utf-8")
    # The quote is plain text without markup (templates escape it); the body is escaped Markdown.
    assert lea.quote == "Loved it {: onclick=x}"
    assert "<script>" not in lea.body and "&lt;script&gt;" in lea.body


def test_email_addresses_never_reach_content(tmp_path: Path) -> None:
    harvest(_project(tmp_path))
    text = "\n".join(p.read_text("utf-8") for p in (tmp_path / "content").rglob("*.md"))
    for address in ("dana@northwind.example", "dana.w@northwind.example", "@northwind"):
        assert address not in text
    assert "Ask me anything: [email hidden] or [phone hidden]." in text
    assert "010-7788" not in text


def test_contacts_kept_when_masking_is_off_but_email_column_still_dropped(tmp_path: Path) -> None:
    harvest(_project(tmp_path, mask_contacts=False))
    text = "\n".join(p.read_text("utf-8") for p in (tmp_path / "content").rglob("*.md"))
    assert "dana.w@northwind.example" in text  # written by Dana in her answer
    assert "dana@northwind.example" not in text  # the form's e-mail column


def test_rows_without_consent_can_land_pending_marked_missing(tmp_path: Path) -> None:
    result = harvest(_project(tmp_path, without_consent="pending"))
    assert counts(result.output, "spring") == (3, 0, 0, 0, 2, 0)
    marcus = next(i for i in _stories(tmp_path) if i.author.name == "Marcus Oyelaran")
    assert marcus.status == "pending"
    assert marcus.consent is None
    assert marcus.extra["consent_missing"] == (
        "answered 'No' to 'May we publish your answer with your name?'"
    )


def test_reharvest_is_idempotent_and_ids_stable(tmp_path: Path) -> None:
    config = _project(tmp_path)
    harvest(config)
    before = snapshot(tmp_path / "content")
    ids = sorted(i.id for i in _stories(tmp_path))
    result = harvest(config)
    assert counts(result.output, "spring") == (0, 0, 2, 0, 3, 0)
    assert snapshot(tmp_path / "content") == before
    assert ids == sorted(i.id for i in _stories(tmp_path))
    assert all(i.startswith("csv:spring:") for i in ids)


def test_json_list_over_http(tmp_path: Path, feeds: FeedServer) -> None:
    # A JSON export as Tally's and Typeform's webhooks deliver answers: nested objects.
    rows = [
        {
            "submittedAt": "2025-05-19T14:02:00Z",
            "respondent": {"name": "Noa Levi", "email": "noa@example.co.il"},
            "answers": {"quote": "התזכורות חסכו לנו שעות בכל שבוע", "consent": "כן"},
        }
    ]
    url = feeds.serve("/export.json", json.dumps({"data": rows}).encode(), "application/json")
    source = {
        "name": "tally",
        "type": "csv",
        "url": url,
        "records": "data",
        "language": "he",
        "tags": ["hebrew"],
        "columns": {
            "name": "respondent.name",
            "email": "respondent.email",
            "quote": "answers.quote",
            "consent": "answers.consent",
            "date": "submittedAt",
        },
    }
    result = harvest(write_project(tmp_path, [source]))
    assert counts(result.output, "tally") == (1, 0, 0, 0, 0, 0)
    (noa,) = _stories(tmp_path)
    assert noa.language == "he" and noa.tags == ["hebrew"]
    assert noa.quote == "התזכורות חסכו לנו שעות בכל שבוע"
    assert "noa@example.co.il" not in (tmp_path / "content").joinpath(
        "stories", next(p.name for p in (tmp_path / "content/stories").iterdir())
    ).read_text("utf-8")


def test_missing_column_fails_the_source_naming_it(tmp_path: Path) -> None:
    config = _project(tmp_path, columns={**COLUMNS, "quote": "What would you tell a frend?"})
    result = harvest(config)
    assert result.exit_code == 1
    assert "no column 'What would you tell a frend?' in the export" in result.output
    assert not list((tmp_path / "content").rglob("*.md"))


def _publish(content: Path) -> None:
    """Publish every harvested story as an editor would (consent is there; disclosure: none)."""
    for path in content.rglob("*.md"):
        text = path.read_text("utf-8").replace("status: pending", "status: published", 1)
        path.write_text(text.replace("\nsource:", "\ndisclosure:\n  type: none\nsource:", 1))


def test_where_an_export_comes_from_is_never_public(tmp_path: Path, feeds: FeedServer) -> None:
    """Three exports: a file, a download link with a token, and a file with ``public_url``."""
    (tmp_path / "exports").mkdir()
    export = GOOGLE_FORMS.encode()
    (tmp_path / "exports/spring.csv").write_bytes(export)
    (tmp_path / "exports/autumn.csv").write_bytes(export.replace(b"2025 ", b"2026 "))
    secret = feeds.serve("/export.csv", export.replace(b"2025 ", b"2024 "), "text/csv")
    secret += "?token=s3cr3t-t0ken"
    common = {"type": "csv", "columns": COLUMNS, "date_format": "%m/%d/%Y %H:%M:%S"}
    public = "https://forms.tavla.example/spring"
    config = write_project(
        tmp_path,
        [
            {"name": "by-file", "path": "exports/spring.csv", **common},
            {"name": "by-link", "url": secret, **common},
            {"name": "public", "path": "exports/autumn.csv", "public_url": public, **common},
        ],
    )
    (tmp_path / "mkdocs.yml").write_text(
        (tmp_path / "mkdocs.yml").read_text("utf-8") + "site_url: https://hub.example/\n"
    )
    result = harvest(config)
    assert result.exit_code == 0, result.output
    _publish(tmp_path / "content")
    site = build(tmp_path)
    files = [p for p in site.rglob("*") if p.is_file() and p.suffix in {".html", ".json", ".xml"}]
    text = "\n".join(p.read_text("utf-8", errors="replace") for p in files)
    for private in ("exports/", "spring.csv", "autumn.csv", "s3cr3t-t0ken", "/export.csv"):
        assert private not in text, private
    # Only the source with public_url links to the form, on its story pages and in the feeds.
    slugs = {i.url_slug for i in _stories(tmp_path)}
    pages = {slug: (site / "stories" / slug / "index.html").read_text("utf-8") for slug in slugs}
    assert public in (site / "stories/wall/index.html").read_text("utf-8")
    linked = {name for name, html in pages.items() if public in html}
    assert len(linked) == 2 and len(pages) == 6
    for name, html in pages.items():
        assert ("Originally posted on" in html) == (name in linked)
    feed = json.loads((site / "feeds/stories.json").read_text("utf-8"))
    assert sorted(e.get("external_url") for e in feed["items"] if e.get("external_url")) == [
        public,
        public,
    ]


def test_an_unclosed_quote_fails_the_source_with_its_line(tmp_path: Path) -> None:
    broken = GOOGLE_FORMS.replace('"Shift swaps take minutes now."', '"Shift swaps take minutes')
    assert broken != GOOGLE_FORMS
    config = _project(tmp_path)
    (tmp_path / "exports/spring.csv").write_text(broken, encoding="utf-8")
    result = harvest(config)
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "spring.csv: line 3: a quoted field that starts in this row is not closed" in message
    assert "Close the quote in the export" in message
    assert not list((tmp_path / "content").rglob("*.md"))


def test_a_quote_open_to_the_end_fails_too(tmp_path: Path) -> None:
    config = _project(tmp_path)
    rows = GOOGLE_FORMS.splitlines(keepends=True)
    (tmp_path / "exports/spring.csv").write_text(
        "".join(rows[:2]) + '"3/5/2025 08:01:09","m@x.example","Marcus","B7","Unfinished\r\n',
        encoding="utf-8",
    )
    result = harvest(config)
    assert result.exit_code == 1
    assert "spring.csv: line 3: a quoted field" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("text", "shown"),
    [("", "the export has no rows"), (GOOGLE_FORMS.splitlines()[0] + "\r\n", "only a header")],
)
def test_an_empty_export_warns(tmp_path: Path, text: str, shown: str) -> None:
    config = _project(tmp_path)
    (tmp_path / "exports/spring.csv").write_text(text, encoding="utf-8")
    result = harvest(config)
    assert result.exit_code == 0
    output = " ".join(result.output.split())
    assert "warning:" in output and shown in output and "spring.csv" in output


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    config = _project(tmp_path)
    reader = csv.reader(io.StringIO(GOOGLE_FORMS, newline=""))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(reader)
    (tmp_path / "exports/spring.csv").write_text(out.getvalue(), encoding="utf-8")
    result = harvest(config)
    assert counts(result.output, "spring") == (2, 0, 0, 0, 3, 0)
    assert {i.author.name for i in _stories(tmp_path)} == {"Dana Whitfield", "Lea"}


def test_an_unknown_delimiter_fails_suggesting_the_option(tmp_path: Path) -> None:
    config = _project(tmp_path)
    reader = csv.reader(io.StringIO(GOOGLE_FORMS, newline=""))
    out = io.StringIO()
    csv.writer(out, delimiter="^").writerows(reader)
    (tmp_path / "exports/spring.csv").write_text(out.getvalue(), encoding="utf-8")
    result = harvest(config)
    assert result.exit_code == 1
    assert "set the 'delimiter' option" in " ".join(result.output.split())
    config = _project(tmp_path, delimiter="^")
    (tmp_path / "exports/spring.csv").write_text(out.getvalue(), encoding="utf-8")
    assert counts(harvest(config).output, "spring") == (2, 0, 0, 0, 3, 0)


def test_deleting_a_row_flags_nothing_else(tmp_path: Path) -> None:
    undated = GOOGLE_FORMS.replace('"3/6/2025 17:45:00","","Lea"', '"","","Lea"')
    config = _project(tmp_path)
    (tmp_path / "exports/spring.csv").write_text(undated, encoding="utf-8")
    assert counts(harvest(config).output, "spring") == (2, 0, 0, 0, 3, 0)
    _publish(tmp_path / "content")
    before = snapshot(tmp_path / "content")
    rows = undated.splitlines(keepends=True)
    # Marcus's row (2nd) goes; Dana's stays first, Lea's (no date) moves up one place.
    (tmp_path / "exports/spring.csv").write_text(rows[0] + rows[1] + "".join(rows[3:]))
    assert counts(harvest(config).output, "spring") == (0, 0, 2, 0, 2, 0)
    assert snapshot(tmp_path / "content") == before
    text = "\n".join(p.read_text("utf-8") for p in (tmp_path / "content").rglob("*.md"))
    assert "upstream_changed" not in text and "row:" not in text


@pytest.mark.parametrize("answer", ["Sim", "نعم", "כן", "Да", "Tak", "Kyllä", "Ναι", "Oui"])
def test_consent_in_many_languages(tmp_path: Path, answer: str) -> None:
    config = _project(tmp_path)
    text = GOOGLE_FORMS.replace('"4","No"', f'"4","{answer}"')
    (tmp_path / "exports/spring.csv").write_text(text, encoding="utf-8")
    assert counts(harvest(config).output, "spring")[0] == 3
    # A list given replaces the defaults.
    result = harvest(_project(tmp_path, consent_values=["Yes"]))
    assert "no consent to publish (answer" in result.output
