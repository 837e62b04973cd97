"""Text for the search index: page text from rendered HTML, normalised and stemmed terms.

The browser client (``assets/search.js``) applies exactly the same :func:`normalize` and
:data:`WORD` rules to a query, so the two must change together. Stemming happens only here: the
index stores, beside each stem, the surface forms that lead to it, so the client needs no stemmer.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

#: A word: letters and digits of any script (the client uses ``/[\p{L}\p{N}]+/gu``).
WORD = re.compile(r"[^\W_]+")

#: Words shorter than this are not indexed (the client ignores them in queries too).
MIN_WORD = 2

#: Primary language subtags with a Snowball stemmer. Hebrew has none: :func:`hebrew_stem` does
#: its light stemming; Arabic gets :func:`arabic_light` before Snowball.
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
#: Arabic short vowels and other marks (tashkeel) and the tatweel that stretches words: dropped.
_ARABIC_MARKS = [*range(0x064B, 0x0660), 0x0670, 0x0640]
#: Alef with hamza or madda is written plain alef as often as not: folded to alef.
_ARABIC_ALEFS = {"أ": "ا", "إ": "ا", "آ": "ا"}

#: Hebrew prefix letters: and (ו), the (ה), in (ב), to (ל), from (מ), that (ש), as (כ). They
#: stack ("וכשהתזכורת", "and when the reminder").
_HEBREW_PREFIXES = frozenset("והבלמשכ")
#: Common plural and possessive endings (final letters already folded), longest first.
_HEBREW_SUFFIXES = (
    "ותיהמ", "ותיהנ", "ותיכמ", "ותינו", "ותיו", "ותיה", "ותי",
    "יהמ", "יהנ", "יכמ", "ינו", "ימ", "ות", "יו", "יה", "ה", "ת",
)  # fmt: skip
#: Arabic prefixes Snowball's Arabic stemmer leaves on ("والتذكير": and-the-reminder), longest
#: first: and/so/with/as + the, to the, the.
_ARABIC_PREFIXES = ("وال", "فال", "بال", "كال", "ولل", "لل", "ال")
#: The sound feminine plural, which Snowball cuts to its last letter only ("تذكيرات" -> "تذكيرا").
_ARABIC_SUFFIXES = ("ات",)
#: Light stemming takes a prefix or an ending off only where this many letters remain (a Hebrew
#: or Arabic root has three): a short word is never reduced to nothing or to one letter.
MIN_ROOT = 3

_TABLE = str.maketrans(
    {
        **{ord(k): v for k, v in _HEBREW_FINALS.items()},
        **dict.fromkeys(_HEBREW_MARKS + _HEBREW_PUNCTUATION_IN_WORDS, None),
        **dict.fromkeys(_HEBREW_SEPARATORS, " "),
        **dict.fromkeys(_ARABIC_MARKS, None),
        **{ord(k): v for k, v in _ARABIC_ALEFS.items()},
        ord("ё"): "е",
    }
)
#: Marks and separators that must go before words are split (niqqud or tashkeel would split a
#: word).
_MARKS = re.compile("[\u0591-\u05c7\u064b-\u065f\u0670\u0640]")
#: Text that :data:`_TABLE` changes (most text has none of it, and then translating is skipped).
_FOLDED = re.compile(
    "[\u0591-\u05c7\u05f3\u05f4\u05da\u05dd\u05df\u05e3\u05e5ё\u064b-\u065f\u0670\u0640أإآ]"
)

_DROP_ELEMENTS = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)


def normalize(text: str) -> str:
    """Lower-case text and fold what readers treat as the same letter.

    Hebrew: niqqud and cantillation stripped, final letters folded (ם -> מ); Arabic: tashkeel
    and tatweel stripped, alef with hamza or madda folded to alef; Russian: ё -> е.

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


