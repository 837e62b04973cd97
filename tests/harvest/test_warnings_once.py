"""The harvest prints each warning once (it used to print it live and again in the summary)."""

from __future__ import annotations

from pathlib import Path

from ..sources.test_csv import _project
from .conftest import harvest


def test_each_warning_is_printed_once_under_its_source(tmp_path: Path) -> None:
    config = _project(tmp_path)
    (tmp_path / "exports/spring.csv").write_text("", encoding="utf-8")
    result = harvest(config)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "warning:" in line]
    assert len(lines) == 1, result.output
    assert "the export has no rows" in " ".join(result.output.split())
