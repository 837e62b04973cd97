"""Validation: the checks of a value and their wording, for the content model and the harvest
options alike, and :class:`ItemError`.

The ``*_problem`` functions say why a value is not what a field or an option expects (``None`` when
it is), in one wording: ``expected one of story, qa, got 'storry' (did you mean 'story'?)``.
:class:`Reader` reads named values with them, and is the one reader of the content model's fields
(``kehila.model.ItemValidator``: an :class:`ItemError` naming the file, the line and the field),
of each harvest source's options (``kehila.harvest.harvest_config.Options``: a ``ConfigError``
naming the source and the option) and of the ``newsletter:`` block, so that a tag, a URL, a
number or a choice is checked and explained the same way everywhere. :func:`slugify` writes a
slug and :func:`is_slug` checks one, for an item's ``slug`` and a harvest source's ``name``.
:func:`read_front_matter` reports a file whose front matter cannot be read.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

import yaml

from .itemfile import parse_front_matter, read_date

#: A BCP 47 language tag (RFC 5646) as Kehila accepts one: ``en``, ``he``, ``pt-BR``, ``zh-Hant``.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class ItemError(ValueError):
    """An item that does not follow the content model.

    The message has the form ``<path>:<line>: field '<name>': <problem>`` (without ``:<line>``
    when the field is missing, or when the error was found in data rather than in a file's text,
    and ``<path>: <problem>`` for problems of the whole file), so that a user can go straight to
    the line to fix.
    """

    def __init__(
        self, path: str, problem: str, *, field: str | None = None, line: int | None = None
    ) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {self.detail}")

    @property
    def detail(self) -> str:
        """The message without the file and line: ``field '<name>': <problem>``."""
        return f"field '{self.field}': {self.problem}" if self.field else self.problem

    def located(self, text: str) -> ItemError:
        """This error with the line of its field in ``text``, the file it was found in."""
        if self.field is None or self.line is not None:
            return self
        line = _field_line(text, self.field)
        if line is None:
            return self
        return ItemError(self.path, self.problem, field=self.field, line=line)


def _field_line(text: str, name: str) -> int | None:
    """The line (from 1) of the front matter field ``name`` (``consent.method``, ``answers[0]``).

    The top-level key's line, or its sub-key's when one is named and written on a line of its own.
    """
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None
    top = re.split(r"[.\[]", name, maxsplit=1)[0]
    sub = re.fullmatch(r"[^.\[]+\.([^.\[]+)", name)
    found = None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() == "---":
            break
        if found is None:
            if re.match(rf"{re.escape(top)}\s*:", line):
                found = number
                if sub is None:
                    return found
        elif line[:1] not in (" ", "\t", "-", ""):
            break  # the next top-level key: the sub-key is not on a line of its own
        elif sub is not None and re.match(rf"\s+{re.escape(sub.group(1))}\s*:", line):
            return number
    return found


def read_front_matter(text: str, *, path: str) -> tuple[dict[str, Any], str]:
    """:func:`parse_front_matter`, with problems reported as :class:`ItemError` for ``path``."""
    try:
        return parse_front_matter(text)
    except yaml.YAMLError as exc:
        raise ItemError(path, f"front matter is not valid YAML: {_yaml_problem(exc)}") from None
    except (ValueError, TypeError) as exc:
        raise ItemError(path, f"front matter could not be read: {exc}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # The block handed to YAML starts right after the opening '---', so its line 0 is the
    # file's line 1: marks count from 0, file lines from 1.
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return problem
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    if context is not None and context.line != mark.line:
        what = getattr(exc, "context", None) or "it"
        where += f"; {what.removeprefix('while ')} started at line {context.line + 1}"
    return f"{problem} ({where})"


def describe(value: Any) -> str:
    """How a wrong value is shown in an error: its repr, and its type when that is the problem."""
    return f"{value!r} ({_type_name(value)})"


def _type_name(value: Any) -> str:
    return {
        str: "text",
        int: "number",
        float: "number",
        bool: "true/false",
        list: "list",
        dict: "mapping",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to a misspelt ``value``, or ``""``."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def text_problem(value: Any, *, empty: bool = False) -> str | None:
    """Why ``value`` is not text (or is blank, unless ``empty`` allows it)."""
    if not isinstance(value, str):
        return f"expected text, got {describe(value)}"
    if not empty and not value.strip():
        return "expected text, got an empty value"
    return None


def choice_problem(value: Any, choices: Iterable[str]) -> str | None:
    """Why ``value`` is not one of ``choices``."""
    allowed = list(choices)
    if value in allowed:
        return None
    return f"expected one of {', '.join(allowed)}, got {value!r}{did_you_mean(value, allowed)}"


def language_problem(value: str) -> str | None:
    """Why the text ``value`` is not a language tag (:data:`LANGUAGE_TAG`)."""
    if LANGUAGE_TAG.match(value):
        return None
    return f"expected a BCP 47 language tag such as en or he, got {value!r}"


def slugify(text: str, max_length: int = 60) -> str:
    """A URL slug that keeps letters of every script (Hebrew and Russian titles stay readable)."""
    text = unicodedata.normalize("NFKC", text).lower()
    # Drop combining marks (Hebrew niqqud, accents) but keep base letters of any script.
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = unicodedata.normalize("NFC", text)
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    slug = re.sub(r"[-_]{2,}", "-", slug)
    return slug[:max_length].rstrip("-_")


def is_slug(value: str) -> bool:
    """Whether the text ``value`` is a slug as :func:`slugify` writes one: an item's ``slug``, a
    harvest source's ``name``."""
    return bool(value) and slugify(value) == value


