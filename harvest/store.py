"""The item store: the only part of a harvest that writes into ``content/``.

Adapters yield :class:`~kehila.model.Item` objects; :meth:`ItemStore.put` decides, item by item,
what happens to the file and returns an :class:`Outcome`:

``new``
    No file has this item's id: one is created at ``content/<folder>/<date>-<slug>.md`` with
    ``slug`` set in its front matter. File name and slug are decided once, here, and never
    change on a later harvest (a colliding slug gets ``-2``, ``-3``...).
``unchanged``
    The item's content equals what the last harvest wrote (``source.digest``): the file is not
    touched, byte for byte, mtime included.
``updated``
    Upstream changed, the file is exactly as harvest left it (its :func:`~kehila.model.
    content_digest` still matches ``source.digest``) and its status is still ``pending``: the
    file is rewritten in place.
``kept``
    Upstream changed but an editor edited the file, or its status is no longer ``pending``
    (published or rejected): the file is never overwritten. A rejected item is never resurrected.
    An edited or published file gets ``source.upstream_changed`` (the harvest time, first change
    only), which the editor's desk shows as a flag; nothing else of it changes. The upstream
    version is kept beside, under ``content/.kehila/upstream/`` (never published), for the desk
    to show and the editor to accept or dismiss.
``skipped``
    The adapter (or the store, for a record seen twice in one run) left the record out.
``error``
    The item does not follow the content model; the message names the field.

Whether upstream changed is told by ``source.upstream``, the fingerprint of what harvest would
write now, versioned (``v2:sha256:...``) by :data:`FINGERPRINT_VERSION`. ``source.digest`` is the
fingerprint of the file as harvest last wrote it, which tells whether an editor changed it. When
a new Kehila writes an item differently (a field added or moved), the stored fingerprints of the
older version cannot tell that change from a change upstream; so the first harvest by the new
version takes what it harvests as the baseline and flags nothing: a file exactly as harvest left
it (``pending``, unedited) is rewritten, any other file only gets its new ``source.upstream``.

Every write goes through :func:`kehila.fileio.atomic_write` under :func:`kehila.fileio.locked`,
so a killed harvest leaves no partial file, and because ids are looked up in the files
themselves, a rerun after a kill converges without duplicates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kehila.content import classify, iter_markdown, upstream_copy
from kehila.fileio import atomic_write, locked
from kehila.itemedit import update_locked
from kehila.itemfile import parse_front_matter
from kehila.model import UPSTREAM_CHANGED, Item, ItemError, canonical_language, slugify
from ruamel.yaml.comments import CommentedMap

log = logging.getLogger("kehila.harvest.store")

#: Folder of ``content/`` for each kind of item (the demo hub uses the same folders).
KIND_FOLDERS = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}

#: The version of what sources write. Bump it with any change that alters what a source writes
#: for the same upstream record: the first harvest after the upgrade then flags nothing.
FINGERPRINT_VERSION = 2
#: Key of ``source`` holding the versioned fingerprint of the last harvest.
UPSTREAM = "upstream"

#: Set by adapters in ``source.extra`` when the record had no date of its own, so the store keeps
#: the date first written instead of treating each run's fallback date as an upstream change.
UNDATED = "undated"

_ID_LINE = re.compile(r"^id:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)


class Outcome(enum.StrEnum):
    """What the store did with one record (the columns of the harvest summary)."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT = "kept"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True)
class StoreResult:
    """The outcome for one record, with the file and the reason where there is one."""

    outcome: Outcome
    ref: str
    """The item id, or the record reference of a skip."""
    path: Path | None = None
    reason: str | None = None


