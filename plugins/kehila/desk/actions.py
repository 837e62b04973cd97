"""What the review commands do to an item's front matter; each action owns a few fields only.

=============  ==============================================================================
action         fields it writes
=============  ==============================================================================
approve        ``status`` (to ``published``); drops a stale ``rejected`` record
reject         ``status`` (to ``rejected``) and ``rejected: {reason, date}``
consent        ``consent: {method, date, note, url}``
disclose       ``disclosure: {type, text}``
accept         the upstream version's fields, except status, featured, private, consent,
upstream       disclosure and unknown keys; ``source`` (so its digest) is upstream's
keep mine      ``source.digest`` (to the upstream version's), drops ``source.upstream_changed``
edit           ``title``, ``quote``, ``author: {name, url}``, ``tags``, ``featured``, ``language``
merge          kept item: ``merged`` (the other item's id and provenance), ``tags`` (union),
               ``consent``/``disclosure`` when only the other item had them;
               other item: ``status: rejected``, ``rejected``, ``merged_into``
=============  ==============================================================================

Every check that decides whether an action is allowed runs on the file as read inside the lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..content import upstream_copy
from ..fileio import atomic_write, locked
from ..itemedit import update_item, update_locked
from ..itemfile import mapping, set_field
from ..model import (
    CONSENT_METHODS,
    DISCLOSURES,
    UPSTREAM_CHANGED,
    Item,
    ItemError,
    canonical_language,
    check_field,
    missing_for_publish,
)
from .queue import Desk, DeskError, Entry

#: The content folder commands use when none is given (hints leave it out).
DEFAULT_CONTENT = Path("content")


def _detached(value: Any) -> Any:
    """A copy of a front matter value that can go into another file.

    Dates become plain timezone-aware datetimes (a copied ruamel timestamp would lose its zone).
    """
    if isinstance(value, dict):
        return mapping(**{str(k): _detached(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_detached(v) for v in value]
    if isinstance(value, dt.datetime):
        return dt.datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            tzinfo=value.tzinfo or dt.UTC,
        )
    return value


def now() -> dt.datetime:
    """The current time in UTC, to the second (as dates are written in front matter)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def hint(desk: Desk, command: str, ident: str, *args: str) -> str:
    """The exact command line that does ``command`` for item ``ident``."""
    words = ["kehila", "review", command, shlex.quote(ident), *args]
    if desk.content_dir != DEFAULT_CONTENT:
        words += ["--content", shlex.quote(desk.content_dir.as_posix())]
    return " ".join(words)


def consent_hint(desk: Desk, ident: str) -> str:
    return hint(
        desk, "consent", ident, "--method", "|".join(CONSENT_METHODS), "--date", "YYYY-MM-DD"
    )


def disclosure_hint(desk: Desk, ident: str) -> str:
    return hint(desk, "disclose", ident, "|".join(DISCLOSURES))


def _path(desk: Desk, entry: Entry) -> Path:
    # Entry paths start with the content folder as given, so they are valid file paths as is.
    return Path(entry.path)


def approve(desk: Desk, entry: Entry) -> str:
    """Publish an item; a story without consent or disclosure is refused with the fix to run.

    Returns:
        ``published`` or ``unchanged`` (it already was).
    """
    ident = entry.id or entry.path

    def change(meta: CommentedMap) -> str:
        missing = missing_for_publish(meta)
        if missing:
            fixes = {
                "consent": consent_hint(desk, ident),
                "disclosure": disclosure_hint(desk, ident),
            }
            lines = [
                f"cannot approve {ident} ({entry.path}): "
                f"a published {meta.get('kind')} must record its {' and '.join(missing)}."
            ]
            lines += [f"  set {name}: {fixes[name]}" for name in missing]
            raise DeskError("\n".join(lines))
        if meta.get("status") == "published":
            return "unchanged"
        set_field(meta, "status", "published")
        if "rejected" in meta:
            del meta["rejected"]
        return "published"

    return update_item(_path(desk, entry), change, display=entry.path, require_valid=True)


def reject(desk: Desk, entry: Entry, reason: str, *, when: dt.datetime | None = None) -> str:
    """Reject an item, keeping it on disk with the reason and date (so harvest never revives it)."""
    if not reason.strip():
        raise DeskError("a rejection needs a reason: --reason TEXT")

    def change(meta: CommentedMap) -> str:
        set_field(meta, "status", "rejected")
        set_field(meta, "rejected", mapping(reason=reason.strip(), date=when or now()))
        return "rejected"

    return update_item(_path(desk, entry), change, display=entry.path)


