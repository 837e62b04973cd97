"""The one small interface every source adapter implements.

An adapter is built from its configuration (``name``, ``type`` and its own options, as declared
under the ``kehila`` plugin's ``sources:`` in mkdocs.yml) and yields what it found: an
:class:`~kehila.model.Item` (``status: pending``, with ``source`` filled in) for each record it can
harvest, or a :class:`Skipped` with the reason for each record it leaves out. Adapters never write
files: only the store (:mod:`kehila.harvest.store`) does.

Adapters that need the network get the shared HTTP client from :class:`HarvestContext`, so that
timeouts, retries, ``Retry-After``, size limits, conditional GET and the User-Agent are the same
for every source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from kehila.model import Item


class HarvestError(Exception):
    """A source failed as a whole (bad configuration, unreachable, unparseable).

    The message names the source and, where there is one, the record or URL.
    """

    def __init__(self, source: str, message: str, *, record: str | None = None) -> None:
        self.source = source
        self.record = record
        where = f"source '{source}'" + (f", record '{record}'" if record else "")
        super().__init__(f"{where}: {message}")


class ConfigError(HarvestError):
    """A source's configuration is wrong: raised before anything is fetched."""

    def __init__(self, source: str, option: str, message: str) -> None:
        self.option = option
        super().__init__(source, f"option '{option}': {message}")


@dataclass(frozen=True)
class Skipped:
    """A record the adapter saw and deliberately left out."""

    ref: str
    """What was skipped: a native id, URL or row number."""
    reason: str


@dataclass
class HarvestContext:
    """What the harvest command gives every adapter."""

    project_dir: Path
    """The folder of mkdocs.yml; relative paths in source options are relative to it."""
    state_dir: Path
    """A folder the adapter may use for state between runs (e.g. ETags), under content/.kehila/."""
    http: Any = None
    """The shared HTTP client (:class:`kehila.harvest.http.HttpClient`)."""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """The harvest's timestamp, written to ``source.harvested``."""
    warn: Any = None
    """Callable ``warn(message)`` for problems that do not stop the source (e.g. a bozo feed)."""
    progress: Any = None
    """Callable ``progress(advance=1, total=None)`` so long adapters can drive the progress bar."""


class Source(Protocol):
    """A configured source. ``type`` is the name used in mkdocs.yml (``feed``, ``csv``, ...)."""

    type: ClassVar[str]
    name: str

    def items(self) -> Iterator[Item | Skipped]:
        """Yield every record found, as an item to store or a skip with its reason."""
        ...


class SourceFactory(Protocol):
    """How the registry builds a source: validate options first, then construct."""

    type: ClassVar[str]

    def __call__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> Source:
        """Build the source or raise :class:`ConfigError` naming the option."""
        ...
