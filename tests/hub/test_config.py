"""Plugin options: typed, validated by MkDocs, with error messages in MkDocs' own phrasing."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from kehila.hub_options import HubOptions
from kehila.mkdocs.config import KehilaConfig
from mkdocs.exceptions import Abort

from ..conftest import build, write_files


def errors_of(**options: object) -> dict[str, str]:
    config = KehilaConfig()
    config.load_dict(options)
    errors, _warnings = config.validate()
    return {key: str(error) for key, error in errors}


def test_defaults_are_valid() -> None:
    assert errors_of() == {}


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        (
            {"stories_per_page": 0},
            "stories_per_page",
            "Expected a whole number of at least 1 but received: 0",
        ),
        (
            {"questions_per_page": True},
            "questions_per_page",
            "Expected a whole number of at least 1 but received: True",
        ),
        (
            {"workers": -1},
            "workers",
            "Expected a whole number of at least 0 but received: -1",
        ),
        (
            {"workers": False},
            "workers",
            "Expected a whole number of at least 0 but received: False",
        ),
        (
            {"feeds_max": 2.5},
            "feeds_max",
            "Expected type: <class 'int'> but received: <class 'float'>",
        ),
        (
            {"cache": "yes"},
            "cache",
            "Expected type: <class 'bool'> but received: <class 'str'>",
        ),
        (
            {"home_latest": "five"},
            "home_latest",
            "Expected type: <class 'int'> but received: <class 'str'>",
        ),
        (
            {"stories_url_format": "stories/{title}"},
            "stories_url_format",
            "Expected a URL format containing '{slug}' but received: 'stories/{title}'",
        ),
        (
            {"newsletter_url_format": "n/{date:%Y}/{slug}/{title}"},
            "newsletter_url_format",
            "Expected a URL format with only the placeholders {slug}, {id}, {kind} and "
            "{date:...} but received: 'n/{date:%Y}/{slug}/{title}'",
        ),
        (
            {"tags_url_format": "topics/all"},
            "tags_url_format",
            "Expected a URL format containing '{slug}' but received: 'topics/all'",
        ),
        (
            {"newsletter_year_url_format": "archive/{year}/{month}"},
            "newsletter_year_url_format",
            "Expected a URL format with only the placeholders {year} "
            "but received: 'archive/{year}/{month}'",
        ),
        (
            {"wall_url": "/wall/"},
            "wall_url",
            "Expected a site path without leading or trailing '/', such as 'stories/wall', "
            "but received: '/wall/'",
        ),
        (
            {"stories_url": "../outside"},
            "stories_url",
            "Expected a site path without leading or trailing '/', such as 'stories', "
            "but received: '../outside'",
        ),
        (
            {"feeds_formats": ["atom", "rdf"]},
            "feeds_formats",
            "Expected one of: ('atom', 'rss', 'json') but received: 'rdf'",
        ),
    ],
)
def test_bad_options_are_refused_with_exact_wording(
    options: dict[str, object], key: str, message: str
) -> None:
    assert errors_of(**options) == {key: message}


def test_mkdocs_reports_the_plugin_and_option(tmp_path: Path, caplog) -> None:
    write_files(
        tmp_path,
        {
            "mkdocs.yml": """
                site_name: T
                site_url: https://example.org/
                docs_dir: docs
                plugins:
                  - kehila:
                      stories_per_page: 0
            """,
            "docs/about.md": "# About\n",
        },
    )
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(tmp_path)
    assert (
        "Config value 'plugins': Plugin 'kehila' option 'stories_per_page': "
        "Expected a whole number of at least 1 but received: 0"
    ) in caplog.text


def test_feeds_need_site_url(tmp_path: Path, caplog) -> None:
    write_files(
        tmp_path,
        {
            "mkdocs.yml": "site_name: T\ndocs_dir: docs\nplugins: [kehila]\n",
            "docs/about.md": "# About\n",
        },
    )
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(tmp_path)
    assert (
        "The kehila plugin's feeds need absolute URLs: set 'site_url' in mkdocs.yml, "
        "or switch feeds off with 'feeds: false'."
    ) in caplog.text


def test_two_pages_at_one_path_is_a_clear_error(demo_project: Path, caplog) -> None:
    config = demo_project / "mkdocs.yml"
    text = config.read_text("utf-8").replace(
        "home_title: Tavla Community Hub",
        "home_title: Tavla Community Hub\n      wall_url: tags/index",
    )
    config.write_text(text, "utf-8")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        build(demo_project)
    assert "Two generated pages would be written to 'tags/index.md'" in caplog.text


@pytest.mark.parametrize(("value", "valid"), [(None, True), (0, True), (4, True), (-1, False)])
def test_workers_is_a_whole_number_or_unset(value: int | None, valid: bool) -> None:
    config = KehilaConfig()
    config.load_dict({} if value is None else {"workers": value})
    errors, warnings = config.validate()
    assert (errors == [], warnings) == (valid, [])
    if valid:
        assert config.workers == value


def test_the_hub_options_and_the_plugin_schema_have_one_set_of_defaults() -> None:
    """Every option of HubOptions made with option() is a plugin option with the same default,
    and a plugin configuration left empty gives the hub what an empty mkdocs.yml read as plain
    data gives it (as the newsletter commands read it)."""
    schema = dict(KehilaConfig._schema)
    shared = [spec for spec in dataclasses.fields(HubOptions) if "option" in spec.metadata]
    assert len(shared) >= 40
    for spec in shared:
        factory = spec.default_factory
        default = spec.default if factory is dataclasses.MISSING else factory()
        expected = None if spec.metadata["option"] == "title" else default
        assert schema[spec.name].default == expected, spec.name
    config = KehilaConfig()
    config.load_dict({})
    assert config.validate() == ([], [])
    assert HubOptions.from_options(config) == HubOptions.from_options({})
