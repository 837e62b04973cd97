"""Benchmark: what Kehila's gettext catalogs cost a hub of 10,000 items (issue 14).

Not a timed test: it prints figures (``make benchmark``, or ``KEHILA_SLOW=1 .venv/bin/python -m
pytest -m slow -s tests/benchmarks/test_catalog_cost.py``; ``KEHILA_BENCH_SIZES=1000`` for a quick
run). On the synthetic hub of ``synthetic_hub.py`` it compares a site in Hebrew (every word looked
up in the catalog, plural forms, numbers and dates for the locale) with a site whose language has
no catalog (``xx``: gettext returns the English message at once, the cost of no catalog):

- render: every page of the hub rendered from its templates in this process (``Hub.pages()``,
  where every catalog lookup happens), three rounds alternating, best of each;
- build: a whole ``mkdocs build`` of each, in a child process (as ``test_build_scale.py``).
"""

# ruff: noqa: T201 - a benchmark reports its figures on the terminal
from __future__ import annotations

import os
import time

import pytest
from kehila.content import Catalog
from kehila.hub import Hub
from kehila.hub_options import HubOptions

from .synthetic_hub import make_items, write_hub, write_hub_config
from .test_build_scale import measure_build

pytestmark = pytest.mark.slow

SIZE = max(int(n) for n in os.environ.get("KEHILA_BENCH_SIZES", "1000,10000").split(","))
LANGUAGES = ("xx", "he")


def test_catalogs_add_no_measurable_time(tmp_path_factory) -> None:
    items = make_items(SIZE)
    catalog = Catalog(items)
    render: dict[str, list[float]] = {language: [] for language in LANGUAGES}
    for _round in range(3):
        for language in LANGUAGES:
            hub = Hub(catalog, HubOptions(site_language=language))
            start = time.perf_counter()
            pages = hub.pages()
            render[language].append(time.perf_counter() - start)
    best = {language: min(times) for language, times in render.items()}
    print(f"\ncatalog cost, {SIZE:,} items, {len(pages):,} pages rendered from templates:")
    for language in LANGUAGES:
        print(f"  render {language}: best {best[language]:.2f} s of {render[language]}")
    print(f"  render he/xx ratio: {best['he'] / best['xx']:.3f}")

    work = tmp_path_factory.mktemp("catalog-cost")
    write_hub(work, items)
    builds = {}
    for language in LANGUAGES:
        # Without the build cache: each build converts and writes every page.
        variant = write_hub_config(
            work / f"mkdocs-{language}.yml",
            site_url="https://hub.example/",
            options={"language": language, "cache": False},
        )
        builds[language] = measure_build(variant, work / f"site-{language}")
        print(f"  build {language}: {builds[language]['wall']:.1f} s wall, "
              f"{builds[language]['cpu']:.1f} s CPU")  # fmt: skip
    print(f"  build he/xx wall ratio: {builds['he']['wall'] / builds['xx']['wall']:.3f}, "
          f"CPU ratio: {builds['he']['cpu'] / builds['xx']['cpu']:.3f}")  # fmt: skip
    assert (work / "site-he" / "stories" / "index.html").read_text("utf-8").count("סיפורי הצלחה")
