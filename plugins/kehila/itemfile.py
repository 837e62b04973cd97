"""The one way item files are read and written: front matter dialect, date format, key order.

Every Markdown item is a YAML front matter block between ``---`` lines, then the body. This
module is the only one that reads or writes that block; the content model
(:mod:`kehila.model`) validates what it reads and says what to write, the harvest store writes
whole items with :func:`render_text`, and the desk and the store edit fields of an existing file
with :func:`kehila.itemedit.update_item`.

* **Reading** (:func:`parse_front_matter`): PyYAML's safe loader (libyaml when present), with
  dates left as text so that the model parses them and reports a bad one by field.
* **Writing a whole item** (:func:`render_text`): keys in :data:`KEY_ORDER` first, then the rest
  sorted; dates as :func:`format_date` writes them (``2025-03-14T09:30:00Z``); multi-line text as
  literal blocks; block lists at the indentation of their key.
* **Editing a field** (:class:`FrontMatterDocument`, for
  :func:`kehila.itemedit.update_item`): the block is loaded with ruamel.yaml in round-trip
  mode, changed, and dumped again. Key order, quoting, flow lists and comments survive, fields
  that did not change keep their exact text, new keys go where :data:`KEY_ORDER` puts them, and
  the Markdown body is never parsed or rewritten. The read-modify-write cycle runs under
  :func:`kehila.fileio.locked` and ends with :func:`kehila.fileio.atomic_write`, so two commands
  editing the same file one after the other (or at the same time, from two processes, or a
  command and a harvest) never lose an edit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter

#: Keys written in this order first when an item is serialised; anything else follows sorted.
KEY_ORDER = (
    "id", "kind", "status", "title", "slug", "date", "language", "tags", "featured", "private",
    "author", "quote", "consent", "disclosure", "issue", "summary", "license", "answers", "source",
)  # fmt: skip

#: The front matter block: an opening '---' line, the YAML, and a closing '---' line.
_BLOCK = re.compile(r"\A(---[ \t]*\r?\n)(.*?)(^---[ \t]*(?:\r?\n|\Z))", re.DOTALL | re.MULTILINE)


def format_date(value: dt.datetime) -> str:
    """A moment as item files hold it: ``2025-03-14T09:30:00Z`` (UTC), else ISO 8601."""
    if value.utcoffset() == dt.timedelta(0):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


# -- reading ---------------------------------------------------------------------------------------


def parse_date(value: Any) -> dt.datetime:
    """A YAML date, datetime or ISO 8601 text as a timezone-aware datetime (UTC if naive)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = dt.datetime.fromisoformat(text)
    else:
        raise TypeError(type(value).__name__)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def read_date(value: Any) -> dt.datetime:
    """:func:`parse_date` of a date someone wrote: a ``ValueError`` says what was expected."""
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected an ISO 8601 date such as 2025-03-14, got {value!r}") from None


class _Loader(yaml.SafeLoader):
    """YAML as written by people: dates stay text until the model parses them.

    PyYAML would turn ``2025-13-45`` into a crash inside the parser instead of a message about
    the field, and would drop time zones of timestamps written with a space.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`_Loader`'s rules on libyaml's parser: ten times faster on a hub of 10,000 items."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


class _YAMLHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: Any) -> Any:
        try:
            return yaml.load(fm, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            # Broken YAML: parse again in pure Python, whose messages (and marks) are the ones
            # the model reports.
            return yaml.load(fm, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its front matter (a mapping) and body.

    Raises:
        yaml.YAMLError: the block is not valid YAML.
        ValueError: the block is not a mapping.
    """
    post = frontmatter.loads(text, handler=_YAMLHandler())
    if not isinstance(post.metadata, dict):
        raise ValueError("front matter must be a mapping of fields")
    return post.metadata, post.content


