"""Sources in mkdocs.yml: bad configuration stops the harvest before anything is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from kehila.harvest.harvest_config import build_sources, load_mkdocs_yml, read_config
from kehila.harvest.sources.base import HarvestContext
from pytest_httpserver import HTTPServer

from .conftest import MEDIUM, FeedServer, counts, harvest, write_project


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            {"name": "blog", "type": "fead", "url": "https://example.org/f"},
            "source 'blog': option 'type': unknown type 'fead' (did you mean 'feed'?)",
        ),
        (
            {"name": "blog", "type": "feed"},
            "source 'blog': option 'url': required option is missing",
        ),
        (
            {"name": "blog", "type": "feed", "url": "https://example.org/f", "kind": "qa"},
            "source 'blog': option 'kind': expected one of story, newsletter, got 'qa'",
        ),
        (
            {"name": "blog", "type": "feed", "url": "https://example.org/f", "knd": "story"},
            "source 'blog': option 'knd': unknown option (did you mean 'kind'?)",
        ),
        (
            {"name": "blog", "type": "feed", "url": "https://example.org/f", "max_items": 0},
            "source 'blog': option 'max_items': expected a whole number of at least 1, "
            "got 0 (number)",
        ),
        (
            {"name": "blog", "type": "feed", "url": "${KEHILA_TEST_UNSET}/feed"},
            "source 'blog': option 'url': environment variable KEHILA_TEST_UNSET is not set",
        ),
        (
            {"name": "form", "type": "csv", "path": "missing.csv", "columns": {"name": "Name"}},
            "source 'form': option 'path': no such file: missing.csv",
        ),
        (
            {
                "name": "form",
                "type": "csv",
                "url": "https://example.org/x.csv",
                "columns": {"name": "Name", "quote": "Q", "phone": "Tel"},
            },
            "source 'form': option 'columns.phone': unknown field",
        ),
        (
            {
                "name": "form",
                "type": "csv",
                "url": "https://example.org/x.csv",
                "columns": {"name": "Name", "quote": "Q"},
                "without_consent": "publish",
            },
            "source 'form': option 'without_consent': expected one of skip, pending",
        ),
        (
            {"name": "blog", "type": "feed", "url": "https://example.org/f", "enabled": "yes"},
            "source 'blog': option 'enabled': expected true or false, got 'yes' (text)",
        ),
        ({"type": "feed", "url": "https://example.org/f"}, "source 'sources[1]': option 'name'"),
        (
            {"name": "Tavla Blog", "type": "feed", "url": "https://example.org/f"},
            "source 'Tavla Blog': option 'name': use lower-case letters",
        ),
    ],
)
def test_bad_configuration_is_rejected_before_any_fetch(
    source: dict, message: str, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ok.rss").respond_with_data("<rss/>")
    good = {"name": "good", "type": "feed", "url": httpserver.url_for("/ok.rss")}
    config = write_project(tmp_path, [good, source])
    result = harvest(config)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.startswith("Error: configuration: ")
    # The good source listed first was not fetched either.
    assert httpserver.log == []
    assert not (tmp_path / "content/.kehila").exists()


def test_duplicate_names(tmp_path: Path) -> None:
    source = {"name": "blog", "type": "feed", "url": "https://example.org/f"}
    result = harvest(write_project(tmp_path, [source, source]))
    assert result.exit_code == 2
    assert "source 'blog': option 'name': two sources have this name" in result.output


def test_unknown_source_on_the_command_line(tmp_path: Path) -> None:
    source = {"name": "blog", "type": "feed", "url": "https://example.org/f"}
    result = harvest(write_project(tmp_path, [source]), "--source", "blgo")
    assert result.exit_code == 2
    assert "source 'blgo': option '--source': no source has this name (did you mean 'blog'?)" in (
        result.output
    )


def test_environment_variables_are_expanded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KEHILA_TEST_FEED_HOST", "feeds.example.org")
    source = {"name": "blog", "type": "feed", "url": "https://${KEHILA_TEST_FEED_HOST}/rss"}
    config = read_config(write_project(tmp_path, [source], home_title="Hub"))
    assert config.content_dir == tmp_path / "content"
    context = HarvestContext(project_dir=tmp_path, state_dir=config.state_dir)
    (built,) = build_sources(config, context)
    assert built.url == "https://feeds.example.org/rss"


def test_a_disabled_source_may_name_an_unset_variable(
    tmp_path: Path, feeds: FeedServer, corpus: Path
) -> None:
    url = feeds.serve("/medium.rss", (corpus / MEDIUM).read_bytes())
    config = write_project(
        tmp_path,
        [
            {"name": "blog", "type": "feed", "url": url},
            {"name": "forum", "type": "feed", "url": "${KEHILA_TEST_UNSET}", "enabled": False},
        ],
    )
    result = harvest(config)
    assert result.exit_code == 0, result.output
    assert counts(result.output, "blog")[0] == 7
    result = harvest(config, "--source", "forum")
    assert result.exit_code == 2
    assert "environment variable KEHILA_TEST_UNSET is not set" in result.output


def test_mkdocs_tags_do_not_break_reading(tmp_path: Path) -> None:
    # Real mkdocs.yml files use !ENV and !!python/name: tags (Material's emoji, for example).
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: !ENV [SITE_NAME, 'Hub']\n"
        "docs_dir: content\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n"
        "  - kehila:\n"
        "      sources:\n"
        "        - {name: blog, type: feed, url: 'https://example.org/rss', enabled: false}\n",
        encoding="utf-8",
    )
    config = read_config(tmp_path / "mkdocs.yml")
    assert [(s.name, s.enabled) for s in config.sources] == [("blog", False)]


@pytest.mark.parametrize(
    ("environment", "expected"), [({}, "en"), ({"KEHILA_TEST_LANGUAGE": "he"}, "he")]
)
def test_env_tags_read_as_mkdocs_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    # The commands must see the site MkDocs builds: the demo's language is an !ENV tag, and
    # read as text it became the language "['KEHILA_LANGUAGE', 'en']" of a newsletter draft.
    monkeypatch.delenv("KEHILA_TEST_LANGUAGE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Hub\ntheme:\n  name: material\n  language: !ENV [KEHILA_TEST_LANGUAGE, en]\n",
        encoding="utf-8",
    )
    assert load_mkdocs_yml(tmp_path / "mkdocs.yml")["theme"]["language"] == expected


def test_the_demo_hub_config_reads(corpus: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    config = read_config(root / "mkdocs.yml")
    assert config.content_dir == root / "content"
