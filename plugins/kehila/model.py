"""The Kehila content model: one definition of an item, used by harvest and the plugin alike.

Every item is a Markdown file with YAML front matter. This module knows the kinds, the fields,
how to validate them and how to write an item back, and nothing about MkDocs or any source:

>>> item = Item.from_text(
...     "---\\nid: demo:1\\nkind: newsletter\\nstatus: published\\ntitle: Hello\\n"
...     "date: 2025-01-02\\nlanguage: en\\ntags: []\\n---\\nBody\\n",
...     path="content/newsletters/hello.md",
... )
>>> item.date.isoformat()
'2025-01-02T00:00:00+00:00'

Validation errors name the file, the field, what was expected and what was found:

>>> Item.from_metadata({"id": "x", "kind": "review"}, "", path="x.md")
Traceback (most recent call last):
...
kehila.validation.ItemError: x.md: field 'kind': expected one of story, qa, newsletter, got 'review'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .i18n import direction
from .itemfile import KEY_ORDER, format_date, ordered, render_text
from .validation import (
    REQUIRED,
    ItemError,
    Reader,
    describe,
    read_front_matter,
    slug_problem,
    slugify,
)

KINDS = ("story", "qa", "newsletter")
STATUSES = ("pending", "published", "rejected")
DISCLOSURES = ("none", "employee", "paid", "gifted", "partner")
CONSENT_METHODS = ("form", "email", "public-post")


def canonical_language(tag: str) -> str:
    """A BCP 47 language tag in its canonical case (RFC 5646, 2.1.1): ``en-us`` -> ``en-US``.

    The language is lower case, a four-letter script title case (``zh-hant`` -> ``zh-Hant``), a
    two-letter region upper case, anything else lower case; after a singleton (``x-``, ``u-``)
    everything is lower case. Tags are compared case-insensitively, so this changes no meaning.
    """
    parts = tag.split("-")
    out = [parts[0].lower()]
    extension = False
    for part in parts[1:]:
        if extension or len(part) == 1:
            extension = True
            out.append(part.lower())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


#: What an item of each kind must record before it is published: a story, the author's consent
#: and their connection to the brand. The one rule for validation, approval, flags and stats.
NEEDED_TO_PUBLISH: Mapping[str, tuple[str, ...]] = {"story": ("consent", "disclosure")}


def missing_for_publish(meta: Mapping[str, Any]) -> list[str]:
    """:meth:`Item.missing_for_publish` of raw front matter (a file the model may not load)."""
    kind = meta.get("kind")
    needed = NEEDED_TO_PUBLISH.get(kind, ()) if isinstance(kind, str) else ()
    return [name for name in needed if meta.get(name) is None]


#: The key under ``source`` where harvest records that upstream changed but the file was kept.
UPSTREAM_CHANGED = "upstream_changed"

#: Keys of the provenance (``source``) that change on every harvest and so never count towards
#: the content digest.
_VOLATILE_SOURCE_KEYS = frozenset({"harvested", "digest", "upstream"})


@dataclass(frozen=True)
class Person:
    """Who wrote something: a name and, where known, a profile link."""

    name: str
    url: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        return _compact({"name": self.name, "url": self.url})


@dataclass(frozen=True)
class Consent:
    """How and when the author agreed to publication (or that the post was public)."""

    method: str
    date: dt.datetime
    note: str | None = None
    url: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        return _compact(
            {
                "method": self.method,
                "date": format_date(self.date),
                "note": self.note,
                "url": self.url,
            }
        )


@dataclass(frozen=True)
class Disclosure:
    """A material connection between the author and the brand (``none`` when there is none)."""

    type: str
    text: str | None = None

    @property
    def is_material(self) -> bool:
        return self.type != "none"

    def to_metadata(self) -> dict[str, Any]:
        return _compact({"type": self.type, "text": self.text})


@dataclass(frozen=True)
class License:
    """The licence of harvested text, e.g. Stack Exchange's per-post CC BY-SA version."""

    name: str
    url: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        return _compact({"name": self.name, "url": self.url})


