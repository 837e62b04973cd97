"""Fuzzing (hypothesis) of the front matter loader and the CSV source: no traceback, ever.

* Front matter: arbitrary text, YAML front matter built from arbitrary data, and real items of the
  demo hub with random lines replaced. ``classify`` (what the plugin and every command use) may
  only return an item, return ``None`` (an ordinary page) or raise :class:`ItemError` whose
  message starts with the file's path; ``kehila check`` on such a file exits 0 or 1 with a
  report naming the file, never with a traceback.
* CSV source: arbitrary rows and cells (quotes, newlines, NUL, long cells, ragged rows, wrong
  encodings) under a Google-Forms-like column mapping. The source may only yield items (valid by
  the model) and skips with a reason, or raise :class:`HarvestError` naming the file.

CI runs a bounded number of examples; ``KEHILA_SLOW=1`` runs a hundred times more (minutes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kehila.cli import main
from kehila.content import classify
from kehila.harvest.sources.base import HarvestContext, HarvestError, Skipped
from kehila.harvest.sources.csv_source import CsvSource
from kehila.model import Item, ItemError

ROOT = Path(__file__).resolve().parents[2]
SLOW = os.environ.get("KEHILA_SLOW") == "1"
EXAMPLES = 20_000 if SLOW else 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not SLOW,
)
PATH = "content/stories/fuzzed.md"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
)
data = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = [
    "id", "kind", "status", "title", "date", "language", "tags", "slug", "author", "quote",
    "consent", "disclosure", "answers", "source", "private", "featured", "issue",
]  # fmt: skip
WORDS = ["story", "qa", "newsletter", "published", "pending", "rejected", "en", "he", "2025-01-01"]
fields = st.dictionaries(st.sampled_from(FIELDS), data | st.sampled_from(WORDS))


def _demo_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").rglob("*.md"))]


def _assert_loads_or_names_the_file(text: str) -> None:
    try:
        result = classify(text, path=PATH)
    except ItemError as exc:
        assert str(exc).startswith(PATH), str(exc)
        return
    assert result is None or isinstance(result, Item)


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _assert_loads_or_names_the_file(text)


@FUZZ
@given(fields, st.text(max_size=100))
def test_any_front_matter(meta: dict, body: str) -> None:
    try:
        front = yaml.safe_dump(meta, allow_unicode=True)
    except yaml.YAMLError:
        return
    _assert_loads_or_names_the_file(f"---\n{front}---\n{body}")


@FUZZ
@given(st.data())
def test_damaged_real_items(draw: st.DataObject) -> None:
    texts = _demo_texts()
    lines = draw.draw(st.sampled_from(texts)).split("\n")
    for _ in range(draw.draw(st.integers(1, 4))):
        index = draw.draw(st.integers(0, len(lines) - 1))
        lines[index] = draw.draw(
            st.sampled_from(["", "---", "  - x", ": :", "date: 2025-13-45", "tags: {a: [}"])
            | st.text(max_size=40)
        )
    _assert_loads_or_names_the_file("\n".join(lines))


def test_check_reports_instead_of_crashing(tmp_path: Path) -> None:
    """The same fuzzed texts, through the ``kehila check`` command: a report, no traceback."""
    content = tmp_path / "content"
    (content / "stories").mkdir(parents=True)

    @FUZZ
    @given(st.text(max_size=300) | fields.map(lambda m: "---\n" + _dump(m) + "---\nbody\n"))
    def run(text: str) -> None:
        target = content / "stories" / "fuzzed.md"
        target.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", "--content", str(content)])
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{type(result.exception).__name__}: {result.exception}"
        )
        if result.exit_code == 1:
            assert "fuzzed.md" in result.output or "tags.yml" in result.output, result.output

    run()


def _dump(meta: dict) -> str:
    try:
        return yaml.safe_dump(meta, allow_unicode=True)
    except yaml.YAMLError:
        return ""


# -- CSV source --------------------------------------------------------------------------------

HEADERS = ["Timestamp", "Your name", "What would you tell a friend?", "May we publish it?", "Email"]
COLUMNS = {"date": HEADERS[0], "name": HEADERS[1], "quote": HEADERS[2], "consent": HEADERS[3],
           "email": HEADERS[4]}  # fmt: skip
cells = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["yes", "no", "", "2025-03-04 10:00:00", "03/04/2025 10:00:00", "\x00", '"']),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=7), max_size=8)


def _csv_bytes(header: list[str], body: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6) | st.just(HEADERS),
    body=rows,
    encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1255"]),
    raw=st.booleans(),
    noise=st.binary(max_size=60),
)
def test_csv_source(header, body, encoding, raw, noise, tmp_path_factory) -> None:
    project = tmp_path_factory.mktemp("csv")
    data = noise if raw else _csv_bytes(header, body, encoding)
    (project / "form.csv").write_bytes(data)
    context = HarvestContext(
        project_dir=project,
        state_dir=project / "content/.kehila",
        now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
    )
    source = CsvSource("form", {"path": "form.csv", "columns": COLUMNS}, context)
    try:
        found = list(source.items())
    except HarvestError as exc:
        assert str(exc).startswith("source 'form'") and "form.csv" in str(exc), str(exc)
        return
    for entry in found:
        if isinstance(entry, Skipped):
            assert entry.reason
        else:
            assert isinstance(entry, Item)
            entry.validate()
            assert Item.from_text(entry.to_text(), path="x.md").id == entry.id
