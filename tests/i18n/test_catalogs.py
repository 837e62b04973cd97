"""Kehila's gettext catalogs: complete for every language, compiled, and in step with the code.

The messages the code uses are extracted afresh from the sources (with the project's babel.cfg,
as ``make catalogs`` does), so a message added to a template or to Python without a translation
fails here, naming the language and the message.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from kehila import i18n

from ..conftest import ROOT

LOCALE = ROOT / "plugins" / "kehila" / "locale"
LANGUAGES = ["ar", "en", "he", "ru"]
#: Plural forms each language must have (gettext's nplurals): Russian three, Arabic six.
NPLURALS = {"en": 2, "he": 3, "ru": 3, "ar": 6}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.cache
def used_messages() -> dict[str, tuple[str, ...]]:
    """Every message the code and templates use: msgid -> (msgid, msgid_plural)."""
    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open(encoding="utf-8"))
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "NP_": (1, 2)},
    )
    messages = {}
    for _file, _line, message, _comments, _context in found:
        forms = message if isinstance(message, tuple) else (message,)
        messages[forms[0]] = forms
    return messages


def load_po(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def test_the_code_uses_messages() -> None:
    messages = used_messages()
    # A sample from templates, Python and the search box: extraction sees all three.
    for msgid in (
        "Accepted answer",
        "Works for us",
        "All languages",
        "Originally posted on %(site)s, %(date)s",
    ):
        assert msgid in messages
    assert messages["%(votes)s vote"] == ("%(votes)s vote", "%(votes)s votes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_message_the_code_uses(language: str) -> None:
    catalog = load_po(language)
    problems = []
    for msgid, forms in used_messages().items():
        message = catalog.get(forms if len(forms) > 1 else msgid)
        if message is None or message.fuzzy:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if len(forms) > 1 and len(strings) != NPLURALS[language]:
            problems.append(
                f"{len(strings)} plural forms instead of {NPLURALS[language]}: {msgid!r}"
            )
        if not all(s.strip() for s in strings):
            problems.append(f"empty translation: {msgid!r}")
        wanted = set(PLACEHOLDER.findall(" ".join(forms)))
        for text in strings:
            # A translation may leave the number out ("one result"), never add or rename a name.
            extra = set(PLACEHOLDER.findall(text)) - wanted
            if extra:
                problems.append(f"unknown placeholder {extra} in {text!r}")
    assert not problems, f"{language}/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_of_the_language(language: str) -> None:
    assert load_po(language).num_plurals == NPLURALS[language]


def test_template_lists_exactly_the_messages_the_code_uses() -> None:
    with (LOCALE / "messages.pot").open("rb") as fp:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}
    assert template == set(used_messages()), "run `make catalogs`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_po_file(language: str) -> None:
    """The shipped .mo files are what `make catalogs` compiles from the .po files."""
    mo_path = LOCALE / language / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("rb") as fp:
        compiled = _messages(read_mo(fp))
    assert compiled == _messages(load_po(language)), (
        f"{mo_path.relative_to(ROOT)} is out of date: run `make catalogs`"
    )


def _messages(catalog) -> dict[object, object]:
    def plain(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string) for m in catalog if m.id and not m.fuzzy}


def test_every_language_with_a_catalog_is_tested() -> None:
    assert i18n.languages() == LANGUAGES


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("ru", {1: "1 голос", 2: "2 голоса", 5: "5 голосов", 21: "21 голос", 111: "111 голосов"}),
        ("he", {1: "הצבעה אחת", 2: "שתי הצבעות", 7: "7 הצבעות"}),
        (
            "ar",
            {0: "لا أصوات", 1: "صوت واحد", 2: "صوتان", 3: "3 أصوات", 11: "11 صوتًا", 100: "100 صوت"},
        ),
        ("en", {1: "1 vote", 2: "2 votes", 1234: "1,234 votes"}),
    ],
)
def test_plural_forms_follow_the_language(language: str, counts: dict[int, str]) -> None:
    for n, text in counts.items():
        assert (
            i18n.ngettext(
                language,
                "%(votes)s vote",
                "%(votes)s votes",
                n,
                votes=i18n.format_number(n, language),
            )
            == text
        )


def test_unknown_language_falls_back_to_english_and_regional_tags_to_their_language() -> None:
    assert i18n.gettext("xx", "Success stories") == "Success stories"
    assert i18n.gettext("ru-RU", "Success stories") == "Истории успеха"
    assert i18n.gettext("he_IL", "Success stories") == "סיפורי הצלחה"


def test_search_box_plural_forms_per_category() -> None:
    from kehila.search.client import client_settings

    ru = client_settings("ru")["strings"]["results"]
    assert ru == {
        "one": "{count} результат",
        "few": "{count} результата",
        "many": "{count} результатов",
        "other": "{count} результатов",
    }
    assert client_settings("ar")["strings"]["results"]["two"] == "نتيجتان"
    assert client_settings("en")["strings"]["placeholder"] == "Search"


def test_catalog_digest_changes_with_any_translation(tmp_path: Path, monkeypatch) -> None:
    before = i18n.catalog_digest()
    assert before == i18n.catalog_digest()
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    monkeypatch.setattr(i18n, "LOCALE_DIR", copy)
    assert i18n.catalog_digest() == before
    mo = copy / "he" / "LC_MESSAGES" / "messages.mo"
    mo.write_bytes(mo.read_bytes().replace("סיפורי".encode(), "ספורי".encode()))
    assert i18n.catalog_digest() != before


def test_po_files_parse_without_fuzzy_or_obsolete_entries() -> None:
    for language in LANGUAGES:
        catalog = load_po(language)
        assert not catalog.obsolete, language
        assert not [m.id for m in catalog if m.id and m.fuzzy], language
