"""Text for the search index: page text from rendered HTML, normalised and stemmed terms.

The browser client (``assets/search.js``) applies exactly the same :func:`normalize` and
:data:`WORD` rules to a query, so the two must change together. Stemming happens only here: the
index stores, beside each stem, the surface forms that lead to it, so the client needs no stemmer.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache

import snowballstemmer

#: A word: letters and digits of any script (the client uses ``/[\p{L}\p{N}]+/gu``).
WORD = re.compile(r"[^\W_]+")

#: Words shorter than this are not indexed (the client ignores them in queries too).
MIN_WORD = 2

#: Primary language subtags with a Snowball stemmer. Hebrew has none: it is only normalised.
STEMMERS = {
    "ar": "arabic", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "fi": "finnish", "fr": "french", "hu": "hungarian", "it": "italian",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip

_HEBREW_FINALS = {"ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ"}
#: Hebrew points and cantillation (niqqud, te'amim) are dropped; maqaf and sof pasuq separate words.
_HEBREW_MARKS = [*range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7]
_HEBREW_SEPARATORS = [0x05BE, 0x05C0, 0x05C3, 0x05C6]
#: Geresh and gershayim sit inside abbreviations (צה״ל): dropped so the word stays whole.
_HEBREW_PUNCTUATION_IN_WORDS = [0x05F3, 0x05F4]

_TABLE = str.maketrans(
    {
        **{ord(k): v for k, v in _HEBREW_FINALS.items()},
        **dict.fromkeys(_HEBREW_MARKS + _HEBREW_PUNCTUATION_IN_WORDS, None),
        **dict.fromkeys(_HEBREW_SEPARATORS, " "),
        ord("ё"): "е",
    }
)
#: Marks and separators that must go before words are split (niqqud would split a word).
_MARKS = re.compile("[\u0591-\u05c7]")
#: Text that :data:`_TABLE` changes (most text has none of it, and then translating is skipped).
_FOLDED = re.compile("[\u0591-\u05c7\u05f3\u05f4\u05da\u05dd\u05df\u05e3\u05e5ё]")

_DROP_ELEMENTS = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)


def normalize(text: str) -> str:
    """Lower-case text and fold what readers treat as the same letter.

    Hebrew: niqqud and cantillation stripped, final letters folded (ם -> מ); Russian: ё -> е.

    >>> normalize("שָׁלוֹם Ёлка")
    'שלומ елка'
    """
    text = text.lower()
    return text.translate(_TABLE) if _FOLDED.search(text) else text


def html_to_text(html: str) -> str:
    """The visible text of rendered page HTML, on one line.

    This is not an HTML parser: MkDocs' own Markdown output is well-formed, and the text only
    feeds the index and the result excerpt (which the client inserts as text, never as markup).
    """
    html = _PERMALINK.sub(" ", html)
    html = _DROP_ELEMENTS.sub(" ", html)
    return " ".join(html_lib.unescape(_TAG.sub(" ", html)).split())


def language_key(language: str) -> str:
    """The index a language tag belongs to: its primary subtag, lower case (``pt-BR`` -> ``pt``)."""
    return language.split("-")[0].lower()


@lru_cache(maxsize=64)
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


class Analyzer:
    """Turns text of one language into index terms, remembering which surface form gave which stem.

    Stems are cached per analyzer: a hub's vocabulary is far smaller than its word count.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self._stemmer = _stemmer(language)
        self.stems: dict[str, str] = {}
        """Every normalised surface form seen, mapped to its stem (itself without a stemmer)."""
        self._cache: dict[str, str] = {}

    def terms(self, text: str) -> set[str]:
        """The distinct stems of ``text``."""
        text = text.lower()
        if _MARKS.search(text):
            text = text.translate(_TABLE)
        words = set(WORD.findall(text))
        cache = self._cache
        result = set()
        for word in words:
            stem = cache.get(word)
            if stem is None:
                if len(word) < MIN_WORD:
                    continue
                folded = word.translate(_TABLE) if _FOLDED.search(word) else word
                stem = self.stems.get(folded)
                if stem is None:
                    stem = self.stems[folded] = self._stem(folded)
                cache[word] = stem
            result.add(stem)
        return result

    def _stem(self, word: str) -> str:
        if self._stemmer is None:
            return word
        stem = self._stemmer.stemWord(word)
        # A stem shorter than two letters would match too much as a prefix; keep the word.
        return stem if len(stem) >= MIN_WORD else word
