"""The one reader of named values: an item's fields, a source's options and the newsletter block
are checked and explained with the same words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kehila.harvest.harvest_config import Options, read_config
from kehila.harvest.sources.base import ConfigError
from kehila.model import ItemError, ItemValidator, check_field
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


def source_names(root: Path, name: str) -> list[str]:
    """The names of the sources read from a mkdocs.yml that declares one source called ``name``."""
    sources = [{"name": name, "type": "feed", "url": "https://tavla.example/feed"}]
    config = root / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"plugins": [{"kehila": {"sources": sources}}]}), "utf-8")
    return [spec.name for spec in read_config(config).sources]


@pytest.mark.parametrize(
    ("value", "hint"),
    [("Tavla Blog", "tavla-blog"), ("-tavla", "tavla"), ("tavla--blog", "tavla-blog")],
)
def test_an_item_slug_and_a_source_name_are_refused_by_the_same_check(
    value: str, hint: str, tmp_path: Path
) -> None:
    with pytest.raises(ItemError) as item:
        ItemValidator("a.md", {"slug": value}).slug("slug")
    assert str(item.value) == (
        f"a.md: field 'slug': expected lower-case letters, digits and dashes, got {value!r}"
    )
    with pytest.raises(ConfigError) as source:
        source_names(tmp_path, value)
    assert str(source.value).endswith(
        f"option 'name': use lower-case letters, digits and dashes, e.g. {hint!r}"
    )


@pytest.mark.parametrize("value", ["tavla-blog", "שלום-עולם", "faq_2025"])
def test_a_slug_is_accepted_by_both(value: str, tmp_path: Path) -> None:
    assert ItemValidator("a.md", {"slug": value}).slug("slug") == value
    assert source_names(tmp_path, value) == [value]