@dataclass(frozen=True)
class Answer:
    """One answer of a Q&A thread; at least one per thread is accepted (forums may mark several)."""

    body: str
    author: Person
    url: str | None = None
    date: dt.datetime | None = None
    accepted: bool = False
    accepted_by: str | None = None
    """Who marked the answer accepted, where the forum says."""
    score: int | None = None
    license: License | None = None
    """The answer's own licence, where it differs from the thread's (Stack Exchange versions)."""

    def to_metadata(self) -> dict[str, Any]:
        return _compact(
            {
                "accepted": self.accepted or None,
                "accepted_by": self.accepted_by,
                "author": self.author.to_metadata(),
                "url": self.url,
                "date": format_date(self.date) if self.date else None,
                "score": self.score,
                "license": self.license.to_metadata() if self.license else None,
                "body": self.body,
            }
        )


@dataclass(frozen=True)
class Provenance:
    """Where a harvested item came from.

    ``digest`` is the fingerprint of the item as harvest wrote it (see :func:`content_digest`):
    when the file no longer matches it, an editor has changed the file.
    """

    name: str
    url: str | None
    """Where the item is upstream; ``None`` when it has no public page (a form export)."""
    harvested: dt.datetime
    digest: str | None = None
    type: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def public_url(self) -> str | None:
        """The provenance link a visitor may see, or ``None``.

        Only ``http(s)`` pages. Form exports stored before ``public_url`` existed (``type: csv``
        with a ``row``) named the export's path or download link, which may carry a token:
        never shown.
        """
        if not self.url or not self.url.startswith(("http://", "https://")):
            return None
        if self.type == "csv" and "row" in self.extra:
            return None
        return self.url

    def to_metadata(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "type": self.type,
            "url": self.url,
            "harvested": format_date(self.harvested),
            "digest": self.digest,
        }
        data.update(self.extra)
        return _compact(data)


