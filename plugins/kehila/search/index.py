"""A chunked static search index, one per language, fetched by the browser a few KB at a time.

Layout under the index folder (``kehila-search/`` in the site)::

    manifest.json          languages (documents, first key of every term chunk), kinds, tags
    <lang>/t/<n>.json      term chunk: {stem: postings, surface form: "stem", ...}, keys sorted
    <lang>/d/<n>.json      one document: url, title, kind, tags, date, text for the excerpt
    <lang>/facets.json     documents per kind and per tag (fetched only when a filter is set)

Postings are delta-encoded ascending numbers ``doc * 2 + in_title``. Documents are numbered newest
first, so a tie in score favours the newer item. The writer holds one language's postings at a
time and writes each file as it is made; a file whose text a kept copy of the index holds (see
``Reuse``) is taken from there instead. Pages are analysed once per version (:class:`Analysis`,
kept between builds by :mod:`.analyses`), so a build analyses only the pages that changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import os
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .text import Analyzer

FORMAT_VERSION = 1

#: Term chunks are cut once their JSON reaches this many bytes (a single term may exceed it).
CHUNK_BYTES = 8_000

#: Characters of page text kept per document for the result excerpt.
EXCERPT_CHARS = 2_000


_Put = Callable[[str, str], None]
Reuse = Callable[[str, str, str], bool]
"""``reuse(name, digest, dest)``: put a kept copy of the index file ``name`` whose text has
``digest`` at the path ``dest``; ``False``: there is none (the file is written)."""

#: JSON as the index writes it (one encoder: ``json.dumps`` with options makes one per call).
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class Analysis:
    """What the index needs of a page's text: made once per version of the page, and the same
    whenever it is made (see :class:`~kehila.search.text.Analyzer`), so that it can be kept
    between builds. Terms and words are space-separated, sorted."""

    title_terms: str
    body_terms: str
    """The stems of the text that are not in the title."""
    surfaces: str
    """The words that may lead to a stem other than themselves (see ``Analyzer.surfaces``)."""
    text: str
    """The start of the page's text, for the result excerpt."""

    def to_plain(self) -> list[str]:
        return [self.title_terms, self.body_terms, self.surfaces, self.text]

    @classmethod
    def from_plain(cls, value: object) -> Analysis | None:
        """An analysis kept as :meth:`to_plain` made it (``None``: anything else)."""
        if isinstance(value, list) and len(value) == 4 and all(isinstance(v, str) for v in value):
            return cls(*value)
        return None


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
    analysis: Analysis | None
    """``None``: not analysed yet (see :meth:`SearchIndex.missing`)."""


