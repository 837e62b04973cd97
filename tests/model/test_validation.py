"""The one reader of named values: an item's fields, a source's options and the newsletter block
are checked and explained with the same words."""

from __future__ import annotations

import pytest
from kehila.harvest.harvest_config import Options
from kehila.harvest.sources.base import ConfigError
from kehila.model import ItemError, check_field
from kehila.newsletter.settings import NewsletterSettings


def test_a_url_is_refused_in_the_same_words_as_an_option_and_in_the_newsletter_block() -> None:
    with pytest.raises(ConfigError) as option:
        Options("blog", {"url": "/feed.xml"}).url("url")
    with pytest.raises(ValueError) as block:
        NewsletterSettings.from_options({"subscribe_url": "/feed.xml"})
    problem = "expected an http:// or https:// URL, got '/feed.xml'"
    assert str(option.value).endswith(f"option 'url': {problem}")
    assert str(block.value) == f"'subscribe_url': {problem}"


@pytest.mark.parametrize("url", ["https://tavla.example/feed", "HTTP://tavla.example"])
def test_absolute_urls_are_accepted_by_both(url: str) -> None:
    assert Options("blog", {"url": url}).url("url") == url
    assert NewsletterSettings.from_options({"subscribe_url": url}).subscribe_url == url


def test_a_misspelt_newsletter_key_gets_a_did_you_mean() -> None:
    with pytest.raises(ValueError, match=r"^'reply_too': unknown option \(did you mean 'reply_to'"):
        NewsletterSettings.from_options({"reply_too": "a@tavla.example"})


def test_a_null_item_field_is_absent_but_a_null_option_with_a_default_is_refused() -> None:
    assert check_field("featured", None, path="a.md") is False
    with pytest.raises(ItemError, match="field 'featured': expected true or false, got 'yes'"):
        check_field("featured", "yes", path="a.md")
    with pytest.raises(ConfigError, match="option 'language': expected text, got None"):
        Options("blog", {"language": None}).language("language", "en")
