"""Property tests (hypothesis, stateful) of the item store under harvests and editors.

A state machine interleaves, in any order: upstream changes to the records of a source,
harvests (a fresh :class:`~kehila.harvest.store.ItemStore` each time, as every ``kehila harvest``
run has), an editor's hand edit of an item's body, and approvals and rejections through the real
``kehila review approve`` / ``reject`` commands. After every step:

* an editor's change is never lost (the edited text is still in the file);
* a rejected item is never resurrected (still rejected, never pending again, never re-created
  under another file);
* a published item stays published, and every id is stored exactly once;
* every file is a valid item.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from kehila.cli import main
from kehila.content import load_catalog
from kehila.harvest.store import ItemStore
from kehila.model import Answer, Item, Person, Provenance

SLOW = os.environ.get("KEHILA_SLOW") == "1"
RECORDS = 4
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def harvested(number: int, version: int, kind: str) -> Item:
    """Record ``number`` as the adapter would yield it at upstream ``version``."""
    item = Item(
        id=f"forum:example:{number}",
        kind=kind,
        status="pending",
        title=f"Record {number} (v{version})",
        date=dt.datetime(2025, 1, 1 + number, tzinfo=dt.UTC),
        language="en",
        tags=["property"],
        body=f"Upstream text of record {number}, version {version}.",
        author=Person(name=f"Author {number}"),
        source=Provenance(name="forum", url=f"https://forum.example/t/{number}", harvested=NOW),
    )
    if kind == "qa":
        item.answers = [Answer(body=f"Answer v{version}", author=Person("Eli"), accepted=True)]
    return item


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="kehila-store-"))
        self.content = self.root / "content"
        self.content.mkdir()
        self.versions = dict.fromkeys(range(RECORDS), 1)
        self.edits: dict[str, str] = {}
        self.rejected: set[str] = set()
        self.published: set[str] = set()
        self.edit_count = 0

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _files(self) -> dict[str, Path]:
        catalog = load_catalog(self.content)
        assert catalog.errors == [], catalog.errors
        return {
            item.id: self.content / Path(item.path).relative_to("content") for item in catalog.items
        }  # noqa: E501

    @rule(number=st.integers(0, RECORDS - 1))
    def upstream_changes(self, number: int) -> None:
        self.versions[number] += 1

    @rule(kinds=st.sampled_from(["qa", "newsletter"]))
    def harvest(self, kinds: str) -> None:
        store = ItemStore(self.content)
        for number, version in self.versions.items():
            kind = "qa" if number % 2 else kinds if kinds == "newsletter" else "qa"
            store.put(harvested(number, version, kind))

    @precondition(lambda self: any(self.content.rglob("*.md")))
    @rule(data=st.data())
    def editor_edits(self, data: st.DataObject) -> None:
        files = self._files()
        item_id = data.draw(st.sampled_from(sorted(files)))
        self.edit_count += 1
        note = f"Editor's note number {self.edit_count}."
        path = files[item_id]
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{note}\n", "utf-8")
        self.edits[item_id] = note

    @precondition(lambda self: any(self.content.rglob("*.md")))
    @rule(data=st.data(), approve=st.booleans())
    def editor_decides(self, data: st.DataObject, approve: bool) -> None:
        files = self._files()
        item_id = data.draw(st.sampled_from(sorted(files)))
        review = ["review", "--content", str(self.content)]
        if approve:
            args = [*review, "approve", item_id]
        else:
            args = [*review, "reject", item_id, "--reason", "off-topic"]
        result = CliRunner().invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        status = load_catalog(self.content).get(item_id).status
        # The editor may change their mind; what counts is their latest decision.
        self.rejected.discard(item_id)
        self.published.discard(item_id)
        if status == "rejected":
            self.rejected.add(item_id)
        elif status == "published":
            self.published.add(item_id)

    @invariant()
    def nothing_lost_nothing_resurrected(self) -> None:
        files = self._files()  # valid items, each id once (duplicates are catalog errors)
        for item_id, note in self.edits.items():
            assert note in files[item_id].read_text(encoding="utf-8"), f"{item_id} lost an edit"
        catalog = load_catalog(self.content)
        for item_id in self.rejected:
            assert catalog.get(item_id).status == "rejected", f"{item_id} came back"
        for item_id in self.published:
            assert catalog.get(item_id).status == "published", f"{item_id} was unpublished"
        assert len(files) <= RECORDS


StoreMachine.TestCase.settings = settings(
    max_examples=1000 if SLOW else 60,
    stateful_step_count=30 if SLOW else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not SLOW,
)
test_store_never_loses_an_edit_nor_resurrects = StoreMachine.TestCase