def slug_problem(value: str) -> str | None:
    """Why the text ``value`` is not a slug (:func:`is_slug`)."""
    if is_slug(value):
        return None
    return f"expected lower-case letters, digits and dashes, got {value!r}"


def url_problem(value: str, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """Why the text ``value`` is not an absolute URL of one of ``schemes``."""
    pattern = "|".join(re.escape(scheme) for scheme in schemes)
    if re.match(rf"(?i)({pattern})://[^\s/?#]+", value):
        return None
    return f"expected an {' or '.join(s + '://' for s in schemes)} URL, got {value!r}"


def text_list_problem(value: Any) -> str | None:
    """Why ``value`` is not a list of non-blank texts."""
    if not isinstance(value, list):
        return f"expected a list of text, got {describe(value)}"
    for entry in value:
        if not isinstance(entry, str) or not entry.strip():
            return f"expected a list of text, got an entry {describe(entry)}"
    return None


def boolean_problem(value: Any) -> str | None:
    """Why ``value`` is not true or false."""
    return None if isinstance(value, bool) else f"expected true or false, got {describe(value)}"


def whole_number_problem(value: Any, minimum: int | None = None) -> str | None:
    """Why ``value`` is not a whole number (of at least ``minimum``)."""
    number = isinstance(value, int) and not isinstance(value, bool)
    if number and (minimum is None or value >= minimum):
        return None
    least = f" of at least {minimum}" if minimum is not None else ""
    return f"expected a whole number{least}, got {describe(value)}"


def mapping_problem(value: Any) -> str | None:
    """Why ``value`` is not a mapping."""
    return None if isinstance(value, Mapping) else f"expected a mapping, got {describe(value)}"


#: The ``default`` of a :class:`Reader` getter for a value that must be given.
REQUIRED: Any = object()


class Reader:
    """Reads named values from a mapping with the checks above: one way to read an item's fields,
    a harvest source's options and the newsletter block.

    Each getter takes the value's name and its ``default`` (:data:`REQUIRED` when it must be
    given): an absent value gives the default unchecked, a given one is checked and refused with
    :meth:`error`. Subclasses say which error that is (an :class:`ItemError` naming the file and
    the field, a harvest ``ConfigError`` naming the source and the option...).
    """

    missing = "required field is missing"
    """What a required value that is absent is told."""
    least: int | None = None
    """The smallest number :meth:`integer` accepts when the call names no ``minimum``."""
    text_is_list = False
    """Whether :meth:`string_list` reads a single text as a list of one."""
    null_is_absent = True
    """Whether a value written as null (``key:`` alone) counts as absent, or is checked."""

    def __init__(self, where: str, values: Mapping[str, Any], prefix: str = "") -> None:
        self.where = where
        """What the values belong to: the item's file, the source's name..."""
        self.values = values
        self.prefix = prefix
        """Put before every name in errors: ``consent.`` for the fields of ``consent:``."""
        self.read: set[str] = set()
        """The names asked for so far (see :meth:`finish`)."""

    def error(self, name: str, problem: str) -> Exception:
        """The error for value ``name`` (after :attr:`prefix`) and its ``problem``."""
        raise NotImplementedError

    def check(self, name: str, value: Any, problem: Callable[[Any], str | None]) -> Any:
        """``value``, or the :meth:`error` for ``name`` when ``problem(value)`` finds one."""
        if found := problem(value):
            raise self.error(name, found)
        return value

    def has(self, name: str) -> bool:
        """Whether the value is given (and not null)."""
        return self.values.get(name) is not None

    def _get(self, name: str, default: Any) -> Any:
        self.read.add(name)
        value = self.values.get(name)
        if value is None:
            if default is REQUIRED:
                raise self.error(name, self.missing)
            if self.null_is_absent or name not in self.values:
                return default
        return value

    def _checked(self, name: str, default: Any, problem: Callable[[Any], str | None]) -> Any:
        """The value of ``name`` checked with ``problem``, or ``default`` (unchecked)."""
        value = self._get(name, default)
        return value if value is default else self.check(name, value, problem)

    def _text(
        self,
        name: str,
        default: Any,
        problem: Callable[[str], str | None] | None = None,
        *,
        empty: bool = False,
    ) -> Any:
        def text_then(value: Any) -> str | None:
            return text_problem(value, empty=empty) or (problem(value) if problem else None)

        return self._checked(name, default, text_then)

    def string(self, name: str, default: Any = REQUIRED, *, empty: bool = False) -> Any:
        """Text, not blank unless ``empty`` allows it."""
        return self._text(name, default, empty=empty)

    def url(
        self, name: str, default: Any = REQUIRED, *, schemes: tuple[str, ...] = ("http", "https")
    ) -> Any:
        """An absolute URL of one of ``schemes``."""
        return self._text(name, default, lambda v: url_problem(v, schemes))

    def language(self, name: str, default: Any = REQUIRED) -> Any:
        """A BCP 47 language tag such as ``en`` or ``he``."""
        return self._text(name, default, language_problem)

    def choice(self, name: str, choices: Iterable[str], default: Any = REQUIRED) -> Any:
        """One of ``choices``."""
        allowed = list(choices)
        return self._checked(name, default, lambda v: choice_problem(v, allowed))

    def boolean(self, name: str, default: Any = REQUIRED) -> Any:
        """``true`` or ``false``."""
        return self._checked(name, default, boolean_problem)

    def integer(self, name: str, default: Any = REQUIRED, *, minimum: int | None = None) -> Any:
        """A whole number of at least ``minimum`` (by default :attr:`least`)."""
        least = self.least if minimum is None else minimum
        return self._checked(name, default, lambda v: whole_number_problem(v, least))

    def string_list(self, name: str, default: Any = REQUIRED) -> Any:
        """A list of non-blank texts (a single text too, when :attr:`text_is_list`)."""
        value = self._get(name, default)
        if value is default:
            return value
        if self.text_is_list and isinstance(value, str):
            value = [value]
        return list(self.check(name, value, text_list_problem))

    def date(self, name: str, default: Any = REQUIRED) -> Any:
        """A date or a date and time, as :func:`~kehila.itemfile.read_date` reads them."""
        value = self._get(name, default)
        if value is default:
            return value
        try:
            return read_date(value)
        except ValueError as exc:
            raise self.error(name, str(exc)) from None

    def section(
        self, name: str, shorthand: Callable[[str], dict[str, Any]] | None = None
    ) -> Self | None:
        """A reader of the mapping ``name`` (``None`` when absent); ``shorthand`` turns a text
        given in its place into the mapping (``author: Dana`` for ``author: {name: Dana}``)."""
        value = self._get(name, None)
        if value is None:
            return None
        if isinstance(value, str) and shorthand is not None:
            value = shorthand(value)
        self.check(name, value, mapping_problem)
        return type(self)(self.where, value, f"{self.prefix}{name}.")

    def finish(self) -> None:
        """Refuse the first value that no getter asked for (unknown or misspelt)."""
        unknown = sorted(set(self.values) - self.read)
        if unknown:
            name = unknown[0]
            known = sorted(self.read)
            hint = did_you_mean(name, known)
            raise self.error(name, f"unknown option{hint}; known: {', '.join(known)}")