# -- writing a whole item --------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so bodies of answers stay editable by hand."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        # Literal blocks cannot carry trailing spaces on a line faithfully; strip them.
        value = "\n".join(line.rstrip() for line in value.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def ordered(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the keys of :data:`KEY_ORDER` first, in that order, then the rest sorted."""
    known = [k for k in KEY_ORDER if k in data]
    rest = sorted(k for k in data if k not in KEY_ORDER)
    return {k: data[k] for k in known + rest}


def render_text(metadata: Mapping[str, Any], body: str) -> str:
    """Serialise front matter and body the one way Kehila writes files."""
    front = yaml.dump(
        dict(metadata),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    body = body.strip("\n")
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"


# -- editing fields of a file ----------------------------------------------------------------------


class EditRefused(Exception):
    """An edit that cannot be made; the message says why and what to do."""


def _represent_datetime(representer: RoundTripRepresenter, value: dt.datetime) -> Any:
    # Written the way the content model writes dates (2025-03-14T09:30:00Z), as a plain scalar.
    text = format_date(value.astimezone(dt.UTC))
    return representer.represent_scalar("tag:yaml.org,2002:timestamp", text)


#: Kehila reads with PyYAML (YAML 1.1, :class:`_Loader`'s rules) and edits with ruamel.yaml
#: (YAML 1.2): a text that only 1.1 reads as something else (``NO``, ``on``, ``y``) is quoted.
_READER = _Loader("")
_TEXT = "tag:yaml.org,2002:str"


def _represent_text(representer: RoundTripRepresenter, value: str) -> Any:
    if "\n" not in value and _READER.resolve(yaml.ScalarNode, value, (True, False)) != _TEXT:
        return representer.represent_scalar(_TEXT, value, style="'")
    return representer.represent_str(value)


def round_trip_yaml() -> YAML:
    """ruamel.yaml in round-trip mode, as Kehila edits YAML: comments, order and quoting kept."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Never re-wrap long lines (quotes are often longer than 80 characters).
    yaml.width = 4096
    # The layout render_text writes: block sequences at the indentation of their key.
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.representer.add_representer(dt.datetime, _represent_datetime)
    yaml.representer.add_representer(str, _represent_text)
    return yaml


@dataclass
class FrontMatterDocument:
    """A Markdown file split into its front matter (editable) and everything else (kept as is)."""

    opening: str
    meta: CommentedMap
    closing: str
    body: str
    block: str
    """The front matter block exactly as read."""
    newline: str = "\n"

    def __post_init__(self) -> None:
        # What each field was, and where its text starts, before any change.
        self._before = {key: _plain(value) for key, value in self.meta.items()}
        self._lines_before = _key_lines(self.meta)

    @classmethod
    def parse(cls, text: str, *, path: str) -> FrontMatterDocument:
        """Split ``text``; raise :class:`EditRefused` naming ``path`` without a usable block."""
        match = _BLOCK.match(text)
        if not match:
            raise EditRefused(f"{path}: no front matter block ('---' lines) at the top of the file")
        block = match.group(2)
        newline = "\r\n" if match.group(1).endswith("\r\n") else "\n"
        meta = _load_block(block.replace("\r\n", "\n"), path)
        return cls(match.group(1), meta, match.group(3), text[match.end() :], block, newline)

    def render(self) -> str:
        """The whole file again: only the fields that changed can differ from what was read.

        ruamel.yaml keeps most formatting, but not all (a long quoted string folded over two
        lines comes back on one). So the block is put together field by field: the text of
        every top-level field whose value did not change is copied from the original block,
        and only changed or new fields take ruamel's rendering.
        """
        out = io.StringIO()
        round_trip_yaml().dump(self.meta, out)
        dumped = out.getvalue()
        original = self.block.replace("\r\n", "\n")
        old_parts, preamble = _segments(original, self._lines_before)
        new_parts, _ = _segments(dumped, _key_lines(_load_block(dumped, "<rendered>")))
        pieces = [preamble]
        for key in self.meta:
            unchanged = key in self._before and _plain(self.meta[key]) == self._before[key]
            pieces.append(old_parts[key] if unchanged and key in old_parts else new_parts[key])
        block = "".join(pieces)
        if block and not block.endswith("\n"):
            block += "\n"
        if self.newline != "\n":
            block = block.replace("\n", self.newline)
        return f"{self.opening}{block}{self.closing}{self.body}"


def _load_block(block: str, path: str) -> CommentedMap:
    try:
        meta = round_trip_yaml().load(block)
    except YAMLError as exc:
        raise EditRefused(f"{path}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, CommentedMap):
        raise EditRefused(f"{path}: front matter must be a mapping of fields")
    return meta


def _key_lines(meta: CommentedMap) -> dict[str, int]:
    return {key: meta.lc.key(key)[0] for key in meta}


def _segments(block: str, lines_of: dict[str, int]) -> tuple[dict[str, str], str]:
    """Cut a block into the text of each top-level field (with the comments that follow it)."""
    lines = block.splitlines(keepends=True)
    order = sorted(lines_of.items(), key=lambda kv: kv[1])
    starts = [line for _, line in order] + [len(lines)]
    parts = {key: "".join(lines[starts[i] : starts[i + 1]]) for i, (key, _) in enumerate(order)}
    preamble = "".join(lines[: starts[0]]) if order else block
    return parts, preamble


def _plain(value: Any) -> Any:
    """A front matter value as plain data, to tell whether a field changed."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), str(getattr(value, "_yaml", "")))
    if isinstance(value, str):
        return str(value)
    return value


def set_field(meta: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``; a new key goes where the content model puts it, existing keys stay in place.

    Keys the model does not order (such as ``rejected`` or ``merged``) go just before ``source``,
    the provenance block that ends every harvested item, or last when there is none.
    """
    if key in meta:
        meta[key] = value
        return
    keys = list(meta)
    position = len(keys)
    if key in KEY_ORDER:
        later = set(KEY_ORDER[KEY_ORDER.index(key) + 1 :])
        position = next((i for i, k in enumerate(keys) if k in later), len(keys))
    elif "source" in meta:
        position = keys.index("source")
    meta.insert(position, key, value)


def mapping(**values: Any) -> CommentedMap:
    """A new block-style mapping without empty values, for fields such as ``consent``."""
    result = CommentedMap()
    for key, value in values.items():
        if value is not None:
            result[key] = value
    return result