def record_consent(
    desk: Desk,
    entry: Entry,
    *,
    method: str,
    date: dt.datetime,
    note: str | None = None,
    url: str | None = None,
) -> None:
    """Record how and when the author agreed to publication (replaces an earlier record)."""
    value = mapping(method=method, date=date, note=note, url=url)
    update_item(
        _path(desk, entry), lambda meta: set_field(meta, "consent", value), display=entry.path
    )


def record_disclosure(desk: Desk, entry: Entry, kind: str, *, text: str | None = None) -> None:
    """Record the author's material connection to the brand (``none`` when there is none)."""
    value = mapping(type=kind, text=text)
    update_item(
        _path(desk, entry), lambda meta: set_field(meta, "disclosure", value), display=entry.path
    )


def merge(desk: Desk, keep: Entry, other: Entry, *, when: dt.datetime | None = None) -> list[str]:
    """Keep ``keep``, record ``other``'s provenance in it, and retire ``other`` as rejected.

    Running it again after an interruption finishes the job without recording anything twice.

    Returns:
        The fields of ``keep`` that were filled from ``other`` (besides ``merged``).
    """
    if keep.item is None or other.item is None:
        bad = keep if keep.item is None else other
        raise DeskError(f"cannot merge {bad.path}: {bad.error} (run `kehila check`)")
    if keep.path == other.path:
        raise DeskError("cannot merge an item with itself")
    keep_id, other_id = keep.item.id, other.item.id
    stamp = when or now()
    keep_path, other_path = _path(desk, keep), _path(desk, other)
    with ExitStack() as stack:
        # Always lock in the same order, so two merges of the same pair cannot deadlock.
        for path in sorted([keep_path, other_path]):
            stack.enter_context(locked(path))
        taken: dict[str, Any] = {}

        def read_other(meta: CommentedMap) -> None:
            into = meta.get("merged_into")
            if into is not None and into != keep_id:
                raise DeskError(f"{other_id} was already merged into {into}")
            taken.update(
                {k: _detached(meta.get(k)) for k in ("source", "consent", "disclosure", "tags")}
            )

        update_locked(other_path, read_other, display=other.path)

        def change_keep(meta: CommentedMap) -> list[str]:
            filled: list[str] = []
            merged = meta.get("merged")
            if merged is None:
                merged = CommentedSeq()
            if any(isinstance(m, dict) and m.get("id") == other_id for m in merged):
                return filled
            for name in ("consent", "disclosure"):
                if meta.get(name) is None and taken.get(name) is not None:
                    set_field(meta, name, taken[name])
                    filled.append(name)
            record = mapping(id=other_id, date=stamp)
            if taken.get("source") is not None:
                record["source"] = taken["source"]
            merged.append(record)
            set_field(meta, "merged", merged)
            tags = meta.get("tags")
            extra = [t for t in taken.get("tags") or [] if isinstance(tags, list) and t not in tags]
            if extra:
                tags.extend(extra)
                filled.append("tags")
            return filled

        filled = update_locked(keep_path, change_keep, display=keep.path)

        def change_other(meta: CommentedMap) -> None:
            if meta.get("merged_into") == keep_id:
                return
            set_field(meta, "status", "rejected")
            set_field(
                meta, "rejected", mapping(reason=f"duplicate, merged into {keep_id}", date=stamp)
            )
            set_field(meta, "merged_into", keep_id)

        update_locked(other_path, change_other, display=other.path)
    return filled


def edit(
    desk: Desk,
    entry: Entry,
    *,
    title: str | None = None,
    quote: str | None = None,
    author: str | None = None,
    author_url: str | None = None,
    tags: list[str] | None = None,
    featured: bool | None = None,
    language: str | None = None,
) -> list[str]:
    """Set fields an editor curates; ``None`` leaves a field as it is.

    An empty ``quote`` or ``author_url`` removes it; ``featured=False`` removes ``featured``.
    A language tag is written in its canonical case (``en-us`` -> ``en-US``). Each value is
    checked alone with the content model's own reading and message, then the whole item as for
    every desk edit (see :func:`kehila.itemedit.update_item`).

    Returns:
        The names of the fields that changed (empty when every value was already there).
    """
    display = entry.path
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = title
    if quote is not None:
        values["quote"] = quote or None
    if tags is not None:
        values["tags"] = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if featured is not None:
        values["featured"] = featured or None
    if language is not None:
        values["language"] = language.strip()
    for name, value in values.items():
        if value is not None:
            _check(name, value, display)
    if language is not None:
        values["language"] = canonical_language(values["language"])

    def change(meta: CommentedMap) -> list[str]:
        changed = []
        for name, value in values.items():
            if _set_or_remove(meta, name, value):
                changed.append(name)
        wants_author = author is not None or author_url is not None
        if wants_author and _set_author(meta, author, author_url, display):
            changed.append("author")
        return changed

    return update_item(_path(desk, entry), change, display=display)


