"""A chunked static search index, one per language, fetched by the browser a few KB at a time.

Layout under the index folder (``kehila-search/`` in the site)::

    manifest.json          languages (documents, first key of every term chunk), kinds, tags
    <lang>/t/<n>.json      term chunk: {stem: postings, surface form: "stem", ...}, keys sorted
    <lang>/d/<n>.json      one document: url, title, kind, tags, date, text for the excerpt
    <lang>/facets.json     documents per kind and per tag (fetched only when a filter is set)

Postings are delta-encoded ascending numbers ``doc * 2 + in_title``. Documents are numbered newest
first, so a tie in score favours the newer item. The writer never holds more than one language's
postings, and those as compact integer arrays; document text is written as it is added.
"""

from __future__ import annotations

import json
import shutil
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .text import Analyzer

FORMAT_VERSION = 1

#: Term chunks are cut once their JSON reaches this many bytes (a single term may exceed it).
CHUNK_BYTES = 8_000

#: Characters of page text kept per document for the result excerpt.
EXCERPT_CHARS = 2_000


_Put = Callable[[Path, str], None]


@dataclass
class Document:
    """One searchable page, reduced to what the index needs."""

    key: str
    """Stable identity across rebuilds (the page's source path)."""
    url: str
    title: str
    kind: str
    tags: tuple[str, ...]
    language: str
    date: str
    text: str
    title_terms: array
    body_terms: array


class Vocabulary:
    """Term ids of one language, and the analyzer that produces them."""

    def __init__(self, language: str) -> None:
        self.analyzer = Analyzer(language)
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []

    def encode(self, terms: Iterable[str]) -> array:
        ids = self.ids
        out = array("I")
        for term in terms:
            number = ids.get(term)
            if number is None:
                number = ids[term] = len(self.terms)
                self.terms.append(term)
            out.append(number)
        return out


class SearchIndex:
    """Collects documents (cheaply, as pages render) and writes the chunked index in one pass."""

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.vocabularies: dict[str, Vocabulary] = {}
        self._written: dict[Path, int] = {}
        """Files of the last :meth:`write` and a hash of their text: a rewrite skips those."""

    def add(
        self,
        *,
        key: str,
        url: str,
        title: str,
        kind: str,
        tags: Iterable[str],
        language: str,
        date: str,
        text: str,
    ) -> None:
        """Add or replace the document ``key``; ``text`` is the page's plain text."""
        vocabulary = self.vocabularies.get(language)
        if vocabulary is None:
            vocabulary = self.vocabularies[language] = Vocabulary(language)
        title_terms = vocabulary.analyzer.terms(title)
        body_terms = vocabulary.analyzer.terms(text) - title_terms
        self.documents[key] = Document(
            key=key,
            url=url,
            title=title,
            kind=kind,
            tags=tuple(tags),
            language=language,
            date=date,
            text=text[:EXCERPT_CHARS],
            title_terms=vocabulary.encode(sorted(title_terms)),
            body_terms=vocabulary.encode(sorted(body_terms)),
        )

    def retain(self, keys: Iterable[str]) -> None:
        """Forget every document whose key is not in ``keys`` (items removed or unpublished)."""
        keep = set(keys)
        for key in [k for k in self.documents if k not in keep]:
            del self.documents[key]

    def write(self, folder: Path, *, kinds: dict[str, str]) -> dict[str, int]:
        """Replace ``folder`` with the index of the current documents.

        The first write empties ``folder``; a later one (``serve`` keeps the index) rewrites only
        the files whose text changed and deletes those no longer part of the index.

        Args:
            folder: where the index goes.
            kinds: kind -> label, in the order the filter offers them.

        Returns:
            Documents per language.
        """
        if not (self._written and folder.is_dir()):
            self._written = {}
            if folder.exists():
                shutil.rmtree(folder)
        written: dict[Path, int] = {}
        folders: set[Path] = set()  # made (or found) already: one mkdir per folder, not per file

        def put(path: Path, text: str) -> None:
            digest = hash(text)
            written[path] = digest
            if self._written.get(path) != digest:
                if path.parent not in folders:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(path.parent)
                path.write_text(text, encoding="utf-8")

        by_language: dict[str, list[Document]] = {}
        for document in self.documents.values():
            by_language.setdefault(document.language, []).append(document)
        languages = {}
        tags: set[str] = set()
        for language in sorted(by_language):
            # Newest first; the URL breaks ties so that numbering never depends on build order.
            documents = sorted(by_language[language], key=lambda d: d.url)
            documents.sort(key=lambda d: d.date, reverse=True)
            for document in documents:
                tags.update(document.tags)
            chunks = self._write_language(folder / language, language, documents, put)
            languages[language] = {"docs": len(documents), "chunks": chunks}
        manifest = {
            "version": FORMAT_VERSION,
            "languages": languages,
            "kinds": kinds,
            "tags": sorted(tags, key=str.casefold),
        }
        put(folder / "manifest.json", _compact(manifest))
        for stale in self._written.keys() - written.keys():
            stale.unlink(missing_ok=True)
        self._written = written
        return {language: info["docs"] for language, info in languages.items()}

    def _write_language(
        self, folder: Path, language: str, documents: list[Document], put: _Put
    ) -> list[str]:
        vocabulary = self.vocabularies[language]
        postings: dict[int, array] = {}
        facets: dict[str, dict[str, list[int]]] = {"kind": {}, "tag": {}}
        for number, document in enumerate(documents):
            put(
                folder / "d" / f"{number}.json",
                _compact(
                    {
                        "u": document.url,
                        "t": document.title,
                        "k": document.kind,
                        "g": list(document.tags),
                        "d": document.date,
                        "x": document.text,
                    }
                ),
            )
            for flag, terms in ((1, document.title_terms), (0, document.body_terms)):
                value = number * 2 + flag
                for term in terms:
                    target = postings.get(term)
                    if target is None:
                        target = postings[term] = array("I")
                    target.append(value)
            facets["kind"].setdefault(document.kind, []).append(number)
            for tag in document.tags:
                facets["tag"].setdefault(tag, []).append(number)

        entries: dict[str, object] = {}
        for term_id, values in postings.items():
            entries[vocabulary.terms[term_id]] = _deltas(values)
        for surface, stem in vocabulary.analyzer.stems.items():
            if surface != stem and surface not in entries and stem in entries:
                entries[surface] = stem

        put(
            folder / "facets.json",
            _compact({n: {k: _deltas(v) for k, v in sorted(d.items())} for n, d in facets.items()}),
        )
        return _write_chunks(folder / "t", entries, put)


def _deltas(values: Iterable[int]) -> list[int]:
    out, previous = [], 0
    for value in values:
        out.append(value - previous)
        previous = value
    return out


def _write_chunks(folder: Path, entries: dict[str, object], put: _Put) -> list[str]:
    """Write sorted entries in chunks of about :data:`CHUNK_BYTES`; return their first keys."""
    firsts: list[str] = []
    chunk: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal chunk, size
        if chunk:
            put(folder / f"{len(firsts) - 1}.json", "{" + ",".join(chunk) + "}")
        chunk, size = [], 0

    for key in sorted(entries):
        part = json.dumps(key, ensure_ascii=False) + ":" + _compact(entries[key])
        length = len(part.encode("utf-8")) + 1
        if not chunk or size + length > CHUNK_BYTES:
            flush()
            firsts.append(key)
        chunk.append(part)
        size += length
    flush()
    return firsts


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
