"""Source adapters, one module per kind of source, and the registry of their type names.

The ``type:`` of a source in mkdocs.yml is looked up in :data:`SOURCE_TYPES`, which maps the type
name to ``"module:attribute"`` of its factory (see :class:`~kehila.harvest.sources.base.
SourceFactory`; a class whose ``__init__(name, options, context)`` validates its options is one).
Modules are imported only when their type is used, so one adapter's optional dependency or
import error cannot break the others. To add a built-in type, add one line to the mapping; to
add one at run time (a site's own adapter, a test), call :func:`register`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import SourceFactory

#: Built-in source types: type name -> "module:factory".
SOURCE_TYPES: dict[str, str] = {
    "feed": "kehila.harvest.sources.feed:FeedSource",
    "csv": "kehila.harvest.sources.csv_source:CsvSource",
    "discourse": "kehila.harvest.sources.discourse:DiscourseSource",
    "github": "kehila.harvest.sources.github:GitHubSource",
    "stackexchange": "kehila.harvest.sources.stackexchange:StackExchangeSource",
}

_registered: dict[str, SourceFactory] = {}


def register(type_name: str, factory: SourceFactory) -> None:
    """Make ``type: <type_name>`` build sources with ``factory`` (overrides a built-in)."""
    _registered[type_name] = factory


def known_types() -> list[str]:
    """Every type name a source may use, sorted."""
    return sorted(set(SOURCE_TYPES) | set(_registered))


def get_factory(type_name: str) -> SourceFactory:
    """The factory for a type name.

    Raises:
        KeyError: the type is unknown (the caller turns it into a ConfigError).
    """
    if type_name in _registered:
        return _registered[type_name]
    target = SOURCE_TYPES[type_name]
    module_name, _, attribute = target.partition(":")
    factory: SourceFactory = getattr(importlib.import_module(module_name), attribute)
    return factory
