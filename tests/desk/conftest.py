"""Fixtures of the editor's desk tests: the demo content as the working folder, and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from kehila.cli import main


@pytest.fixture
def project(demo_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo hub as the current folder, so `content` is the default content folder."""
    monkeypatch.chdir(demo_project)
    monkeypatch.delenv("KEHILA_CONTENT", raising=False)
    return demo_project


@pytest.fixture
def kehila(project: Path) -> Callable[..., Result]:
    """Run `kehila ARGS...` in-process in the demo project."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def read(project: Path, rel: str) -> str:
    return (project / "content" / rel).read_text(encoding="utf-8")
