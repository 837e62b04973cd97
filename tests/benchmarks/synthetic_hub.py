"""A synthetic hub of N items written through the real content model, for the scale benchmark.

Mixed kinds (60% Q&A, 25% stories, 15% newsletter issues), languages 70% English, 15% Russian,
15% Hebrew, realistic Markdown (headings, lists, code, links, emphasis) and a fixed seed, so two
runs build the same hub. Words follow a Zipf distribution over a vocabulary seeded with the words
of the demo hub's own items (one per language) and a long tail of generated words, so the index
sees the vocabulary growth of real text rather than a few hundred words repeated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from pathlib import Path

from kehila.model import Answer, Consent, Disclosure, Item, Person, Provenance

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = (("en", 0.70), ("ru", 0.15), ("he", 0.15))
KINDS = (("qa", 0.60), ("story", 0.25), ("newsletter", 0.15))
TAGS = [
    "api", "billing", "calendar", "export", "import", "integrations", "mobile", "notifications",
    "onboarding", "permissions", "reminders", "reports", "security", "shifts", "sso", "sync",
    "timezones", "webhooks", "payroll", "education", "healthcare", "retail", "nonprofit",
    "release-notes", "accessibility", "performance", "offline", "android", "ios", "email",
]  # fmt: skip
#: 300 tags in all (issue 17): the named ones, then a long tail of rarer topics. Tags are drawn
#: with Zipf weights, so a few tags are on many items and most on a few dozen, as in a real hub.
ALL_TAGS = TAGS + [f"topic-{n:03d}" for n in range(300 - len(TAGS))]
_TAG_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(ALL_TAGS))]


def _tags(rng: random.Random) -> list[str]:
    """One to three distinct tags."""
    chosen = rng.choices(ALL_TAGS, weights=_TAG_WEIGHTS, k=rng.randint(1, 3))
    return list(dict.fromkeys(chosen))


#: Syllables for the long tail of each language's vocabulary (names, jargon, rare words).
SYLLABLES = {
    "en": [
        "ka",
        "lo",
        "mi",
        "ra",
        "ton",
        "ex",
        "port",
        "sync",
        "cal",
        "end",
        "ar",
        "shift",
        "re",
        "min",
        "der",
        "rep",
        "ort",
        "ser",
        "ver",
        "in",
        "gest",
    ],
    "ru": [
        "ра",
        "бо",
        "та",
        "пе",
        "ре",
        "вы",
        "гру",
        "зка",
        "смен",
        "на",
        "по",
        "ми",
        "на",
        "ни",
        "е",
        "ка",
        "лен",
        "дар",
        "от",
        "чёт",
        "сот",
        "руд",
        "ник",
    ],
    "he": [
        "תז",
        "כו",
        "רת",
        "מש",
        "מר",
        "ות",
        "לו",
        "ח",
        "שנ",
        "ה",
        "דו",
        "ח",
        "עו",
        "בד",
        "ים",
        "הג",
        "דר",
        "ות",
        "יומ",
        "ן",
        "סנכ",
        "רו",
        "ן",
    ],
}
LINK_HOSTS = ("docs.tavla.example", "status.tavla.example", "community.tavla.example")
CODE_SAMPLES = (
    ("python", "import tavla\n\nclient = tavla.Client(token)\n"
               "for shift in client.shifts(week=12):\n    print(shift.start, shift.staff)"),
    ("bash", "curl -H 'Authorization: Bearer $TOKEN' \\\n"
             "  https://api.tavla.example/v2/shifts?week=12"),
    ("json", '{\n  "event": "shift.updated",\n  "id": 4711,\n'
             '  "timezone": "Europe/Berlin"\n}'),
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{2,}")


def vocabulary(language: str, rng: random.Random, size: int = 12_000) -> list[str]:
    """Words of one language, most frequent first: the demo hub's words, then generated ones."""
    seen: dict[str, None] = {}
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if f"\nlanguage: {language}\n" not in text:
            continue
        for word in _WORD.findall(text.split("\n---", 1)[-1]):
            seen.setdefault(word.lower())
    words = list(seen)
    rng.shuffle(words)
    syllables = SYLLABLES[language]
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen[word] = None
            words.append(word)
    return words


