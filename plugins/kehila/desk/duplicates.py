"""Find items that tell the same story twice: same author, near-identical text.

The same story often arrives through two doors (a forum post and a form answer, or one feed under
two URLs). Texts are compared with rapidfuzz's normalised Indel similarity (``fuzz.ratio``) after
removing what differs between copies without changing the story: Markdown link targets and
images (tracking pixels, proxied URLs), emphasis marks, case and whitespace. Only items with the
same author are compared, which keeps the work small and the matches meaningful.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from ..model import Item

#: Similarity (0-100) from which two texts count as the same story.
DEFAULT_THRESHOLD = 95.0

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_MARKS = re.compile(r"[*_`>#|~]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DuplicatePair:
    """Two items that look like the same story, with their similarity (0-100)."""

    first: Item
    second: Item
    score: float


def comparable_text(item: Item) -> str:
    """The words of an item as a reader sees them: quote, body and answers, without markup."""
    parts = [item.quote or "", item.body]
    parts.extend(answer.body for answer in item.answers)
    text = unicodedata.normalize("NFKC", "\n".join(parts))
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _MARKS.sub(" ", text)
    return _SPACE.sub(" ", text).strip().casefold()


def author_key(item: Item) -> str | None:
    """Who wrote an item, normalised for comparison (``None`` when unknown)."""
    if item.author is None:
        return None
    name = _SPACE.sub(" ", unicodedata.normalize("NFKC", item.author.name)).strip().casefold()
    return name or None


def find_duplicates(
    items: list[Item], *, threshold: float = DEFAULT_THRESHOLD
) -> list[DuplicatePair]:
    """Every pair of items by the same author whose texts are at least ``threshold`` similar.

    Items already merged into another one (``merged_into``) are left out. Pairs come best first.
    """
    by_author: dict[str, list[tuple[Item, str]]] = defaultdict(list)
    for item in items:
        key = author_key(item)
        if key is None or "merged_into" in item.extra:
            continue
        by_author[key].append((item, comparable_text(item)))
    pairs = []
    for group in by_author.values():
        for (a, text_a), (b, text_b) in combinations(group, 2):
            if not text_a or not text_b:
                continue
            score = fuzz.ratio(text_a, text_b, score_cutoff=threshold)
            if score:
                pairs.append(DuplicatePair(a, b, round(score, 1)))
    return sorted(pairs, key=lambda p: (-p.score, p.first.id, p.second.id))