@dataclass
class Item:
    """One story, Q&A thread or newsletter issue.

    Build one with :meth:`from_metadata` (validating) or directly (for harvest adapters, which
    then call :meth:`validate`); write it with :meth:`to_text`.
    """

    id: str
    kind: str
    status: str
    title: str
    date: dt.datetime
    language: str
    tags: list[str]
    body: str = ""
    path: str | None = None
    """Where the item was read from, relative to the project (``None`` for a new item)."""
    slug: str | None = None
    featured: bool = False
    private: bool = False
    author: Person | None = None
    quote: str | None = None
    consent: Consent | None = None
    disclosure: Disclosure | None = None
    issue: int | None = None
    summary: str | None = None
    license: License | None = None
    answers: list[Answer] = field(default_factory=list)
    source: Provenance | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Front matter keys the model does not know (editors' notes, review history): kept as is."""

    # -- reading ---------------------------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str, *, path: str) -> Item:
        """Parse a Markdown file with YAML front matter into a validated item."""
        meta, body = read_front_matter(text, path=path)
        try:
            return cls.from_metadata(meta, body, path=path)
        except ItemError as exc:
            raise exc.located(text) from None

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any], body: str, *, path: str) -> Item:
        """Validate front matter fields and build an item, or raise :class:`ItemError`."""
        v = ItemValidator(path, meta)
        item_id = v.string("id")
        kind = v.choice("kind", KINDS)
        item = cls(
            id=item_id,
            kind=kind,
            status=v.choice("status", STATUSES),
            title=v.string("title"),
            date=v.date("date"),
            language=v.language("language"),
            tags=v.string_list("tags"),
            body=body,
            path=path,
            slug=v.slug("slug"),
            featured=v.boolean("featured", False),
            private=v.boolean("private", False),
            author=v.person("author"),
            quote=v.optional_text("quote"),
            consent=v.consent("consent"),
            disclosure=v.disclosure("disclosure"),
            issue=v.integer("issue", None),
            summary=v.optional_text("summary"),
            license=v.license("license"),
            answers=v.answers("answers") if kind == "qa" else [],
            source=v.source("source"),
            extra={k: meta[k] for k in meta if k not in _KNOWN_KEYS},
        )
        if kind != "qa" and "answers" in meta:
            raise ItemError(path, f"only qa items have answers, this is a {kind}", field="answers")
        item.validate()
        return item

    def validate(self) -> None:
        """Check the rules that span fields; raise :class:`ItemError` naming the field."""
        path = self.path or f"<item {self.id}>"
        if self.status == "published":
            for name in self.missing_for_publish():
                raise ItemError(path, f"a published {self.kind} must record its {name}", field=name)
        if self.kind == "qa":
            if not self.answers:
                raise ItemError(path, "a Q&A thread needs at least one answer", field="answers")
            if not any(a.accepted for a in self.answers):
                raise ItemError(
                    path,
                    "expected at least one answer with 'accepted: true', got none",
                    field="answers",
                )

    def missing_for_publish(self) -> list[str]:
        """The fields this item lacks before it may be published (see :data:`NEEDED_TO_PUBLISH`)."""
        return [
            name for name in NEEDED_TO_PUBLISH.get(self.kind, ()) if getattr(self, name) is None
        ]

    # -- derived ---------------------------------------------------------------------------------

    @property
    def is_public(self) -> bool:
        """Whether the item may appear anywhere on the public site."""
        return self.status == "published" and not self.private

    @property
    def direction(self) -> str:
        """``rtl`` for right-to-left languages, else ``ltr``."""
        return direction(self.language)

    @property
    def accepted_answer(self) -> Answer | None:
        """The first accepted answer (see :attr:`accepted_answers` for every one)."""
        return next((a for a in self.answers if a.accepted), None)

    @property
    def accepted_answers(self) -> list[Answer]:
        """Every accepted answer, in the order the source gave them."""
        return [a for a in self.answers if a.accepted]

    @property
    def other_answers(self) -> list[Answer]:
        return [a for a in self.answers if not a.accepted]

    @property
    def shown_answers(self) -> list[Answer]:
        """The answers in the order a reader sees them: every accepted one first, then the rest."""
        return self.accepted_answers + self.other_answers

    @property
    def url_slug(self) -> str:
        """The stored slug, or one derived from the title for hand-written items without one."""
        return self.slug or slugify(self.title) or slugify(self.id) or "item"

    # -- writing ---------------------------------------------------------------------------------

    def to_metadata(self) -> dict[str, Any]:
        """Front matter as plain data, in the canonical key order, without empty optional fields."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "title": self.title,
            "slug": self.slug,
            "date": format_date(self.date),
            "language": self.language,
            "tags": list(self.tags),
            "featured": self.featured or None,
            "private": self.private or None,
            "author": self.author.to_metadata() if self.author else None,
            "quote": self.quote,
            "consent": self.consent.to_metadata() if self.consent else None,
            "disclosure": self.disclosure.to_metadata() if self.disclosure else None,
            "issue": self.issue,
            "summary": self.summary,
            "license": self.license.to_metadata() if self.license else None,
            "answers": [a.to_metadata() for a in self.answers] or None,
            "source": self.source.to_metadata() if self.source else None,
        }
        data = {k: v for k, v in data.items() if v is not None or k == "tags"}
        data.update(self.extra)
        return ordered(data)

    def to_text(self) -> str:
        """The item as a Markdown file with YAML front matter, byte-for-byte deterministic."""
        return render_text(self.to_metadata(), self.body)

    def digest(self) -> str:
        """Fingerprint of everything in the file except the harvest bookkeeping."""
        return content_digest(self.to_metadata(), self.body)


def content_digest(metadata: Mapping[str, Any], body: str) -> str:
    """A stable fingerprint of an item's content.

    The harvest timestamp and the digest itself are left out, so the same upstream content always
    gives the same digest and any edit an editor makes (front matter or body) changes it.
    """
    meta = dict(metadata)
    if isinstance(meta.get("source"), Mapping):
        meta["source"] = {k: v for k, v in meta["source"].items() if k not in _VOLATILE_SOURCE_KEYS}
    canonical = json.dumps(
        {"meta": meta, "body": body.strip()}, sort_keys=True, ensure_ascii=False, default=str
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def check_field(name: str, value: Any, *, path: str) -> Any:
    """Read one field alone as :meth:`Item.from_metadata` reads it, or raise its :class:`ItemError`.

    For editors who set one field of an item (``kehila review edit``): the value is refused with
    the message a build would give, even when another field of the file is wrong.

    Args:
        name: ``title``, ``quote``, ``author``, ``tags``, ``featured`` or ``language``.
        value: The value as it would be written in front matter.
        path: How the file is named in the message.
    """
    v = ItemValidator(path, {name: value})
    readers: dict[str, Callable[[str], Any]] = {
        "title": v.string,
        "quote": v.optional_text,
        "author": v.person,
        "tags": v.string_list,
        "featured": lambda n: v.boolean(n, False),
        "language": v.language,
    }
    return readers[name](name)


class ItemValidator(Reader):
    """Reads an item's fields with the :class:`~kehila.validation.Reader` core, raising
    :class:`ItemError` for the file (:attr:`where`) and the field."""

    def error(self, name: str, problem: str) -> ItemError:
        return ItemError(self.where, problem, field=self.prefix + name)

    def optional_text(self, name: str) -> str | None:
        """Text that may be absent or empty (an optional field's value)."""
        return self.string(name, None, empty=True)

    def slug(self, name: str) -> str | None:
        """A slug as :func:`~kehila.validation.slugify` writes one, or nothing."""
        return self._text(name, None, slug_problem, empty=True)

    def person(self, name: str, *, required: bool = False) -> Person | None:
        sub = self.section(name, shorthand=lambda text: {"name": text})
        if sub is None:
            if required:
                raise self.error(name, self.missing)
            return None
        return Person(name=sub.string("name"), url=sub.optional_text("url"))

    def consent(self, name: str) -> Consent | None:
        sub = self.section(name)
        if sub is None:
            return None
        return Consent(
            method=sub.choice("method", CONSENT_METHODS),
            date=sub.date("date"),
            note=sub.optional_text("note"),
            url=sub.optional_text("url"),
        )

    def disclosure(self, name: str) -> Disclosure | None:
        sub = self.section(name, shorthand=lambda text: {"type": text})
        if sub is None:
            return None
        return Disclosure(type=sub.choice("type", DISCLOSURES), text=sub.optional_text("text"))

    def license(self, name: str) -> License | None:
        sub = self.section(name, shorthand=lambda text: {"name": text})
        if sub is None:
            return None
        return License(name=sub.string("name"), url=sub.optional_text("url"))

    def source(self, name: str) -> Provenance | None:
        sub = self.section(name)
        if sub is None:
            return None
        known = {"name", "type", "url", "harvested", "digest"}
        return Provenance(
            name=sub.string("name"),
            url=sub.optional_text("url"),
            harvested=sub.date("harvested"),
            digest=sub.optional_text("digest"),
            type=sub.optional_text("type"),
            extra={k: v for k, v in sub.values.items() if k not in known},
        )

    def answers(self, name: str) -> list[Answer]:
        value = self._get(name, REQUIRED)
        if not isinstance(value, list):
            raise self.error(name, f"expected a list of answers, got {describe(value)}")
        answers = []
        for index, entry in enumerate(value):
            if not isinstance(entry, Mapping):
                raise self.error(f"{name}[{index}]", f"expected a mapping, got {describe(entry)}")
            sub = ItemValidator(self.where, entry, f"{self.prefix}{name}[{index}].")
            author = sub.person("author", required=True)
            assert author is not None
            answer = Answer(
                body=sub.string("body"),
                author=author,
                url=sub.optional_text("url"),
                date=sub.date("date", None),
                accepted=sub.boolean("accepted", False),
                accepted_by=sub.optional_text("accepted_by"),
                score=sub.integer("score", None),
                license=sub.license("license"),
            )
            if answer.accepted_by and not answer.accepted:
                raise sub.error("accepted_by", "only an accepted answer has 'accepted_by'")
            answers.append(answer)
        return answers


_KNOWN_KEYS = frozenset(KEY_ORDER)
