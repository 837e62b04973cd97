"""Fixtures of the source tests: the feed server the harvest tests use too."""

from __future__ import annotations

from ..harvest.conftest import feeds

__all__ = ["feeds"]
