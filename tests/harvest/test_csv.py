"""``type: csv``: testimonial-form exports, consent and e-mail handling.

The exports below are shaped as the tools write them (a Google Forms responses sheet downloaded
as CSV: a ``Timestamp`` column in the sheet's US format, an ``Email Address`` column when the form
collects addresses, then one column per question); the answers are made up for the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from kehila.model import Item

from .conftest import FeedServer, counts, harvest, snapshot, write_project

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
    assert dana.source.name == "spring" and dana.source.url == "exports/spring.csv"
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