def hebrew_stem(word: str) -> str:
    """Light Hebrew stemming of a normalised word: prefix letters, then one plural or possessive
    ending, each only while :data:`MIN_ROOT` letters remain.

    Prefix letters are taken off however many there are, so that a word and the same word with
    a prefix ("משמרות", "והמשמרות") always have one stem, even where a prefix letter is the
    word's own.

    >>> hebrew_stem("והתזכורות"), hebrew_stem("תזכורת"), hebrew_stem("הבית"), hebrew_stem("אב")
    ('תזכור', 'תזכור', 'בית', 'אב')
    """
    start = 0
    while word[start] in _HEBREW_PREFIXES and len(word) - start - 1 >= MIN_ROOT:
        start += 1
    word = word[start:]
    for suffix in _HEBREW_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT:
            return word[: -len(suffix)]
    return word


def arabic_light(word: str) -> str:
    """What Snowball's Arabic stemmer misses, taken off first: a prefix such as "وال" and the
    feminine plural "ات", each only where :data:`MIN_ROOT` letters remain.

    >>> arabic_light("والتذكيرات"), arabic_light("الكل"), arabic_light("لغة")
    ('تذكير', 'الكل', 'لغة')
    """
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_ROOT:
            word = word[len(prefix) :]
            break
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT:
            word = word[: -len(suffix)]
            break
    return word


#: Light stemming per language, the same in search.js (``LIGHT``): applied to a query word that
#: the index does not know as it is.
LIGHT = {"he": hebrew_stem, "ar": arabic_light}


@lru_cache(maxsize=64)
def _stemmer(language: str) -> snowballstemmer.stemmer | None:
    name = STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


class Analyzer:
    """Turns text of one language into index terms.

    A word's stem depends on the word alone (never on the words seen before it), so that a
    document analysed in one build indexes the same as in any other: an index made of documents
    analysed at different times equals one made at once. Stems are cached per analyzer: a hub's
    vocabulary is far smaller than its word count.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self._stemmer = _stemmer(language)
        self._light = LIGHT.get(language)
        self._stems: dict[str, str] = {}
        """Normalised word -> its stem."""
        self._folded: dict[str, str | None] = {}
        """Word as found (lower case) -> normalised word (``None``: too short to index)."""

    def words(self, text: str) -> set[str]:
        """The distinct normalised words of ``text`` that are long enough to index."""
        text = text.lower()
        if _MARKS.search(text):
            text = text.translate(_TABLE)
        folded = self._folded
        result = set()
        for word in set(WORD.findall(text)):
            if word in folded:
                found = folded[word]
            elif len(word) < MIN_WORD:
                found = folded[word] = None
            else:
                found = folded[word] = word.translate(_TABLE) if _FOLDED.search(word) else word
            if found is not None:
                result.add(found)
        return result

    def stem(self, word: str) -> str:
        """The stem of a normalised word."""
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = self._stem(word)
        return stem

    def terms(self, text: str) -> set[str]:
        """The distinct stems of ``text``."""
        stem = self.stem
        return {stem(word) for word in self.words(text)}

    def surfaces(self, words: Iterable[str]) -> dict[str, str]:
        """The word forms that lead to a stem: each of ``words`` that is not its own stem, and
        (Hebrew, Arabic) each word's light form, which the client looks a query word up as when
        the index does not know it as it is. A word keeps its own stem; a light form that is no
        word of ``words`` leads to the stem of the first word (in sorted order) that gives it.
        """
        stem, light = self.stem, self._light
        ordered = sorted(words)
        found = {}
        for word in ordered:
            own = stem(word)
            if own != word:
                found[word] = own
        if light is not None:
            known = set(ordered)
            for word in ordered:
                form = light(word)
                if form not in known and form not in found:
                    found[form] = stem(word)
        return found

    def light_changes(self, word: str) -> bool:
        """Whether ``word``'s light form differs from it (it may lead to a stem of its own)."""
        return self._light is not None and self._light(word) != word

    def _stem(self, word: str) -> str:
        if self._light is not None:
            word = self._light(word)
        if self._stemmer is None:
            return word
        stem = self._stemmer.stemWord(word)
        # A stem shorter than two letters would match too much as a prefix; keep the word.
        return stem if len(stem) >= MIN_WORD else word
