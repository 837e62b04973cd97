"""Reading the harvest sources from mkdocs.yml and checking every option before any fetch.

Sources are declared once, under the ``kehila`` plugin in mkdocs.yml::

    plugins:
      - kehila:
          sources:
            - name: tavla-blog
              type: feed
              url: https://blog.tavla.example/feed.xml
              kind: story

Every string may use ``${VAR}`` to read an environment variable (for tokens that must not be
committed); an unset variable is a configuration error. :func:`load_sources` builds every source
through the registry, so that an unknown type, a missing or wrong option or a misspelt option
name stops the harvest *before anything is fetched*, with a :class:`ConfigError` naming the
source and the option.

:class:`Options` is the small checker every adapter uses for its own options.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml_env_tag
from kehila.validation import (
    REQUIRED,
    Reader,
    boolean_problem,
    did_you_mean,
    is_slug,
    mapping_problem,
    slugify,
    text_problem,
)

from .sources import get_factory, known_types
from .sources.base import ConfigError, HarvestContext, Source

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: Options every source accepts (handled here, not by the adapter).
COMMON_OPTIONS = frozenset({"name", "type", "enabled"})


@dataclass(frozen=True)
class SourceSpec:
    """One entry of ``sources:`` as written (after ``${VAR}`` expansion)."""

    name: str
    type: str
    options: Mapping[str, Any]
    """The adapter's own options (everything but ``name``, ``type`` and ``enabled``), as written:
    ``${VAR}`` is expanded by :func:`build_sources`."""
    enabled: bool = True


@dataclass(frozen=True)
class HarvestConfig:
    """What a harvest needs from mkdocs.yml."""

    config_path: Path
    project_dir: Path
    """The folder of mkdocs.yml: relative paths in options are relative to it."""
    content_dir: Path
    """The hub's ``docs_dir`` (``content/`` in the demo)."""
    sources: list[SourceSpec]

    @property
    def state_dir(self) -> Path:
        """``content/.kehila/``: harvest state (HTTP validators); hidden from the site."""
        return self.content_dir / ".kehila"


class _Loader(yaml.SafeLoader):
    """A safe loader that reads ``!ENV`` as MkDocs does, and its other tags as plain data."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("!", _unknown_tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown_tag)
# ``!ENV [NAME, default]`` is a value the site builds with (the demo's language is one): read it
# with the same library MkDocs uses, so that the commands see the site MkDocs would build.
_Loader.add_constructor("!ENV", yaml_env_tag.construct_env_tag)


def load_mkdocs_yml(config_path: Path) -> dict[str, Any]:
    """mkdocs.yml as plain data, without MkDocs (``!ENV`` resolved, Python tags read as text).

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    where = str(config_path)
    try:
        data = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except OSError as exc:
        raise ConfigError(where, "config", f"cannot read the file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(where, "config", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(where, "config", "expected a mapping at the top of mkdocs.yml")
    return data


def read_config(config_path: Path) -> HarvestConfig:
    """Read ``sources:`` of the ``kehila`` plugin from mkdocs.yml.

    Raises:
        ConfigError: the file cannot be read, or a source entry is malformed (no ``name``,
            no ``type``, duplicate name, unset ``${VAR}``...). The source is named by its
            ``name`` or, before that is known, as ``sources[<index>]``.
    """
    data = load_mkdocs_yml(config_path)
    project_dir = config_path.resolve().parent
    content_dir = project_dir / str(data.get("docs_dir") or "docs")
    raw_sources = plugin_options(data).get("sources") or []
    if not isinstance(raw_sources, list):
        raise ConfigError("kehila", "sources", "expected a list of sources")
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_sources):
        label = f"sources[{index}]"
        if not isinstance(raw, dict):
            raise ConfigError(label, "name", f"expected a mapping, got {raw!r}")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(label, "name", "every source needs a name")
        if not is_slug(name):
            raise ConfigError(
                name, "name", f"use lower-case letters, digits and dashes, e.g. {slugify(name)!r}"
            )
        if name in seen:
            raise ConfigError(name, "name", "two sources have this name")
        seen.add(name)
        type_name = raw.get("type")
        if not isinstance(type_name, str):
            raise ConfigError(name, "type", f"required, one of: {', '.join(known_types())}")
        enabled = raw.get("enabled", True)
        if problem := boolean_problem(enabled):
            raise ConfigError(name, "enabled", problem)
        # ${VAR} is expanded when the source is built, so a disabled source may name a
        # variable that is not set here.
        options = {k: v for k, v in raw.items() if k not in COMMON_OPTIONS}
        specs.append(SourceSpec(name=name, type=type_name, options=options, enabled=enabled))
    return HarvestConfig(
        config_path=config_path, project_dir=project_dir, content_dir=content_dir, sources=specs
    )


