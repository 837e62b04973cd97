"""Page workers: a cold build's pages rendered by ``mkdocs build`` processes that fill the build
cache (``kehila.mkdocs.page_workers``). The site is the one a single process builds, byte for
byte; a worker that fails costs time, never a page."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from kehila.content import load_catalog
from kehila.hub import Hub
from kehila.mkdocs import page_workers
from kehila.mkdocs.page_workers import MIN_MISSING, Share, worker_count

from ..conftest import build
from .test_build_cache import entries, linked_demo, set_option, snapshot

__all__ = ["linked_demo"]  # the fixture, imported for these tests


def single_process_site(project: Path) -> dict[str, bytes]:
    """The site built without the cache (and so without workers); the project unchanged."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    set_option(project, "cache: false")
    site = snapshot(build(project))
    config.write_text(text, encoding="utf-8")
    return site


def test_a_cold_build_by_workers_is_the_single_process_build(
    linked_demo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    single = single_process_site(linked_demo)
    set_option(linked_demo, "workers: 2")
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.kehila"):
        cold = snapshot(build(linked_demo))
    assert "Kehila's build cache is cold: 2 page workers render" in caplog.text
    assert "Kehila's page workers are done" in caplog.text
    # Every page the cache holds was rendered by a worker: the build took them all.
    reused = [r.getMessage() for r in caplog.records if "pages reused" in r.getMessage()]
    assert reused == [
        f"Kehila's cache: {len(entries(linked_demo))} pages reused, 0 stored, 0 old entries removed"
    ]
    assert [name for name in single if single[name] != cold.get(name)] == []
    assert cold.keys() == single.keys()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.kehila"):
        assert snapshot(build(linked_demo)) == cold
    assert "page workers" not in caplog.text  # warm: nothing for them to do


def test_a_worker_that_fails_costs_no_page(
    linked_demo: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = single_process_site(linked_demo)
    monkeypatch.setattr(page_workers, "COMMAND", (sys.executable, "-c", "raise SystemExit(3)"))
    set_option(linked_demo, "workers: 2")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.kehila"):
        site = snapshot(build(linked_demo))
    assert "page worker 1 of 2 stopped (exit status 3)" in caplog.text
    assert "page worker 2 of 2 stopped (exit status 3)" in caplog.text
    assert site == single


def test_a_worker_renders_only_its_share_and_writes_no_site(
    linked_demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(linked_demo)
    every = entries(linked_demo)
    for path in every.values():
        path.unlink()
    monkeypatch.setenv(page_workers.ENVIRONMENT, "0/2")
    site = build(linked_demo)
    mine = entries(linked_demo)
    assert 0 < len(mine) < len(every)
    sources = page_sources(linked_demo)
    assert sorted(dest for dest in every if sources[dest] in Share(0, 2)) == sorted(mine)
    # Its pages are in the cache, not in its site (thrown away); no feeds, no ledger.
    assert not (site / next(iter(mine))).exists()
    assert not (site / "feed.xml").exists() and not (site / "feeds").exists()


def page_sources(project: Path) -> dict[str, str]:
    """The source path of every generated page, by where it is written in the site."""
    hub = Hub(load_catalog(project / "content"))
    return {hub.url_of(spec.src_uri) + "index.html": spec.src_uri for spec in hub.pages()}


def test_every_page_is_in_one_share() -> None:
    keys = [f"stories/story-{n}.md" for n in range(1000)]
    for count in (2, 3, 8):
        owners = [[i for i in range(count) if key in Share(i, count)] for key in keys]
        assert all(len(found) == 1 for found in owners)
        # Shares of about the same size.
        sizes = [sum(1 for found in owners if found == [i]) for i in range(count)]
        assert max(sizes) < 1.5 * len(keys) / count


def config(plugins: tuple[str, ...] = ("kehila",), hooks: tuple[str, ...] = ()) -> object:
    return SimpleNamespace(
        config_file_path="mkdocs.yml", plugins=dict.fromkeys(plugins), hooks=hooks
    )


@pytest.mark.parametrize(
    ("option", "missing", "cores", "plugins", "expected"),
    [
        (None, MIN_MISSING, 4, ("kehila",), 4),  # unset: one per core
        (None, MIN_MISSING - 1, 4, ("kehila",), 0),  # a few pages: the build alone
        (None, 10_000, 1, ("kehila",), 0),  # one core
        (3, 5, 1, ("kehila",), 3),  # set: whatever the cores and the count
        (8, 5, 1, ("kehila",), 5),  # never more workers than pages
        (1, 10_000, 4, ("kehila",), 0),
        (0, 10_000, 4, ("kehila",), 0),
        (None, 10_000, 4, ("kehila", "blog"), 0),  # another plugin would run in each worker
        (2, 0, 4, ("kehila",), 0),  # a warm cache
    ],
)
def test_how_many_workers(
    monkeypatch: pytest.MonkeyPatch,
    option: int | None,
    missing: int,
    cores: int,
    plugins: tuple[str, ...],
    expected: int,
) -> None:
    monkeypatch.setattr(page_workers, "usable_cores", lambda: cores)
    assert worker_count(config(plugins), option=option, missing=missing) == expected


def test_the_number_of_workers_changes_no_page_key(
    linked_demo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    set_option(linked_demo, "workers: 0")
    cold = snapshot(build(linked_demo))
    config = linked_demo / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("workers: 0", "workers: 2"), "utf-8")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.kehila"):
        assert snapshot(build(linked_demo)) == cold
    assert "page workers" not in caplog.text  # every page was still in the cache
