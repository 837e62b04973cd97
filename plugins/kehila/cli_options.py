"""Option types shared by every ``kehila`` sub-command."""

from __future__ import annotations

import datetime as dt

import click

from .model import read_date


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.datetime | None:
    """A click callback: an ISO 8601 date option as a timezone-aware datetime (UTC if naive)."""
    if value is None:
        return None
    try:
        return read_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