class SearchIndex:
    """Collects documents (cheaply, as pages render) and writes the chunked index in one pass.

    What is written depends on the documents alone, never on the order they came in: they are
    numbered by date and URL, and a page's analysis depends on its own text only.
    """

    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.analyzers: dict[str, Analyzer] = {}
        self._written: dict[str, str] = {}
        """Files of the last :meth:`write` and a digest of their text: a rewrite skips those."""
        self.fresh: set[str] = set()
        """Files the last :meth:`write` wrote (the others were already there or reused)."""
        self.digests: dict[str, str] = {}
        """Every file of the last :meth:`write` (its name in the index) and its text's digest."""

    def analyzer(self, language: str) -> Analyzer:
        analyzer = self.analyzers.get(language)
        if analyzer is None:
            analyzer = self.analyzers[language] = Analyzer(language)
        return analyzer

    def analyse(self, language: str, title: str, text: str) -> Analysis:
        """The analysis of a page of ``language`` (``text``: its plain text)."""
        analyzer = self.analyzer(language)
        stem = analyzer.stem
        title_words = analyzer.words(title)
        words = title_words | analyzer.words(text)
        title_terms = {stem(word) for word in title_words}
        body_terms = {stem(word) for word in words} - title_terms
        surfaces = [w for w in words if stem(w) != w or analyzer.light_changes(w)]
        return Analysis(
            " ".join(sorted(title_terms)),
            " ".join(sorted(body_terms)),
            " ".join(sorted(surfaces)),
            text[:EXCERPT_CHARS],
        )

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
        text: str | None = None,
        analysis: Analysis | None = None,
    ) -> None:
        """Add or replace the document ``key``: ``text`` is the page's plain text, or its
        ``analysis`` is given (neither: it comes later, see :meth:`missing`)."""
        if analysis is None and text is not None:
            analysis = self.analyse(language, title, text)
        self.documents[key] = Document(
            key=key,
            url=url,
            title=title,
            kind=kind,
            tags=tuple(tags),
            language=language,
            date=date,
            analysis=analysis,
        )

    def missing(self) -> list[str]:
        """The documents without an analysis yet."""
        return [key for key, document in self.documents.items() if document.analysis is None]

    def retain(self, keys: Iterable[str]) -> None:
        """Forget every document whose key is not in ``keys`` (items removed or unpublished)."""
        keep = set(keys)
        for key in [k for k in self.documents if k not in keep]:
            del self.documents[key]

    def write(
        self, folder: Path, *, kinds: dict[str, str], reuse: Reuse | None = None
    ) -> dict[str, int]:
        """Replace ``folder`` with the index of the current documents.

        The first write empties ``folder``; a later one (``serve`` keeps the index) rewrites only
        the files whose text changed and deletes those no longer part of the index. A file
        ``reuse`` has a copy of (with the same text) is taken from there instead of written.

        Args:
            folder: where the index goes.
            kinds: kind -> label, in the order the filter offers them.
            reuse: see :data:`Reuse`.

        Returns:
            Documents per language.
        """
        missing = self.missing()
        if missing:
            raise ValueError(f"{len(missing)} documents are not analysed, e.g. {missing[0]}")
        if not (self._written and folder.is_dir()):
            self._written = {}
            if folder.exists():
                shutil.rmtree(folder)
        written: dict[str, str] = {}
        fresh: set[str] = set()
        folders: set[str] = set()  # made (or found) already: one mkdir per folder, not per file
        base = str(folder)

        def put(name: str, text: str) -> None:
            data = text.encode("utf-8")
            digest = hashlib.blake2b(data, digest_size=16).hexdigest()
            written[name] = digest
            if self._written.get(name) == digest:
                return
            path = os.path.join(base, name)
            parent = os.path.dirname(path)
            if parent not in folders:
                os.makedirs(parent, exist_ok=True)
                folders.add(parent)
            if name in self._written:
                # Replaced, never written into: the file may be a link to a kept copy.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            if reuse is None or not reuse(name, digest, path):
                with open(path, "wb") as file:
                    file.write(data)
                fresh.add(name)

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
            chunks = self._write_language(language, documents, put)
            languages[language] = {"docs": len(documents), "chunks": chunks}
        manifest = {
            "version": FORMAT_VERSION,
            "languages": languages,
            "kinds": kinds,
            "tags": sorted(tags, key=str.casefold),
        }
        put("manifest.json", _compact(manifest))
        for stale in self._written.keys() - written.keys():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(base, stale))
        self._written, self.digests, self.fresh = written, written, fresh
        return {language: info["docs"] for language, info in languages.items()}

    def _write_language(self, language: str, documents: list[Document], put: _Put) -> list[str]:
        postings: defaultdict[str, list[int]] = defaultdict(list)
        surfaces: set[str] = set()
        facets: dict[str, dict[str, list[int]]] = {"kind": {}, "tag": {}}
        for number, document in enumerate(documents):
            analysis = document.analysis
            assert analysis is not None
            put(
                f"{language}/d/{number}.json",
                _compact(
                    {
                        "u": document.url,
                        "t": document.title,
                        "k": document.kind,
                        "g": list(document.tags),
                        "d": document.date,
                        "x": analysis.text,
                    }
                ),
            )
            for value, terms in (
                (number * 2 + 1, analysis.title_terms),
                (number * 2, analysis.body_terms),
            ):
                for term in terms.split():
                    postings[term].append(value)
            surfaces.update(analysis.surfaces.split())
            facets["kind"].setdefault(document.kind, []).append(number)
            for tag in document.tags:
                facets["tag"].setdefault(tag, []).append(number)

        entries: dict[str, object] = {term: _deltas(values) for term, values in postings.items()}
        for surface, stem in self.analyzer(language).surfaces(surfaces).items():
            if surface != stem and surface not in entries and stem in entries:
                entries[surface] = stem

        put(
            f"{language}/facets.json",
            _compact({n: {k: _deltas(v) for k, v in sorted(d.items())} for n, d in facets.items()}),
        )
        return _write_chunks(f"{language}/t", entries, put)


def _deltas(values: list[int]) -> list[int]:
    """``values`` as differences, each from the one before (the first from 0)."""
    return list(map(operator.sub, values, [0, *values[:-1]]))


def _write_chunks(folder: str, entries: dict[str, object], put: _Put) -> list[str]:
    """Write sorted entries in chunks of about :data:`CHUNK_BYTES`; return their first keys."""
    firsts: list[str] = []
    chunk: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal chunk, size
        if chunk:
            put(f"{folder}/{len(firsts) - 1}.json", "{" + ",".join(chunk) + "}")
        chunk, size = [], 0

    for key in sorted(entries):
        part = _compact(key) + ":" + _compact(entries[key])
        length = len(part.encode("utf-8")) + 1
        if not chunk or size + length > CHUNK_BYTES:
            flush()
            firsts.append(key)
        chunk.append(part)
        size += length
    flush()
    return firsts
