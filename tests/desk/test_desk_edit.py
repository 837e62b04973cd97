"""The desk's front matter editing keeps every byte it does not own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from kehila.itemfile import FrontMatterDocument, mapping, set_field
from kehila.model import Item, Person, Provenance

UTC = dt.UTC


def test_every_demo_item_renders_back_byte_for_byte(demo_project: Path):
    files = sorted((demo_project / "content").rglob("*.md"))
    assert len(files) >= 16
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert FrontMatterDocument.parse(text, path=str(path)).render() == text, path


def test_a_long_quoted_title_folded_by_the_model_is_not_reflowed():
    title = 'Why does the export "fail": ' + "a long title, " * 8
    item = Item(
        id="x:1", kind="story", status="pending", title=title.strip(),
        date=dt.datetime(2025, 1, 1, tzinfo=UTC), language="en", tags=["a"], body="Body",
        source=Provenance(name="s", url="https://example.org/1",
                      harvested=dt.datetime(2025, 1, 2, tzinfo=UTC)),
    )  # fmt: skip
    text = item.to_text()
    assert "\n  " in text.split("date:")[0], "PyYAML folds the long quoted title over two lines"
    document = FrontMatterDocument.parse(text, path="x.md")
    set_field(document.meta, "status", "published")
    assert document.render() == text.replace("status: pending\n", "status: published\n")


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=140,
).filter(lambda s: s.strip() == s and s)


@settings(max_examples=60, deadline=None)
@given(title=_TEXT, quote=_TEXT, author=_TEXT, tags=st.lists(_TEXT, max_size=3), note=_TEXT)
def test_recording_consent_changes_only_the_consent_lines(title, quote, author, tags, note):
    item = Item(
        id="feed:example:1", kind="story", status="pending", title=title,
        date=dt.datetime(2025, 3, 4, 9, 30, tzinfo=UTC), language="he", tags=tags,
        body="Body line\n\nsource:\nnot front matter", author=Person(author), quote=quote,
        source=Provenance(name="feed", url="https://example.org/p/1",
                      harvested=dt.datetime(2025, 3, 5, tzinfo=UTC)),
    )  # fmt: skip
    text = item.to_text()
    document = FrontMatterDocument.parse(text, path="x.md")
    consent = mapping(method="email", date=dt.datetime(2025, 3, 6, tzinfo=UTC), note=note)
    set_field(document.meta, "consent", consent)
    after = document.render()
    head, _, _ = after.partition("\nconsent:\n")
    inserted = after[len(head) + 1 : after.index("\nsource:\n") + 1]
    assert after == text.replace("\nsource:\n", "\n" + inserted + "source:\n", 1)
    reread = Item.from_text(after, path="x.md")
    assert reread.consent is not None and reread.consent.note == note
    assert (reread.title, reread.quote, reread.tags, reread.author) == (
        title, quote, tags, Person(author)
    )  # fmt: skip


def test_words_yaml_1_1_reads_as_other_things_stay_text_after_an_edit():
    """ruamel.yaml writes YAML 1.2, where `NO` and `on` are text; Kehila reads with PyYAML
    (YAML 1.1), where they are true and false: the edit quotes them (hypothesis found `NO`)."""
    item = Item(
        id="x:1", kind="story", status="pending", title="T",
        date=dt.datetime(2025, 1, 1, tzinfo=UTC), language="en", tags=["a"], body="Body",
        source=Provenance(name="s", url="https://example.org/1",
                      harvested=dt.datetime(2025, 1, 2, tzinfo=UTC)),
    )  # fmt: skip
    for word in ("NO", "on", "Off", "y", "yes", "~", "null", "1.5", "0x1F", "12:30"):
        document = FrontMatterDocument.parse(item.to_text(), path="x.md")
        consent = mapping(method="email", date=dt.datetime(2025, 3, 6, tzinfo=UTC), note=word)
        set_field(document.meta, "consent", consent)
        set_field(document.meta, "title", word)
        reread = Item.from_text(document.render(), path="x.md")
        assert (reread.consent.note, reread.title) == (word, word)