def build_sources(
    config: HarvestConfig, context: HarvestContext, *, only: Iterable[str] = ()
) -> list[Source]:
    """Build (and so validate) the chosen sources, all of them before anything is fetched.

    Args:
        config: From :func:`read_config`.
        context: Given to every adapter.
        only: Source names to harvest (default: every enabled source).

    Raises:
        ConfigError: an unknown source name or type, or a bad option of any chosen source.
    """
    wanted = list(only)
    names = [s.name for s in config.sources]
    for name in wanted:
        if name not in names:
            hint = did_you_mean(name, names)
            raise ConfigError(name, "--source", f"no source has this name{hint}")
    chosen = [s for s in config.sources if (s.name in wanted if wanted else s.enabled)]
    sources = []
    for spec in chosen:
        try:
            factory = get_factory(spec.type)
        except KeyError:
            hint = did_you_mean(spec.type, known_types())
            raise ConfigError(
                spec.name,
                "type",
                f"unknown type {spec.type!r}{hint}; known types: {', '.join(known_types())}",
            ) from None
        options = {k: _expand(v, spec.name, k) for k, v in spec.options.items()}
        sources.append(factory(spec.name, options, context))
    return sources


class Options(Reader):
    """Reads one source's options with the :class:`~kehila.validation.Reader` core, naming the
    source (:attr:`where`) and the option in every :class:`ConfigError`.

    Read each option with the typed getters, then call :meth:`finish`, which rejects any option
    that was not read (a typo like ``knd:`` is an error, not a silently ignored line).

    Example::

        opts = Options(name, options)
        url = opts.url("url")
        kind = opts.choice("kind", ("story", "newsletter"), default="story")
        opts.finish()
    """

    missing = "required option is missing"
    least = 1
    text_is_list = True
    # The harvest's rule, kept: an option written with no value (``language:`` alone) is refused
    # unless its default is None, rather than read as "the default".
    null_is_absent = False

    def error(self, name: str, problem: str) -> ConfigError:
        """A :class:`ConfigError` for this source and option ``name``."""
        return ConfigError(self.where, self.prefix + name, problem)

    def mapping(self, option: str, default: Any = REQUIRED) -> Any:
        """A mapping of text to text (such as a column mapping)."""
        value = self._get(option, default)
        if value is default:
            return value
        self.check(option, value, mapping_problem)
        for key, item in value.items():
            self.check(f"{option}.{key}", item, text_problem)
        return dict(value)

    def path(self, option: str, project_dir: Path, default: Any = REQUIRED) -> Any:
        """A path to an existing file, relative to the folder of mkdocs.yml."""
        value = self.string(option, default)
        if value is default:
            return value
        path = (project_dir / value).resolve()
        if not path.is_file():
            raise self.error(option, f"no such file: {value} (looked in {project_dir})")
        return path


def plugin_options(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``kehila`` plugin's options in mkdocs.yml as read by :func:`load_mkdocs_yml`."""
    plugins = data.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins:
        if isinstance(entry, dict) and "kehila" in entry:
            options = entry["kehila"] or {}
            if not isinstance(options, dict):
                raise ConfigError("kehila", "plugins", "expected a mapping of options for kehila")
            return options
    return {}


def _expand(value: Any, source: str, option: str) -> Any:
    """Replace ``${VAR}`` in every string of ``value`` with the environment variable."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable not in os.environ:
                raise ConfigError(source, option, f"environment variable {variable} is not set")
            return os.environ[variable]

        return _ENV.sub(replace, value)
    if isinstance(value, list):
        return [_expand(v, source, option) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, source, f"{option}.{k}") for k, v in value.items()}
    return value
