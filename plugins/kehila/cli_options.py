"""Option types shared by every ``kehila`` sub-command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .itemfile import read_date


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """A click callback: an ISO 8601 date option as a timezone-aware datetime (UTC if naive)."""
    if value is None:
        return None
    try:
        return read_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def config_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:  # noqa: A002
    """``--config FILE`` / ``-f FILE``: the hub's mkdocs.yml (default ``mkdocs.yml``)."""
    return click.option(
        "--config",
        "-f",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default="mkdocs.yml",
        show_default=True,
        help=help,
    )
