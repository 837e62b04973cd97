"""Validation: the checks of a value and their wording, for the content model and the harvest
options alike, and :class:`ItemError`.

The ``*_problem`` functions say why a value is not what a field or an option expects (``None`` when
it is), in one wording: ``expected one of story, qa, got 'storry' (did you mean 'story'?)``. The
content model reads item fields with :class:`Validator` (an :class:`ItemError` naming the file, the
line and the field), the harvest reads each source's options with
:class:`kehila.harvest.harvest_config.Options` (a ``ConfigError`` naming the source and the
option): both ask these functions, so a tag, a number or a choice is checked and explained the
same way. :func:`read_front_matter` reports a file whose front matter cannot be read.
"""

from __future__ import annotations

import difflib
import re
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


class Validator:
    """Reads fields from front matter, raising :class:`ItemError` with the checks' wording."""

    def __init__(self, meta: Mapping[str, Any], path: str, prefix: str = "") -> None:
        self.meta = meta
        self.path = path
        self.prefix = prefix

    def _error(self, name: str, problem: str) -> ItemError:
        return ItemError(self.path, problem, field=self.prefix + name)

    def _get(self, name: str, required: bool) -> Any:
        value = self.meta.get(name)
        if value is None and required:
            raise self._error(name, "required field is missing")
        return value

    def string(self, name: str, *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        if problem := text_problem(value, empty=not required):
            raise self._error(name, problem)
        return value

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        if problem := choice_problem(value, choices):
            raise self._error(name, problem)
        return value

    def date(self, name: str, *, required: bool = True) -> Any:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            return read_date(value)
        except ValueError as exc:
            raise self._error(name, str(exc)) from None

    def language(self, name: str) -> str:
        value = self.string(name)
        if problem := language_problem(value):
            raise self._error(name, problem)
        return value

    def string_list(self, name: str) -> list[str]:
        value = self._get(name, True)
        if problem := text_list_problem(value):
            raise self._error(name, problem)
        return list(value)

    def boolean(self, name: str) -> bool:
        value = self._get(name, False)
        if value is None:
            return False
        if problem := boolean_problem(value):
            raise self._error(name, problem)
        return value

    def integer(self, name: str) -> int | None:
        value = self._get(name, False)
        if value is None:
            return None
        if problem := whole_number_problem(value):
            raise self._error(name, problem)
        return value

    def _mapping(
        self, name: str, shorthand: Callable[[str], dict[str, Any]] | None = None
    ) -> Self | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, str) and shorthand is not None:
            value = shorthand(value)
        if problem := mapping_problem(value):
            raise self._error(name, problem)
        return type(self)(value, self.path, f"{self.prefix}{name}.")
