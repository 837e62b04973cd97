"""Kehila's build cache stores (``.cache/kehila/*.pickle``): values kept between builds by a key
of what they are made of; a store that is corrupt or not its own is ignored, never trusted."""

from __future__ import annotations

import json
import pickle
import zlib
from pathlib import Path

import pytest
from kehila.cache import STORE_MAGIC, FrontMatterCache, Memo, Store
from kehila.model import read_front_matter
from markupsafe import Markup

ITEM = """---
id: x
kind: story
date: 2025-05-19T10:00:00+02:00
day: 2025-05-19
naive: 2025-05-19 10:00:00
tags: [a, b]
extra: {n: 1, f: 2.5, flag: true, none: null}
---
Body text.
"""


def reopened(store: Store) -> Store:
    store.save()
    return Store(store.path)


def test_front_matter_comes_back_as_read(tmp_path: Path) -> None:
    store = Store(tmp_path / "front-matter.pickle")
    first = FrontMatterCache(store)(ITEM, "x.md")
    again = reopened(store)
    kept = FrontMatterCache(again)(ITEM, "x.md")
    assert repr(kept) == repr(first) == repr(read_front_matter(ITEM, path="x.md"))
    assert again.used, "the second read came from the store"


def test_front_matter_json_cannot_hold_is_read_every_time(tmp_path: Path) -> None:
    store = Store(tmp_path / "front-matter.pickle")
    text = "---\nid: x\nblob: !!binary aGVsbG8=\n---\nBody\n"
    meta, _ = FrontMatterCache(store)(text, "x.md")
    assert meta["blob"] == b"hello"
    assert not store.values


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "garbage"])
def test_a_corrupt_or_foreign_store_is_ignored(tmp_path: Path, damage: str) -> None:
    store = Store(tmp_path / "feeds.pickle")
    memo = Memo(store, "world", item_key=str)
    assert memo.text(["feed", "a"], lambda: "made") == "made"
    store.save()
    data = store.path.read_bytes()
    if damage == "truncate":
        data = data[:-3]
    elif damage == "flip":
        data = data[:-3] + b"X" + data[-2:]
    elif damage == "foreign":
        store.path.rename(tmp_path / "other.pickle")
        store.path = tmp_path / "other.pickle"
        data = store.path.read_bytes()
    else:
        data = b"not a store at all"
    store.path.write_bytes(data)
    memo = Memo(Store(store.path), "world", item_key=str)
    assert memo.text(["feed", "a"], lambda: "made again") == "made again"


def test_a_memo_keys_on_the_world_and_every_part(tmp_path: Path) -> None:
    store = Store(tmp_path / "feeds.pickle")
    Memo(store, "world", item_key=str).text(["feed", 1], lambda: "one")
    store = reopened(store)
    assert Memo(store, "world", item_key=str).text(["feed", 1], lambda: "new") == "one"
    assert Memo(store, "world 2", item_key=str).text(["feed", 1], lambda: "new") == "new"
    assert Memo(store, "world", item_key=str).text(["feed", 2], lambda: "two") == "two"


def test_a_store_keeps_only_what_the_last_build_used(tmp_path: Path) -> None:
    store = Store(tmp_path / "feeds.pickle")
    store.put("a", "1")
    store.put("b", "2")
    store = reopened(store)
    assert store.get("a") == "1"
    store = reopened(store)
    assert store.get("a") == "1" and store.get("b") is None