class Writer:
    """Draws text from a Zipf-like distribution over a vocabulary."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        weights = [1 / (rank + 1) for rank in range(len(words))]
        self.cumulative = list(itertools.accumulate(weights))

    def words_(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=n)

    def sentence(self, low: int = 6, high: int = 16) -> str:
        words = self.words_(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: int = 3) -> str:
        parts = [self.sentence() for _ in range(sentences)]
        if self.rng.random() < 0.5:
            i = self.rng.randrange(len(parts))
            label = " ".join(self.words_(2))
            host = self.rng.choice(LINK_HOSTS)
            parts[i] += f" See [{label}](https://{host}/{self.rng.randint(1, 9999)})."
        if self.rng.random() < 0.4:
            parts[0] = f"**{parts[0]}**"
        return " ".join(parts)

    def markdown(self, sections: int) -> str:
        out = [self.paragraph(self.rng.randint(2, 4))]
        for _ in range(sections):
            out.append(f"## {self.sentence(2, 5).rstrip('.')}")
            out.append(self.paragraph(self.rng.randint(2, 4)))
            if self.rng.random() < 0.6:
                rows = self.rng.randint(2, 5)
                out.append("\n".join(f"- {self.sentence(3, 8)}" for _ in range(rows)))
            if self.rng.random() < 0.3:
                lang, code = self.rng.choice(CODE_SAMPLES)
                out.append(f"```{lang}\n{code}\n```")
            if self.rng.random() < 0.3:
                out.append("\n".join(f"{n}. {self.sentence(3, 8)}" for n in range(1, 4)))
        return "\n\n".join(out)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def make_items(n: int, seed: int = 6) -> list[Item]:
    """``n`` items, about 5% of them pending or rejected (they must never be published)."""
    rng = random.Random(seed)
    writers = {lang: Writer(vocabulary(lang, rng), rng) for lang, _ in LANGUAGES}
    start = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    items = []
    for i in range(n):
        language = _pick(rng, LANGUAGES)
        kind = _pick(rng, KINDS)
        w = writers[language]
        date = start + dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
        status = rng.choices(["published", "pending", "rejected"], weights=[95, 4, 1])[0]
        title = w.sentence(4, 9).rstrip(".")
        author = Person(name=" ".join(w.words_(2)).title())
        item = Item(
            id=f"bench:{i}",
            kind=kind,
            status=status,
            title=title,
            slug=f"item-{i}",
            date=date,
            language=language,
            tags=_tags(rng),
            body=w.markdown(rng.randint(1, 3)),
            author=author,
            source=Provenance(
                name="bench-forum",
                type="discourse",
                url=f"https://community.tavla.example/t/{i}",
                harvested=date + dt.timedelta(days=1),
            ),
        )
        if kind == "qa":
            accepted = rng.randrange(rng.randint(1, 3))
            item.answers = [
                Answer(
                    body=w.markdown(rng.randint(0, 1)),
                    author=Person(name=" ".join(w.words_(2)).title()),
                    date=date + dt.timedelta(hours=k + 1),
                    accepted=k == accepted,
                    score=rng.randint(0, 40),
                )
                for k in range(max(accepted + 1, rng.randint(1, 3)))
            ]
        elif kind == "story":
            item.quote = w.sentence()
            item.consent = Consent(method="form", date=date)
            item.disclosure = Disclosure(type=rng.choice(["none", "none", "partner"]))
        else:
            item.issue = i + 1
            item.summary = w.sentence()
        item.validate()
        items.append(item)
    return items


def write_hub(folder: Path, items: list[Item], *, site_url: str = "https://hub.example/") -> Path:
    """B: a Kehila hub (all features, Kehila's search) of ``items``; returns its mkdocs.yml."""
    content = folder / "content"
    for item in items:
        target = content / item.kind / f"{item.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.to_text(), encoding="utf-8")
    return write_hub_config(folder / "mkdocs.yml", site_url=site_url)


#: Options that switch off the feeds per tag and language, the Feeds page and the embed.
WITHOUT_FEEDS_AND_EMBED = {
    "feeds_tags": False,
    "feeds_languages": False,
    "feeds_page": False,
    "embed": False,
}


def write_hub_config(
    config: Path, *, site_url: str, search: bool = True, options: dict | None = None
) -> Path:
    """The hub's mkdocs.yml (``search=False``: the same hub without any search; ``options``:
    more options of the plugin)."""
    options = {**({} if search else {"search": False}), **(options or {})}
    plugin = "  - kehila:\n" + "".join(
        f"      {name}: {str(value).lower()}\n" for name, value in options.items()
    )
    if not options:
        plugin = "  - kehila\n"
    config.write_text(
        f"site_name: Bench hub\nsite_url: {site_url}\ndocs_dir: content\n"
        "theme:\n  name: material\n  features: [navigation.tabs]\n"
        "plugins:\n" + plugin + "nav:\n  - Home: index.md\n  - Stories: stories/index.md\n"
        "  - Questions: questions/index.md\n  - Newsletter: newsletter/index.md\n" + _EXTENSIONS,
        encoding="utf-8",
    )
    return config


def write_plain(folder: Path, items: list[Item], *, material_search: bool = False) -> Path:
    """A (and C): the same Markdown as ordinary pages (body and answers), items not in nav."""
    content = folder / "docs"
    content.mkdir(parents=True, exist_ok=True)
    (content / "index.md").write_text("# Bench hub\n", encoding="utf-8")
    for item in items:
        if not item.is_public:
            continue
        parts = [f"# {item.title}", item.body]
        for answer in item.answers:
            parts += ["## Answer", answer.body]
        target = content / item.kind / f"{item.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    plugins = "plugins:\n  - search\n" if material_search else "plugins: []\n"
    config = folder / "mkdocs.yml"
    config.write_text(
        "site_name: Bench hub\ndocs_dir: docs\ntheme:\n  name: material\n"
        + plugins
        + "nav:\n  - Home: index.md\n"
        + _EXTENSIONS,
        encoding="utf-8",
    )
    return config


_EXTENSIONS = (
    "markdown_extensions:\n  - admonition\n  - attr_list\n  - md_in_html\n  - tables\n"
    "  - toc:\n      permalink: true\n  - pymdownx.highlight\n  - pymdownx.superfences\n"
)