class ItemStore:
    """Writes harvested items into a content folder by the rules above.

    Args:
        content_dir: The hub's ``content/`` folder.
        dry_run: Decide every outcome but write nothing.
    """

    def __init__(self, content_dir: Path, *, dry_run: bool = False) -> None:
        self.content_dir = content_dir
        self.dry_run = dry_run
        self._index: dict[str, Path] | None = None
        self._claimed: set[Path] = set()
        self._slugs: set[tuple[str, str]] = set()
        self._seen_this_run: set[str] = set()

    # -- index -----------------------------------------------------------------------------------

    @property
    def index(self) -> dict[str, Path]:
        """Item id -> file, built once by reading every Markdown file under ``content/``."""
        if self._index is None:
            self._index = dict(self._scan())
        return self._index

    def _scan(self) -> Iterator[tuple[str, Path]]:
        if not self.content_dir.is_dir():
            return
        for display, text in iter_markdown(self.content_dir, label=""):
            path = self.content_dir / display
            try:
                item = classify(text, path=display)
            except ItemError:
                # A broken item still owns its id: never create a second file beside it.
                item_id = _raw_id(text)
                if item_id:
                    yield item_id, path
                continue
            if item is not None:
                # Slugs make URLs: unique per kind, whatever the date.
                self._slugs.add((item.kind, item.url_slug))
                yield item.id, path

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete temporary files left by a killed write (``.<name>.md.<random>.tmp``).

        Call it only while holding the harvest lock (see :func:`harvest_lock`).
        """
        removed = []
        if not self.content_dir.is_dir() or self.dry_run:
            return removed
        for root, dirs, files in os.walk(self.content_dir):
            dirs[:] = [d for d in dirs if d != ".kehila"]
            for name in files:
                if name.startswith(".") and ".md." in name and name.endswith(".tmp"):
                    path = Path(root, name)
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return removed

    # -- writing ---------------------------------------------------------------------------------

    def put(self, item: Item) -> StoreResult:
        """Store one harvested item (``status: pending``, ``source`` set) and say what happened."""
        if item.source is None:
            return StoreResult(Outcome.ERROR, item.id, reason="item has no source")
        # Language tags are written in their canonical case, whatever the source sent (en-us).
        item = dataclasses.replace(item, language=canonical_language(item.language))
        if item.id in self._seen_this_run:
            return StoreResult(
                Outcome.SKIPPED, item.id, reason="same id as an earlier record of this harvest"
            )
        self._seen_this_run.add(item.id)
        existing = self.index.get(item.id)
        try:
            if existing is None:
                return self._create(item)
            return self._merge(item, existing)
        except ItemError as exc:
            return StoreResult(Outcome.ERROR, item.id, path=existing, reason=str(exc))

    def _create(self, item: Item) -> StoreResult:
        folder = self.content_dir / KIND_FOLDERS[item.kind]
        base = item.slug or slugify(item.title) or slugify(item.id) or "item"
        prefix = item.date.strftime("%Y-%m-%d")
        slug, path = base, folder / f"{prefix}-{base}.md"
        counter = 1
        while (item.kind, slug) in self._slugs or path in self._claimed or path.exists():
            counter += 1
            # Shorten the base so that the suffix fits in a valid slug (slugify's 60 characters).
            suffix = f"-{counter}"
            slug = slugify(base)[: 60 - len(suffix)].rstrip("-_") + suffix
            path = folder / f"{prefix}-{slug}.md"
        item = dataclasses.replace(item, slug=slug, path=None)
        text = _with_digest(*_digested(item, self._display(path)), fingerprint=True)
        self._claimed.add(path)
        self._slugs.add((item.kind, slug))
        if not self.dry_run:
            # No per-file lock: nobody edits a file that does not exist yet, and other harvests
            # wait on the harvest lock. (Each lock leaves a .<name>.lock file beside the item.)
            atomic_write(path, text)
        self.index[item.id] = path
        return StoreResult(Outcome.NEW, item.id, path=path)

    def _merge(self, item: Item, path: Path) -> StoreResult:
        display = self._display(path)
        with locked(path):
            try:
                text = path.read_text(encoding="utf-8")
                current = Item.from_text(text, path=display)
            except (OSError, ItemError) as exc:
                return StoreResult(
                    Outcome.KEPT, item.id, path=path, reason=f"file cannot be read: {exc}"
                )
            candidate = dataclasses.replace(item, slug=current.slug, path=None)
            if item.source is not None and item.source.extra.get(UNDATED):
                # The fallback date of an undated record is the first harvest's, and so is the
                # consent it dated.
                if candidate.consent is not None and candidate.consent.date == candidate.date:
                    first = current.consent.date if current.consent else current.date
                    candidate.consent = dataclasses.replace(candidate.consent, date=first)
                candidate.date = current.date
            stored = current.source.digest if current.source else None
            candidate, new_digest = _digested(candidate, display)
            fingerprint = _fingerprint(new_digest)
            baseline = current.source.extra.get(UPSTREAM) if current.source else None
            edited = stored is None or current.digest() != stored
            if baseline != fingerprint and not _current_version(baseline):
                return self._rebaseline(candidate, new_digest, path, current, edited=edited)
            if baseline == fingerprint:
                return StoreResult(Outcome.UNCHANGED, item.id, path=path)
            if current.status == "rejected":
                return StoreResult(
                    Outcome.KEPT, item.id, path=path, reason="status is rejected; upstream changed"
                )
            upstream = _with_digest(candidate, new_digest, fingerprint=True)
            if current.status != "pending":
                reason = f"status is {current.status}; upstream changed"
                return self._keep(item, path, upstream, reason)
            if edited:
                return self._keep(item, path, upstream, "edited by an editor; upstream changed")
            if not self.dry_run:
                atomic_write(path, upstream)
            return StoreResult(Outcome.UPDATED, item.id, path=path)

    def _rebaseline(
        self, candidate: Item, new_digest: str, path: Path, current: Item, *, edited: bool
    ) -> StoreResult:
        """First harvest of a file stored by an older version: today's harvest is the baseline.

        The older fingerprint compares what that version wrote, so a difference may be Kehila's
        own: nothing is flagged. A file exactly as harvest left it (``pending``, unedited) is
        rewritten; any other keeps every byte but gets the new ``source.upstream``. The caller
        holds the file's lock.
        """
        unchanged = current.source is not None and current.source.digest == new_digest
        if current.status == "pending" and not edited and not unchanged:
            if not self.dry_run:
                atomic_write(path, _with_digest(candidate, new_digest, fingerprint=True))
            return StoreResult(Outcome.UPDATED, candidate.id, path=path)
        if not self.dry_run:

            def record(meta: CommentedMap) -> bool:
                source = meta.get("source")
                if not isinstance(source, dict):
                    return False
                source[UPSTREAM] = _fingerprint(new_digest)
                return True

            update_locked(path, record, display=self._display(path))
        return StoreResult(
            Outcome.UNCHANGED,
            candidate.id,
            path=path,
            reason="stored by an older version: this harvest is the new baseline",
        )

    def _keep(self, item: Item, path: Path, upstream: str, reason: str) -> StoreResult:
        """Keep a reviewed or edited file, flagging it for the editor's desk.

        ``source.upstream_changed`` (first change only) makes the desk show the item as "look
        at upstream"; the caller holds the file's lock. Nothing else of the file changes. The
        upstream version, as harvest would have written it, goes to
        :func:`~kehila.content.upstream_copy` (replacing an older one), where the desk shows
        what changed and the editor can take it.
        """
        if not self.dry_run and item.source is not None:
            # Rewritten only when upstream's content changed (not for a new harvest time).
            copy = upstream_copy(self.content_dir, path)
            if _stored_digest(copy) != _stored_digest_of(upstream):
                atomic_write(copy, upstream)
            try:
                flag_upstream_change(path, item.source.harvested, display=self._display(path))
            except Exception as exc:  # noqa: BLE001 - the flag is a courtesy, keeping is the rule
                log.warning("could not flag %s as changed upstream: %s", path, exc)
        return StoreResult(Outcome.KEPT, item.id, path=path, reason=reason)

    def _display(self, path: Path) -> str:
        try:
            return f"{self.content_dir.name}/{path.relative_to(self.content_dir).as_posix()}"
        except ValueError:
            return str(path)


def flag_upstream_change(path: Path, when: dt.datetime, *, display: str) -> bool:
    """Note in ``source.upstream_changed`` that upstream changed but the file was kept.

    The caller holds :func:`kehila.fileio.locked` on ``path``. Only the first change is recorded:
    the flag means "look at upstream", and stays until an editor clears it. The rest of the file
    keeps its bytes (see :func:`kehila.itemedit.update_item`).

    Returns:
        Whether the field was added (``False`` if it was there already or there is no source).
    """

    def change(meta: CommentedMap) -> bool:
        source = meta.get("source")
        if not isinstance(source, dict) or source.get(UPSTREAM_CHANGED) is not None:
            return False
        source[UPSTREAM_CHANGED] = when
        return True

    return update_locked(path, change, display=display)


def _digested(item: Item, display: str) -> tuple[Item, str]:
    """``item`` ready to write, and the digest of the file it makes.

    The digest is taken from the text as read back (not from the object in memory), so that
    whatever the serialiser normalises (trailing spaces, date precision) cannot make an
    untouched file look edited. Write the item with :func:`_with_digest`.
    """
    assert item.source is not None
    item = dataclasses.replace(item, source=dataclasses.replace(item.source, digest=None))
    item.validate()
    return item, Item.from_text(item.to_text(), path=display).digest()


def _with_digest(item: Item, digest: str, *, fingerprint: bool = False) -> str:
    """The text of ``item`` with its digest (and, as harvest writes it, its fingerprint)."""
    assert item.source is not None
    extra = dict(item.source.extra)
    if fingerprint:
        extra[UPSTREAM] = _fingerprint(digest)
    source = dataclasses.replace(item.source, digest=digest, extra=extra)
    return dataclasses.replace(item, source=source).to_text()


def _fingerprint(digest: str) -> str:
    """The versioned fingerprint of what harvest writes (see :data:`FINGERPRINT_VERSION`)."""
    return f"v{FINGERPRINT_VERSION}:{digest}"


def _current_version(fingerprint: Any) -> bool:
    return isinstance(fingerprint, str) and fingerprint.startswith(f"v{FINGERPRINT_VERSION}:")


def _stored_digest_of(text: str) -> str | None:
    """The ``source.digest`` written in an item's text (``None`` if it cannot be read)."""
    try:
        source = parse_front_matter(text)[0].get("source")
    except (yaml.YAMLError, ValueError, TypeError):
        return None
    return source.get("digest") if isinstance(source, dict) else None


def _stored_digest(path: Path) -> str | None:
    try:
        return _stored_digest_of(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _raw_id(text: str) -> str | None:
    """The ``id`` of a file the model rejects, even when its YAML no longer parses."""
    try:
        meta = parse_front_matter(text)[0]
    except (yaml.YAMLError, ValueError, TypeError):
        match = _ID_LINE.search(text.split("\n---", 1)[0])
        return match.group(1).strip().strip("'\"") if match else None
    value = meta.get("id")
    return value if isinstance(value, str) and value else None


def harvest_lock(content_dir: Path) -> AbstractContextManager[None]:
    """One harvest at a time per hub: held by ``kehila harvest`` and ``kehila add story``."""
    return locked(content_dir / ".kehila" / "harvest")