@pytest.mark.parametrize("values", [{}, {"a": "1"}, {"é": ["ü", 1, None, {"k": 2.5}], "b": ""}])
def test_a_flushed_store_is_read_by_another_process_as_saved(
    tmp_path: Path, values: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page workers read a store that the build flushed in its middle: the file holds what was
    used so far; saving afterwards with nothing new does not write it again."""
    store = Store(tmp_path / "pages-markdown.pickle")
    for key, value in values.items():
        store.put(key, value)
    writes = []
    write = store._write
    monkeypatch.setattr(store, "_write", lambda v: (writes.append(dict(v)), write(v)))
    store.flush()
    other = Store(store.path)
    assert {key: other.get(key) for key in values} == values
    assert writes == ([values] if values else [])
    store.save()
    assert len(writes) == (1 if values else 0)
    store.put("later", "x")  # the next build, which uses only this
    store.save()
    assert Store(store.path).get("later") == "x" and writes[-1] == {"later": "x"}


def filled(path: Path, count: int = 100) -> Store:
    store = Store(path)
    for n in range(count):
        store.put(f"k{n}", f"value {n}")
    return reopened(store)


def use_all(store: Store, count: int = 100) -> None:
    for n in range(count):
        assert store.get(f"k{n}") == f"value {n}"


def test_a_few_new_values_go_to_the_journal_not_into_the_file(tmp_path: Path) -> None:
    store = filled(tmp_path / "feeds.pickle")
    written = store.path.read_bytes()
    use_all(store)
    store.put("new", ["an edit", 1])
    store = reopened(store)
    assert store.path.read_bytes() == written and store.journal.is_file()
    assert store.get("new") == ["an edit", 1]
    use_all(store)
    store.put("k1", "changed")  # a value put again: the journal's wins
    store = reopened(store)
    assert store.get("k1") == "changed"


def test_many_unused_values_write_the_file_anew(tmp_path: Path) -> None:
    store = filled(tmp_path / "feeds.pickle")
    use_all(store, 50)  # half the values are no longer used
    store.put("new", "x")
    store = reopened(store)
    assert not store.journal.exists()
    assert store.get("k99") is None and store.get("k1") == "value 1" and store.get("new") == "x"


@pytest.mark.parametrize("damage", ["cut", "flipped", "other base"])
def test_a_damaged_journal_keeps_what_precedes_the_damage(tmp_path: Path, damage: str) -> None:
    store = filled(tmp_path / "feeds.pickle")
    use_all(store)
    store.put("first", "1")
    store = reopened(store)
    use_all(store)
    store.get("first")
    store.put("second", "2")
    store = reopened(store)
    data = store.journal.read_bytes()
    if damage == "cut":
        store.journal.write_bytes(data[:-5])
    elif damage == "flipped":
        store.journal.write_bytes(data[:-8] + bytes([data[-8] ^ 1]) + data[-7:])
    else:
        store.journal.write_bytes(data.replace(b'"base": [', b'"base": [1', 1))
    assert store.get("second") is None
    assert store.get("first") == ("1" if damage != "other base" else None)
    use_all(store)
    store.put("third", "3")
    store = reopened(store)  # the damage is written over: the file anew, no journal
    assert not store.journal.exists()
    assert store.get("third") == "3"


class _Runs:
    """What a pickle that names a function would call when read (it must never be)."""

    ran: list[str] = []

    def __reduce__(self) -> tuple:
        return (_Runs.ran.append, ("ran",))


def test_a_store_that_names_a_class_or_function_is_not_read(tmp_path: Path) -> None:
    """Only plain data is read back: a store file whose checksum holds but whose pickle would
    call something (a foreign or crafted file) is ignored, and nothing runs."""
    path = tmp_path / "feeds.pickle"
    payload = pickle.dumps({"a": _Runs()}, protocol=5)
    trailer = json.dumps({"crc": zlib.crc32(payload), "size": len(payload)}).encode()
    header = STORE_MAGIC + json.dumps({"name": path.name}).encode() + b"\n"
    path.write_bytes(header + payload + b"\n" + trailer)
    assert Store(path).get("a") is None
    assert _Runs.ran == []


def test_plain_data_comes_back_as_json_would_give_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "feeds.pickle")
    store.put("html", Markup("<p>x</p>"))
    store.put("deep", {"k": ["v", 1, 2.5, True, None, {"n": Markup("m")}]})
    again = reopened(store)
    assert type(again.get("html")) is str and again.get("html") == "<p>x</p>"
    assert again.get("deep") == {"k": ["v", 1, 2.5, True, None, {"n": "m"}]}
    assert type(again.get("deep")["k"][5]["n"]) is str


def test_a_value_that_is_not_plain_data_leaves_the_store_unwritten(tmp_path: Path) -> None:
    store = Store(tmp_path / "feeds.pickle")
    store.put("a", "1")
    reopened(store)
    store = Store(store.path)
    store.put("b", object())
    store.save()  # not written (a debug message says so), and no half-written file is left
    assert Store(store.path).get("a") == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["feeds.pickle"]