def _check(name: str, value: Any, display: str) -> None:
    try:
        check_field(name, value, path=display)
    except ItemError as exc:
        raise DeskError(f"refused: {exc}") from None


def _set_or_remove(meta: CommentedMap, name: str, value: Any) -> bool:
    """Set (or, for ``None``, remove) a field; whether anything changed."""
    old = meta.get(name)
    if value is None:
        if name not in meta:
            return False
        del meta[name]
        return True
    if old == value:
        return False
    if isinstance(old, list) and isinstance(value, list):
        old[:] = value  # the list keeps its style (tags: [a, b]) and its comments
    else:
        set_field(meta, name, value)
    return True


def _set_author(meta: CommentedMap, name: str | None, url: str | None, display: str) -> bool:
    """Set ``author.name`` and/or ``author.url`` (an empty URL removes it)."""
    old = meta.get("author")
    current = {"name": old} if isinstance(old, str) else dict(old or {})
    wanted = dict(current)
    if name is not None:
        wanted["name"] = name
    if url is not None:
        wanted["url"] = url or None
    wanted = {k: v for k, v in wanted.items() if v is not None}
    if "name" not in wanted:
        raise DeskError(f"refused: {display} has no author yet; give --author NAME too")
    _check("author", wanted, display)
    if wanted == {k: v for k, v in current.items() if v is not None}:
        return False
    if isinstance(old, str) and set(wanted) == {"name"}:
        set_field(meta, "author", wanted["name"])  # keep the shorthand `author: Name`
    else:
        set_field(meta, "author", mapping(**wanted))
    return True


#: Fields that are the editors' decisions, not upstream's: accepting upstream keeps them.
EDITOR_FIELDS = ("status", "featured", "private", "consent", "disclosure")


def upstream_version(desk: Desk, entry: Entry) -> tuple[Path, str] | None:
    """The latest upstream version harvest kept for this item (its path and text), if any."""
    copy = upstream_copy(desk.content_dir, _path(desk, entry))
    try:
        return copy, copy.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _upstream_item(desk: Desk, entry: Entry) -> tuple[Path, Item]:
    found = upstream_version(desk, entry)
    if found is None:
        raise DeskError(
            f"{entry.id or entry.path}: no upstream version is waiting "
            f"(harvest keeps one under {desk.content_dir.as_posix()}/.kehila/upstream/ when it "
            "does not overwrite an edited or reviewed item)"
        )
    copy, text = found
    try:
        return copy, Item.from_text(text, path=copy.as_posix())
    except ItemError as exc:
        raise DeskError(f"the upstream version cannot be read: {exc}") from None


def accept_upstream(desk: Desk, entry: Entry) -> str:
    """Replace the item with the upstream version, keeping the editors' decisions.

    Status, featured, private, consent, disclosure and the keys the model does not know (review
    history, notes) stay; everything else comes from upstream, and the fingerprint becomes
    upstream's, so the item counts as unedited again and the flag goes.
    """
    copy, upstream = _upstream_item(desk, entry)
    path = _path(desk, entry)
    with locked(path):
        try:
            current = Item.from_text(path.read_text(encoding="utf-8"), path=entry.path)
        except (OSError, ItemError) as exc:
            raise DeskError(f"cannot accept upstream: {exc}") from None
        kept = {name: getattr(current, name) for name in EDITOR_FIELDS}
        merged = dataclasses.replace(
            upstream, **kept, slug=current.slug, extra={**upstream.extra, **current.extra}
        )
        try:
            merged.validate()
        except ItemError as exc:
            raise DeskError(f"refused, the item would not be valid: {exc}") from None
        atomic_write(path, merged.to_text())
        copy.unlink(missing_ok=True)
    return "took the upstream version"


def keep_mine(desk: Desk, entry: Entry) -> str:
    """Dismiss the upstream version: the file stays, and that version no longer flags it.

    The fingerprint becomes the upstream version's, so the next harvest finds the item unchanged
    until upstream changes again; ``source.upstream_changed`` goes.
    """
    copy, upstream = _upstream_item(desk, entry)
    assert upstream.source is not None

    def change(meta: CommentedMap) -> str:
        source = meta.get("source")
        if not isinstance(source, dict):
            raise DeskError(f"{entry.path}: the item has no source")
        source["digest"] = upstream.source.digest  # type: ignore[union-attr]
        # The harvest's fingerprint of that version (see kehila.harvest.store), where it has one.
        fingerprint = upstream.source.extra.get("upstream")  # type: ignore[union-attr]
        if fingerprint:
            source["upstream"] = fingerprint
        if UPSTREAM_CHANGED in source:
            del source[UPSTREAM_CHANGED]
        return "kept the file; upstream version dismissed"

    result = update_item(_path(desk, entry), change, display=entry.path)
    copy.unlink(missing_ok=True)
    return result
