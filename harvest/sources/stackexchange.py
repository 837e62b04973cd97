"""Resolved questions from a Stack Exchange data dump (``type: stackexchange``).

A dump folder holds one XML file per table (``Posts.xml``, ``Users.xml``, ...), each a flat list of
``<row .../>`` elements whose columns are attributes. Dumps are large (Stack Overflow's
``Posts.xml`` is close to 100 GB), so nothing here loads a whole file:

1. ``Posts.xml`` is streamed once with lxml's ``iterparse``, clearing every row as soon as it is
   read. Questions that qualify (an ``AcceptedAnswerId``, ``min_score``, ``tags``) and all answers
   go into a temporary SQLite index on disk; every other question is reported as skipped on the
   spot.
2. ``Users.xml`` is streamed the same way, keeping only the display names of users the index needs.
3. Questions are read back from the index in id order and joined to their answers (an index on
   the answers' parent id), so memory stays flat however big the dump is.

The parser never loads DTDs, fetches nothing and resolves no entities. A DOCTYPE line (mirrors and
older tools add one) is ignored; a dump whose DOCTYPE declares entities is refused, naming the file
and line: real dumps never declare any, and entities are how XML smuggles in other files.

Every item carries the post's ``ContentLicense`` (CC BY-SA 2.5, 3.0 or 4.0) with the licence URL,
and the attribution CC BY-SA asks for: the author's name linked to their profile, and a link to the
question and to each answer. Older dumps have no ``ContentLicense``; the licence then is the
CC BY-SA version Stack Exchange used on the date of the dump.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from kehila.harvest.harvest_config import Options
from kehila.harvest.sources._qa import plain, provenance, sanitize_html
from kehila.harvest.sources.base import HarvestContext, HarvestError, Skipped
from kehila.itemfile import parse_date
from kehila.model import Answer, Item, License, Person
from lxml import etree

log = logging.getLogger("harvest.stackexchange")

#: Stack Exchange's licence changes: content is CC BY-SA 2.5 until 2011-04-08, 3.0 until
#: 2018-05-02 and 4.0 since (https://stackoverflow.com/help/licensing).
_LICENSE_ERAS = (
    (dt.datetime(2011, 4, 8, tzinfo=dt.UTC), "CC BY-SA 2.5"),
    (dt.datetime(2018, 5, 2, tzinfo=dt.UTC), "CC BY-SA 3.0"),
)
_LICENSE_URLS = {
    "CC BY-SA 2.5": "https://creativecommons.org/licenses/by-sa/2.5/",
    "CC BY-SA 3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "CC BY-SA 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
}
_QUESTION, _ANSWER = "1", "2"


def license_for(name: str | None, dump_date: dt.datetime) -> License:
    """The licence of a post: its ``ContentLicense``, or the one in force on ``dump_date``.

    >>> license_for("CC BY-SA 3.0", dt.datetime.now(dt.timezone.utc)).url
    'https://creativecommons.org/licenses/by-sa/3.0/'
    >>> license_for(None, dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)).name
    'CC BY-SA 3.0'
    """
    if not name:
        name = "CC BY-SA 4.0"
        for until, era in _LICENSE_ERAS:
            if dump_date < until:
                name = era
                break
    return License(name=name, url=_LICENSE_URLS.get(name))


def parse_tags(value: str | None) -> list[str]:
    """Tags as dumps store them: ``<a><b>`` (until 2023) or ``|a|b|`` (since).

    >>> parse_tags("<proof-of-work><governance>"), parse_tags("|api|mainnet|")
    (['proof-of-work', 'governance'], ['api', 'mainnet'])
    """
    if not value:
        return []
    if value.startswith("<"):
        return re.findall(r"<([^<>]+)>", value)
    return [tag for tag in value.split("|") if tag]


class StackExchangeSource:
    """Questions with an accepted answer from a Stack Exchange data dump folder."""

    type: ClassVar[str] = "stackexchange"

    def __init__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> None:
        opts = Options(name, options)
        self.name = name
        self.context = context
        raw_path = opts.string("path")
        folder = (context.project_dir / raw_path).resolve()
        if not folder.is_dir():
            raise opts.error("path", f"'{raw_path}' is not a folder (looked in {folder})")
        self.folder = folder
        self.posts_path = folder / "Posts.xml"
        if not self.posts_path.is_file():
            raise opts.error("path", f"'{raw_path}' has no Posts.xml")
        self.users_path = folder / "Users.xml"
        self.site = opts.string("site", folder.name)
        if not re.fullmatch(r"[A-Za-z0-9.-]+", self.site):
            raise opts.error(
                "site", f"expected a host name such as cooking.stackexchange.com, got {self.site!r}"
            )
        self.min_score = opts.integer("min_score", None, minimum=-(2**31))
        self.max_answers = opts.integer("max_answers", 3, minimum=0)
        self.tags = set(opts.string_list("tags", []))
        self.language = opts.language("language", "en")
        self.mask = opts.boolean("mask_contacts", True)
        self.dump_date: dt.datetime | None = None
        # YAML reads 2024-04-01 as a date, which Options has no getter for: parse it here.
        raw_date = opts._get("dump_date", None)
        if raw_date is not None:
            try:
                self.dump_date = parse_date(raw_date)
            except (TypeError, ValueError):
                raise opts.error(
                    "dump_date", f"expected a date such as 2024-04-01, got {raw_date!r}"
                ) from None
        opts.finish()

    # -- the three steps -------------------------------------------------------------------------

    def items(self) -> Iterator[Item | Skipped]:
        """Scan the dump into a temporary index, then yield one item per resolved question."""
        with tempfile.TemporaryDirectory(prefix="kehila-se-") as tmp:
            db = sqlite3.connect(Path(tmp) / "index.sqlite", isolation_level=None)
            try:
                _create_schema(db)
                latest = yield from self._scan_posts(db)
                self._scan_users(db)
                dump_date = self.dump_date or latest or self.context.now
                yield from self._join(db, dump_date)
            finally:
                db.close()

    def _scan_posts(self, db: sqlite3.Connection) -> Iterator[Skipped]:
        """Index qualifying questions and all answers; returns the newest date seen."""
        latest = ""
        batches: dict[str, list[tuple[Any, ...]]] = {"questions": [], "answers": []}
        db.execute("BEGIN")
        skipped = 0
        for row in self._rows(self.posts_path):
            created = row.get("CreationDate") or ""
            latest = max(latest, created)
            try:
                table, values = self._index_row(row)
            except ValueError as exc:
                raise HarvestError(
                    self.name, f"{self.posts_path}: line {row.sourceline}: bad row: {exc}"
                ) from None
            if isinstance(values, Skipped):
                skipped += 1
                yield values
            elif table:
                batch = batches[table]
                batch.append(values)
                if len(batch) >= 2000:
                    _insert(db, table, batch)
        for table, batch in batches.items():
            _insert(db, table, batch)
        # Indexing after the bulk insert is much faster than keeping the index up to date.
        db.execute("CREATE INDEX answers_parent ON answers (parent, score DESC, id)")
        db.execute("COMMIT")
        if self.context.progress is not None:
            # Now the number of records is known: the skips so far and one per indexed question.
            (indexed,) = db.execute("SELECT count(*) FROM questions").fetchone()
            self.context.progress(advance=0, total=skipped + indexed)
        return parse_date(latest) if latest else None

    def _index_row(self, row: Any) -> tuple[str | None, Any]:
        """What a ``Posts.xml`` row becomes: a table and its values, a skip, or nothing."""
        get = row.get
        kind = get("PostTypeId")
        if kind == _ANSWER:
            return "answers", (
                int(get("Id")), int(get("ParentId") or 0), get("CreationDate") or "",
                int(get("Score") or 0), get("Body") or "", _int(get("OwnerUserId")),
                get("OwnerDisplayName"), get("ContentLicense"),
            )  # fmt: skip
        if kind != _QUESTION:
            # Tag wikis, moderator nominations and the like are not Q&A.
            return None, None
        skip = self._skip_reason(row)
        if skip:
            return None, Skipped(ref=f"question {get('Id')}", reason=skip)
        return "questions", (
            int(get("Id")), int(get("AcceptedAnswerId")), get("CreationDate") or "",
            int(get("Score") or 0), get("Title") or "", get("Body") or "",
            _int(get("OwnerUserId")), get("OwnerDisplayName"), get("Tags"),
            get("ContentLicense"),
        )  # fmt: skip

    def _skip_reason(self, row: Any) -> str | None:
        if not row.get("AcceptedAnswerId"):
            return "no accepted answer"
        if self.min_score is not None and int(row.get("Score") or 0) < self.min_score:
            return f"score below min_score {self.min_score}"
        if self.tags and not self.tags.intersection(parse_tags(row.get("Tags"))):
            return f"none of the tags {', '.join(sorted(self.tags))}"
        return None

    def _scan_users(self, db: sqlite3.Connection) -> None:
        """Keep the display names of the users who wrote an indexed post."""
        if not self.users_path.is_file():
            log.info("%s: no Users.xml, authors are named from the posts only", self.folder)
            return
        db.execute("BEGIN")
        db.execute(
            "CREATE TEMP TABLE wanted AS SELECT owner FROM questions WHERE owner IS NOT NULL "
            "UNION SELECT owner FROM answers WHERE owner IS NOT NULL"
        )
        db.execute("CREATE UNIQUE INDEX temp.wanted_owner ON wanted (owner)")
        wanted = db.cursor()
        batch: list[tuple[Any, ...]] = []
        for row in self._rows(self.users_path):
            user_id = _int(row.get("Id"))
            if user_id is None:
                continue
            # One indexed lookup per user keeps memory flat even with millions of users.
            if wanted.execute("SELECT 1 FROM wanted WHERE owner = ?", (user_id,)).fetchone():
                batch.append((user_id, row.get("DisplayName") or ""))
                if len(batch) >= 2000:
                    _insert(db, "users", batch)
        _insert(db, "users", batch)
        db.execute("COMMIT")

    def _join(self, db: sqlite3.Connection, dump_date: dt.datetime) -> Iterator[Item | Skipped]:
        """Read qualifying questions in id order and attach their answers."""
        questions = db.execute(
            "SELECT q.id, q.accepted, q.created, q.score, q.title, q.body, q.owner, q.owner_name, "
            "q.tags, q.license, u.name FROM questions q LEFT JOIN users u ON u.id = q.owner "
            "ORDER BY q.id"
        )
        answers = db.cursor()
        for q in questions:
            qid = q[0]
            rows = answers.execute(
                "SELECT a.id, a.created, a.score, a.body, a.owner, a.owner_name, a.license, u.name "
                "FROM answers a LEFT JOIN users u ON u.id = a.owner WHERE a.parent = ? "
                "ORDER BY (a.id = ?) DESC, a.score DESC, a.id",
                (qid, q[1]),
            ).fetchmany(self.max_answers + 1)
            if not rows or rows[0][0] != q[1]:
                yield Skipped(
                    ref=f"question {qid}",
                    reason=f"accepted answer {q[1]} is not in {self.posts_path.name}",
                )
                continue
            try:
                yield self._item(q, rows, dump_date)
            except ValueError as exc:
                yield Skipped(ref=f"question {qid}", reason=str(exc))

    # -- building items --------------------------------------------------------------------------

    def _item(
        self, q: tuple[Any, ...], rows: list[tuple[Any, ...]], dump_date: dt.datetime
    ) -> Item:
        qid, _accepted, created, score, title, body, owner, owner_name, tags, lic, user = q
        url = f"https://{self.site}/questions/{qid}"
        license_ = license_for(lic, dump_date)
        answers = []
        extra: dict[str, Any] = {"score": score}
        for index, row in enumerate(rows):
            aid, a_created, a_score, a_body, a_owner, a_owner_name, a_lic, a_user = row
            # CC BY-SA versions differ per post: an answer keeps its own when it differs.
            a_license = license_for(a_lic, dump_date)
            answers.append(
                Answer(
                    body=sanitize_html(a_body, base_url=url, mask=self.mask),
                    author=self._person(a_owner, a_user, a_owner_name),
                    url=f"https://{self.site}/a/{aid}",
                    date=parse_date(a_created),
                    accepted=index == 0,
                    score=a_score,
                    license=a_license if a_license != license_ else None,
                )
            )
        item = Item(
            id=f"stackexchange:{self.site}:{qid}",
            kind="qa",
            status="pending",
            title=plain(title, mask=self.mask) or f"Question {qid}",
            date=parse_date(created),
            language=self.language,
            tags=parse_tags(tags),
            body=sanitize_html(body, base_url=url, mask=self.mask),
            author=self._person(owner, user, owner_name),
            license=license_,
            answers=answers,
            source=provenance(self, url, extra),
        )
        item.validate()
        return item

    def _person(self, user_id: int | None, name: str | None, fallback: str | None) -> Person:
        """The author as CC BY-SA attribution wants it: display name linked to the profile."""
        if user_id is not None and user_id > 0:
            return Person(name=name or fallback or f"user{user_id}",
                          url=f"https://{self.site}/users/{user_id}")  # fmt: skip
        # Deleted accounts keep only OwnerDisplayName; the Community user (-1) has no profile.
        return Person(name=fallback or name or "anonymous")

    # -- XML -------------------------------------------------------------------------------------

    def _rows(self, path: Path) -> Iterator[Any]:
        """Every ``<row>`` of a dump file, cleared after use; malformed XML names file and line."""
        _refuse_entities(self.name, path)
        parser = etree.iterparse(
            str(path),
            events=("end",),
            tag="row",
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
        )
        try:
            for _event, row in parser:
                yield row
                # Free the row and everything before it: the tree never grows.
                row.clear(keep_tail=False)
                parent = row.getparent()
                if parent is not None:
                    while row.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            line, column = exc.position if exc.position else (exc.lineno, 0)
            raise HarvestError(
                self.name, f"{path}: line {line}, column {column}: malformed XML: {exc.msg}"
            ) from None
        except OSError as exc:
            raise HarvestError(self.name, f"{path}: cannot read: {exc}") from None


#: How much of a file's head may come before its root element (XML declaration, DOCTYPE).
_PROLOG_LIMIT = 1 << 20


def _refuse_entities(source: str, path: Path) -> None:
    """Refuse a dump whose DOCTYPE declares entities (the door for external entities).

    A plain ``<!DOCTYPE posts>`` (or one naming an external DTD), as mirrors and older tools
    write, is harmless: the parser loads no DTD and fetches nothing. Declarations come before the
    root element, so only the prolog is read.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
            while re.search(rb"<[A-Za-z_]", head) is None and len(head) < _PROLOG_LIMIT:
                more = handle.read(65536)
                if not more:
                    break
                head += more
    except OSError as exc:
        raise HarvestError(source, f"{path}: cannot read: {exc}") from None
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: root.start()] if root else head
    marker = prolog.find(b"<!ENTITY")
    if marker != -1:
        line = prolog.count(b"\n", 0, marker) + 1
        raise HarvestError(
            source,
            f"{path}: line {line}: the file's DOCTYPE declares entities, which Stack Exchange "
            "dumps never do and which are never loaded here (they are how XML smuggles in other "
            "files); the file is refused. If it is a genuine dump, delete the <!DOCTYPE ...> "
            "declaration from the top of the file (or take the file from the original archive) "
            "and harvest again",
        )


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA temp_store = FILE")
    db.execute(
        "CREATE TABLE questions (id INTEGER PRIMARY KEY, accepted INTEGER, created TEXT, "
        "score INTEGER, title TEXT, body TEXT, owner INTEGER, owner_name TEXT, tags TEXT, "
        "license TEXT)"
    )
    db.execute(
        "CREATE TABLE answers (id INTEGER PRIMARY KEY, parent INTEGER, created TEXT, "
        "score INTEGER, body TEXT, owner INTEGER, owner_name TEXT, license TEXT)"
    )
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")


def _insert(db: sqlite3.Connection, table: str, batch: list[tuple[Any, ...]]) -> None:
    """Write a batch of rows and empty it (a later row with the same id replaces an earlier one)."""
    if batch:
        marks = ",".join("?" * len(batch[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", batch)
        batch.clear()


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None
