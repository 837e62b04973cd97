"""Search quality in Hebrew, Arabic and Russian: a test set of queries over a small corpus.

Each query of ``relevance/queries.yaml`` lists the documents of ``relevance/corpus.yaml`` it must
find. The documents are indexed with Kehila's analyzer and the queries run the way search.js runs
them: each word looked up as it is, then lightly stemmed (``text.LIGHT``), then as a stem it
begins with, the last word also as a beginning still being typed; every word must match.

"Before" is the search as it was before light stemming: Snowball alone (none for Hebrew). The
figures are written to tests/artifacts/search-relevance.txt (and shown when the test fails); the
test fails if the light stemming stops paying its way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kehila.search.text import LIGHT, MIN_WORD, WORD, Analyzer, normalize

from ..conftest import ARTIFACTS

HERE = Path(__file__).parent / "relevance"
CORPUS: dict[str, str] = yaml.safe_load((HERE / "corpus.yaml").read_text("utf-8"))
QUERIES: list[dict] = yaml.safe_load((HERE / "queries.yaml").read_text("utf-8"))


class Index:
    """One language's documents, as the index holds them: stems, and forms leading to stems."""

    def __init__(self, language: str, *, light: bool) -> None:
        analyzer = Analyzer(language)
        if not light:
            analyzer._light = None
        self.light = LIGHT.get(language) if light else None
        texts = {doc: text for doc, text in CORPUS.items() if doc.startswith(language)}
        self.docs = {doc: analyzer.terms(text) for doc, text in texts.items()}
        stems = set().union(*self.docs.values())
        self.keys = {s: s for s in stems}
        words = set().union(*(analyzer.words(text) for text in texts.values()))
        for surface, stem in analyzer.surfaces(words).items():
            if stem in stems:
                self.keys.setdefault(surface, stem)

    def stems_for(self, word: str, last: bool) -> set[str]:
        if word in self.keys:
            return {self.keys[word]}
        if self.light is not None and self.light(word) in self.keys:
            return {self.keys[self.light(word)]}
        if last:
            typed = {s for k, s in self.keys.items() if k == s and k.startswith(word)}
            if typed:
                return typed
        begun = [k for k, s in self.keys.items() if k == s and len(k) >= 3 and word.startswith(k)]
        return {max(begun, key=len)} if begun else set()

    def search(self, query: str) -> set[str]:
        words = [w for w in WORD.findall(normalize(query)) if len(w) >= MIN_WORD]
        found = set(self.docs)
        for n, word in enumerate(words):
            stems = self.stems_for(word, last=n == len(words) - 1)
            found &= {doc for doc, terms in self.docs.items() if terms & stems}
        return found if words else set()


def evaluate(*, light: bool) -> dict[str, tuple[float, float, list[str]]]:
    """Precision and recall per language (micro-averaged), and the queries that missed."""
    indexes = {lang: Index(lang, light=light) for lang in ("he", "ar", "ru")}
    totals: dict[str, list[int]] = {lang: [0, 0, 0] for lang in indexes}  # hits, found, expected
    misses: dict[str, list[str]] = {lang: [] for lang in indexes}
    for query in QUERIES:
        language = (query["expect"] or [query.get("lang", "ru")])[0][:2]
        found = indexes[language].search(query["q"])
        expected = set(query["expect"])
        totals[language][0] += len(found & expected)
        totals[language][1] += len(found)
        totals[language][2] += len(expected)
        if found != expected:
            misses[language].append(f"{query['q']}: {sorted(found)} != {sorted(expected)}")
    return {
        lang: (hits / found if found else 1.0, hits / expected if expected else 1.0, misses[lang])
        for lang, (hits, found, expected) in totals.items()
    }


def test_the_test_set_is_big_enough() -> None:
    assert len(QUERIES) >= 30
    languages = {(q["expect"] or ["ru"])[0][:2] for q in QUERIES}
    assert languages == {"he", "ar", "ru"}
    assert all(doc in CORPUS for q in QUERIES for doc in q["expect"])


def test_light_stemming_finds_more_and_keeps_precision() -> None:
    before, after = evaluate(light=False), evaluate(light=True)
    lines = ["search relevance (precision / recall): Snowball only -> with light stemming"]
    for lang in ("he", "ar", "ru"):
        (p0, r0, _), (p1, r1, missed) = before[lang], after[lang]
        lines.append(f"  {lang}: {p0:.2f} / {r0:.2f} -> {p1:.2f} / {r1:.2f}")
        lines += [f"      still differs: {miss}" for miss in missed]
    report = "\n".join(lines) + "\n"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "search-relevance.txt").write_text(report, "utf-8")
    for lang in ("he", "ar"):
        assert after[lang][1] > before[lang][1] + 0.3, report  # recall: the point of the change
        assert after[lang][0] >= 0.95, report  # and few false matches
    # What light stemming cannot do stays missed: Arabic broken plurals (موعد, مواعيد) and a
    # Hebrew root whose first letter is also a prefix letter (משמרת, משמרות).
    assert after["he"][1] >= 0.9 and after["ar"][1] >= 0.75, report
    # Russian keeps its Snowball stemming: nothing changes there.
    assert after["ru"][:2] == before["ru"][:2] and after["ru"][1] >= 0.85, report


@pytest.mark.parametrize(
    ("language", "query", "indexed"),
    [
        ("he", "והתזכורות", "תזכורת"),
        ("he", "וכשהתזכורות", "תזכורת"),
        ("he", "שָׁלוֹם", "שלום"),  # niqqud and the final letter
        ("ar", "والتذكيرات", "التذكير"),
        ("ar", "فالمرضى", "المرضى"),
        ("ar", "الإعدادات", "اعدادات"),  # hamza on alef
        ("ar", "مُعَلِّم", "معلم"),  # tashkeel
        ("ru", "напоминаниях", "напоминание"),
        ("ru", "ёлки", "елка"),
    ],
)
def test_a_form_finds_the_indexed_word(language: str, query: str, indexed: str) -> None:
    analyzer = Analyzer(language)
    assert analyzer.terms(query) == analyzer.terms(indexed)


@pytest.mark.parametrize(
    ("language", "word"),
    [("he", "של"), ("he", "הם"), ("he", "בית"), ("he", "ולה"), ("ar", "ال"), ("ar", "بال")],
)
def test_short_words_are_never_reduced_to_nothing_or_one_letter(language: str, word: str) -> None:
    stems = Analyzer(language).terms(word)
    assert stems and all(len(stem) >= 2 for stem in stems)
    assert LIGHT[language](normalize(word)) == normalize(word)
