"""The ``newsletter:`` block of the plugin's options, and the archive's "Subscribe" link."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from kehila.mkdocs.config import KehilaConfig
from kehila.newsletter.settings import NewsletterSettings

from ..conftest import build


def errors_of(**options: object) -> dict[str, str]:
    config = KehilaConfig()
    config.load_dict(options)
    errors, _warnings = config.validate()
    return {key: str(error) for key, error in errors}


@pytest.mark.parametrize("value", [True, False, {}, {"from": "News <news@tavla.example>"}])
def test_true_false_or_a_block(value: object) -> None:
    assert errors_of(newsletter=value) == {}


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"form": "a@b.example"},
            "'form': unknown option (did you mean 'from'?); known: from, reply_to, stylesheet,",
        ),
        ({"from": "not an address"}, "'from': expected an email address such as"),
        ({"reply_to": "x@"}, "'reply_to': expected an email address"),
        (
            {"subscribe_url": "/subscribe"},
            "'subscribe_url': expected an http:// or https:// URL, got '/subscribe'",
        ),
        (
            {"unsubscribe_url": "http://t.example/u?e={email}"},
            "'unsubscribe_url': expected an https:// URL",
        ),
        (
            {"unsubscribe_url": "https://t.example/u"},
            "'unsubscribe_url': expected '{email}' in the URL",
        ),
        (
            {"unsubscribe_url": "https://t.example/u?e={email}&l={list}"},
            "'unsubscribe_url': only the placeholders {email} and {token} may be used",
        ),
        ({"from": 3}, "'from': expected text, got 3 (number)"),
        ({"from": "  "}, "'from': expected text, got an empty value"),
    ],
)
def test_bad_blocks_are_refused_naming_the_key(block: dict, message: str) -> None:
    errors = errors_of(newsletter=block)
    assert list(errors) == ["newsletter"]
    assert errors["newsletter"].startswith("Expected true, false or a newsletter block: " + message)


def test_presets_name_the_email_services_placeholders() -> None:
    assert NewsletterSettings.from_options({"unsubscribe": "Mailchimp"}).unsubscribe == "*|UNSUB|*"
    assert NewsletterSettings.from_options({"unsubscribe": "listmonk"}).unsubscribe == (
        "{{ UnsubscribeURL }}"
    )
    assert NewsletterSettings.from_options({"unsubscribe": "%unsub%"}).unsubscribe == "%unsub%"
    assert NewsletterSettings.from_options(True).unsubscribe == "{{ unsubscribe_url }}"


def test_archive_pages_link_to_subscribe_and_keep_previous_next(hub_project: Path) -> None:
    site = build(hub_project)
    subscribe = "https://tavla.example/newsletter/subscribe"
    for page in ("newsletter/index.html", "newsletter/2025/index.html"):
        tree = lxml.html.fromstring((site / page).read_text(encoding="utf-8"))
        links = tree.xpath("//p[@class='kehila-subscribe']/a")
        assert [a.get("href") for a in links] == [subscribe], page
    issue = lxml.html.fromstring(
        (site / "newsletter/2025/tavla-he-4/index.html").read_text(encoding="utf-8")
    )
    assert issue.xpath("//p[@class='kehila-subscribe']/a/@href") == [subscribe]
    assert issue.xpath("//nav[@class='kehila-issue-nav']/a/@rel") == ["prev", "next"]


def test_no_subscribe_link_without_a_url(demo_site: Path) -> None:
    page = (demo_site / "newsletter/index.html").read_text(encoding="utf-8")
    assert "kehila-subscribe" not in page
