"""Benchmarks are reports, not tests: they run only with ``KEHILA_SLOW=1`` (``make benchmark``)."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KEHILA_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="benchmark: run with KEHILA_SLOW=1 (make benchmark)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
