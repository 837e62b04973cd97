"""``type: csv``: testimonial-form exports (Google Forms, Typeform, Tally...) as CSV or JSON.

A form export is a table whose column headers are the form's questions, so the config maps the
fields Kehila knows to the headers of *this* form::

    - name: spring-survey
      type: csv
      path: exports/spring-survey.csv        # or url: https://...
      columns:
        name: "Your name"
        quote: "What would you tell a friend about Tavla?"
        consent: "May we publish your answer with your name?"
        date: "Timestamp"
        email: "Email address"
      date_format: "%m/%d/%Y %H:%M:%S"       # Google Forms' US timestamps
      without_consent: skip                  # or: pending
      public_url: https://forms.example.org/spring-survey   # optional, see below

Each row becomes a pending story. A row whose consent answer is not affirmative (see
``consent_values``) is never harvested as publishable: it is skipped, or with
``without_consent: pending`` stored without consent and with ``consent_missing`` saying why,
so an editor must obtain consent before publishing. E-mail addresses are read only to be
dropped: the ``email`` column is never written, and addresses and phone numbers inside answers
are masked unless ``mask_contacts: false``.

Where an export comes from is never public: its ``path`` and its download ``url`` (which often
carries a secret token) are written nowhere. An item links to the form's public page only when
``public_url`` names one (or a mapped ``url`` column gives the row's own public link).

A CSV export is read strictly: a quote that never closes fails the source with the line where the
broken row starts (rows are never merged silently). The delimiter is the one (``,``, ``;``, tab
or ``|``) whose header row holds every mapped column, unless ``delimiter`` says. A row's position
in the file is not part of it: its id comes from its ``id`` column, else its timestamp and name
(else its name and answer), so deleting a row changes no other item.

A JSON export is a list of objects (or an object holding the list under ``records``, a dotted
path); a column name with dots reaches into nested objects (``answers.name``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from kehila.model import Consent, Item, Person, Provenance

from ..harvest_config import Options
from ..http import FetchError, NotModified
from ..store import UNDATED
from ..to_markdown import first_sentence, plain_text, text_to_markdown
from .base import HarvestContext, HarvestError, Skipped

log = logging.getLogger("harvest.csv")

#: Fields a column mapping may name.
FIELDS = (
    "id", "name", "title", "quote", "body", "rating", "consent", "date", "email", "url", "tags",
    "language", "role", "company",
)  # fmt: skip

#: Answers that count as consent (compared case-insensitively, trimmed): checkbox marks and
#: "yes"/"I agree" in the languages Kehila ships translations for (English, Hebrew, Russian,
#: Arabic) and the common European ones.
DEFAULT_CONSENT_VALUES = (
    # marks and English
    "yes", "y", "true", "1", "on", "x", "✓", "✔", "checked", "agree", "i agree", "accepted",
    "yes, you may publish it",
    # Hebrew, Russian, Ukrainian, Arabic
    "כן", "מסכים", "מסכימה", "да", "согласен", "согласна", "так", "نعم", "أوافق", "موافق",
    # German, Dutch, Scandinavian, French, Spanish, Catalan, Italian, Portuguese
    "ja", "einverstanden", "akkoord", "oui", "d'accord", "j'accepte", "sí", "si", "acepto",
    "de acuerdo", "sì", "accetto", "sim", "concordo", "aceito",
    # Polish, Czech/Slovak, Hungarian, Romanian, Finnish, Greek, Turkish
    "tak", "zgadzam się", "ano", "súhlasím", "souhlasím", "igen", "da", "kyllä", "ναι", "evet",
)  # fmt: skip

#: Delimiters tried, in order, when ``delimiter`` is not given.
_DELIMITERS = (",", ";", "\t", "|")

#: Formats tried for dates when ``date_format`` is not given (ISO 8601 first).
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d")


class CsvSource:
    """Rows of a form export (see the module documentation for the options)."""

    type: ClassVar[str] = "csv"

    def __init__(self, name: str, options: Mapping[str, Any], context: HarvestContext) -> None:
        opts = Options(name, options)
        self.name = name
        self.context = context
        self.path: Path | None = opts.path("path", context.project_dir, default=None)
        self.url: str | None = opts.url("url", default=None)
        if (self.path is None) == (self.url is None):
            raise opts.error("path", "give exactly one of 'path' (a local export) or 'url'")
        self.public_url: str | None = opts.url("public_url", default=None)
        location = str(self.path or self.url)
        guessed = "json" if location.lower().split("?")[0].endswith(".json") else "csv"
        self.format: str = opts.choice("format", ("csv", "json"), default=guessed)
        self.columns: dict[str, str] = opts.mapping("columns")
        for field in self.columns:
            if field not in FIELDS:
                raise opts.error(
                    f"columns.{field}", f"unknown field; known fields: {', '.join(FIELDS)}"
                )
        if "name" not in self.columns:
            raise opts.error("columns.name", "map the column holding the author's name")
        if "quote" not in self.columns and "body" not in self.columns:
            raise opts.error("columns.quote", "map a 'quote' or a 'body' column")
        self.consent_values = {
            v.strip().casefold()
            for v in opts.string_list("consent_values", default=list(DEFAULT_CONSENT_VALUES))
        }
        self.without_consent: str = opts.choice(
            "without_consent", ("skip", "pending"), default="skip"
        )
        self.date_format: str | None = opts.string("date_format", default=None)
        self.delimiter: str | None = opts.string("delimiter", default=None)
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise opts.error("delimiter", f"expected one character, got {self.delimiter!r}")
        self.encoding: str = opts.string("encoding", default="utf-8-sig")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise opts.error("encoding", f"unknown encoding {self.encoding!r}") from None
        self.records: str | None = opts.string("records", default=None)
        self.language: str = opts.language("language", default="en")
        self.tags: list[str] = opts.string_list("tags", default=[])
        self.mask: bool = opts.boolean("mask_contacts", default=True)
        opts.finish()
        self.notice: str | None = None
        self._empty = ""

    # -- reading ---------------------------------------------------------------------------------

    def items(self) -> Iterator[Item | Skipped]:
        """Read the export and yield one pending story per row (or a skip with the reason)."""
        data = self._read_bytes()
        if data is None:
            self.notice = "not modified since the last harvest (HTTP 304)"
            return
        rows = self._rows(data)
        if self.context.progress is not None:
            self.context.progress(advance=0, total=len(rows))
        if not rows:
            self._warn(f"{self._where()}: the export has no rows{self._empty}")
            return
        missing = sorted({c for c in self.columns.values() if not any(c in r for r in rows)})
        if missing:
            hint = ""
            if self.format == "csv" and self.delimiter is None:
                hint = "; if the file is not separated by commas, set the 'delimiter' option"
            raise HarvestError(
                self.name,
                f"{self._where()}: no column {missing[0]!r} in the export "
                f"(columns: {', '.join(sorted(rows[0]))}){hint}",
            )
        for number, row in enumerate(rows, start=1):
            yield self._item(number, row)

    def _warn(self, message: str) -> None:
        if self.context.warn is not None:
            self.context.warn(message)
        else:
            log.warning("%s: %s", self.name, message)

    def _where(self) -> str:
        return str(self.path) if self.path else str(self.url)

    def _read_bytes(self) -> bytes | None:
        if self.path is not None:
            try:
                return self.path.read_bytes()
            except OSError as exc:
                raise HarvestError(self.name, f"{self.path}: {exc.strerror}") from None
        if self.context.http is None:
            raise HarvestError(self.name, "no HTTP client in the harvest context")
        try:
            response = self.context.http.get(self.url, conditional=True)
        except FetchError as exc:
            raise HarvestError(self.name, str(exc)) from None
        return None if response is NotModified else response.content

    def _rows(self, data: bytes) -> list[dict[str, Any]]:
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise HarvestError(
                self.name,
                f"{self._where()}: not {self.encoding} text ({exc.reason} at byte "
                f"{exc.start}); set the 'encoding' option",
            ) from None
        self._empty = ""
        if self.format == "csv":
            return self._csv_rows(text)
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise HarvestError(self.name, f"{self._where()}: not valid JSON: {exc}") from None
        if self.records:
            for key in self.records.split("."):
                loaded = loaded.get(key) if isinstance(loaded, dict) else None
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            where = f" under '{self.records}'" if self.records else ""
            raise HarvestError(self.name, f"{self._where()}: expected a list of objects{where}")
        return [_flatten(r) for r in loaded]

    def _csv_rows(self, text: str) -> list[dict[str, Any]]:
        """The rows of a CSV export as ``{header: cell}``, read strictly.

        A quote that does not close where a field ends fails the whole source with the line
        where the broken row starts, instead of swallowing the rows after it.
        """
        delimiter = self.delimiter or _guess_delimiter(text, self.columns.values())
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        table: list[list[str]] = []
        start = 1
        try:
            for cells in reader:
                table.append(cells)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise HarvestError(
                self.name,
                f"{self._where()}: line {start}: a quoted field that starts in this row is not "
                f"closed where it should be ({exc}); nothing was read from the file. Close the "
                "quote in the export (or export it again) and harvest again",
            ) from None
        table = [cells for cells in table if any(c.strip() for c in cells)]
        if not table:
            return []
        header, rows = table[0], table[1:]
        if not rows:
            self._empty = " (only a header row)"
        # Cells beyond the header row have no column name: no mapping can name them.
        return [dict(zip(header, cells, strict=False)) for cells in rows]

    # -- one row ---------------------------------------------------------------------------------

    def _value(self, row: Mapping[str, Any], field: str) -> str:
        column = self.columns.get(field)
        value = row.get(column) if column else None
        if value is None:
            return ""
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return str(value).strip()

    def _item(self, number: int, row: Mapping[str, Any]) -> Item | Skipped:
        ref = f"row {number}"
        name = plain_text(self._value(row, "name"), mask=True)
        if not name or name == "[email hidden]":
            return Skipped(ref, f"no name in column {self.columns['name']!r}")
        quote_raw = self._value(row, "quote")
        body_raw = self._value(row, "body")
        if not quote_raw and not body_raw:
            column = self.columns.get("quote") or self.columns.get("body")
            return Skipped(ref, f"empty answer in column {column!r}")
        answer = self._value(row, "consent")
        consented = "consent" in self.columns and answer.casefold() in self.consent_values
        if not consented and self.without_consent == "skip":
            shown = f"answer {answer!r}" if answer else "no answer"
            return Skipped(ref, f"no consent to publish ({shown})")
        date_text = self._value(row, "date")
        extra: dict[str, Any] = {}
        if date_text:
            date = self._parse_date(date_text)
            if date is None:
                expected = self.date_format or "an ISO 8601 date"
                return Skipped(
                    ref, f"date {date_text!r} in column {self.columns['date']!r} is not {expected}"
                )
        else:
            date = self.context.now
            extra[UNDATED] = True
        quote = plain_text(quote_raw, mask=self.mask) if quote_raw else None
        body = text_to_markdown(body_raw or quote_raw, mask=self.mask)
        title = plain_text(self._value(row, "title"), mask=self.mask) or _title_from(
            quote or plain_text(body_raw, mask=self.mask), name
        )
        native_id = self._value(row, "id") or _row_key(date_text, name, quote_raw or body_raw)
        item_extra: dict[str, Any] = {}
        rating = self._value(row, "rating")
        if rating:
            item_extra["rating"] = _number(rating)
        for field in ("role", "company"):
            value = plain_text(self._value(row, field), mask=self.mask)
            if value:
                item_extra[field] = value
        consent = None
        if consented:
            consent = Consent(
                method="form",
                date=date,
                note=f"Answered {answer!r} to {self.columns['consent']!r}",
            )
        else:
            item_extra["consent_missing"] = (
                f"answered {answer!r} to {self.columns['consent']!r}"
                if "consent" in self.columns
                else "the export has no consent column"
            )
        language = self._value(row, "language") or self.language
        url = self._value(row, "url")
        if not url.startswith(("http://", "https://")):
            url = self.public_url or ""
        tags = [t.strip() for t in self._value(row, "tags").split(",") if t.strip()]
        return Item(
            id=f"csv:{self.name}:{native_id}",
            kind="story",
            status="pending",
            title=title,
            date=date,
            language=language,
            tags=list(dict.fromkeys(tags + self.tags)),
            body=body,
            author=Person(name=name),
            quote=quote,
            consent=consent,
            extra=item_extra,
            # Never the export's path or download URL: only a public page, or no link at all.
            source=Provenance(
                name=self.name,
                type=self.type,
                url=url or None,
                harvested=self.context.now,
                extra=extra,
            ),
        )

    def _parse_date(self, text: str) -> dt.datetime | None:
        if self.date_format:
            formats: tuple[str, ...] = (self.date_format,)
        else:
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            formats = _DATE_FORMATS
        for fmt in formats:
            try:
                # Form exports carry local times without an offset: read as UTC just below.
                parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return None


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1, "a": {...}}`` so columns can name nested values."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        full = f"{prefix}{key}"
        flat[full] = value
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
    return flat


def _row_key(date_text: str, name: str, answer: str) -> str:
    """A stable id for a row without an id column, never from its place in the file.

    From its timestamp and name, so that an edited answer does not duplicate the item; a row
    without a timestamp has only its name and answer to go by. The e-mail address is
    deliberately not used, not even hashed.
    """
    key = f"{date_text}\0{name}" if date_text else f"\0{name}\0{answer}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _guess_delimiter(text: str, columns: Any) -> str:
    """The delimiter whose header row holds every mapped column (``,`` when none does)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    wanted = set(columns)
    for delimiter in _DELIMITERS:
        try:
            header = next(csv.reader([first], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if wanted <= {h.strip() for h in header} | set(header):
            return delimiter
    return ","


def _title_from(text: str, name: str) -> str:
    return first_sentence(text) or f"A story from {name}"


def _number(text: str) -> int | float | str:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text
