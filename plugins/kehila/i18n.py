"""Kehila's words in the site's language: gettext catalogs (Babel), numbers, dates, direction.

Every word Kehila writes for visitors (page titles and headings, labels and badges, the pager,
the provenance line, feed titles, the search box's filters and counts) is a message of one
gettext catalog, ``locale/messages.pot``. Each language has ``locale/<lang>/LC_MESSAGES/
messages.po`` and its compiled ``messages.mo``, shipped in the package, so that an installed
Kehila needs no step by hand. Templates use Jinja's ``{% trans %}`` and ``_()``; Python code marks
its messages with :func:`N_` and translates them with :func:`gettext` and :func:`ngettext` for
the site's language. Command-line tools stay English.

To update the catalogs after changing a message (see the README's "Languages" section)::

    make catalogs

Nothing here imports MkDocs.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import babel
import babel.numbers
from babel.support import NullTranslations, Translations

#: Languages written right to left (BCP 47 primary subtags).
RTL_LANGUAGES = frozenset({"ar", "ckb", "dv", "fa", "he", "iw", "ps", "sd", "ug", "ur", "yi"})

#: Where the catalogs live: ``<lang>/LC_MESSAGES/messages.po`` and ``.mo``, and the template.
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (translated where it is shown)."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for the catalog (its forms are chosen where it is shown)."""
    return singular, plural


def direction(language: str) -> str:
    """``rtl`` for languages written right to left, else ``ltr``."""
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def _candidates(language: str) -> list[str]:
    """Catalog names to try for a BCP 47 tag, most specific first (``pt-BR``: pt_BR, pt)."""
    parts = language.replace("_", "-").split("-")
    names = []
    if len(parts) > 1:
        names.append(f"{parts[0].lower()}_{parts[1].upper()}")
    names.append(parts[0].lower())
    return names


@functools.lru_cache(maxsize=32)
def translations(language: str) -> NullTranslations:
    """The catalog of ``language`` (English words, untranslated, for a language without one)."""
    for name in _candidates(language):
        mo = LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.is_file():
            with mo.open("rb") as fp:
                return Translations(fp, domain=DOMAIN)
    return NullTranslations()


def gettext(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(language).gettext(message)
    return text % values if values else text


def ngettext(language: str, singular: str, plural: str, count: int, **values: object) -> str:
    """The form of a message for ``count`` in ``language`` (Russian has three, Arabic six).

    ``%(count)s`` is the number formatted for the language.
    """
    text = translations(language).ngettext(singular, plural, count)
    return text % {"count": format_number(count, language), **values}


def languages() -> list[str]:
    """The languages that have a catalog, e.g. ``['ar', 'en', 'he', 'ru']``."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))


def catalog_digest() -> str:
    """A fingerprint of every compiled catalog: changes whenever any translation changes.

    A build cache keyed on its inputs must include this, or a corrected translation would not
    reach pages built before the correction.
    """
    digest = hashlib.sha256()
    for mo in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        digest.update(mo.parent.parent.name.encode() + b"\0" + mo.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=256)
def locale(language: str) -> babel.Locale:
    """Babel's locale for a BCP 47 tag (English for tags Babel does not know)."""
    for name in _candidates(language):
        try:
            return babel.Locale.parse(name)
        except (ValueError, babel.UnknownLocaleError):
            continue
    return babel.Locale.parse("en")


@functools.lru_cache(maxsize=4096)
def format_number(value: int, language: str) -> str:
    """A whole number as people of ``language`` write it (``1,234``, ``1 234``, ``1.234``)."""
    return babel.numbers.format_decimal(value, locale=locale(language))


def plural_forms(language: str, singular: str, plural: str) -> dict[str, str]:
    """A plural message for the browser: its text for each of the language's CLDR plural
    categories (``one``, ``few``, ``many``, ``other``...), with ``{count}`` for the number.

    The browser picks the category with ``Intl.PluralRules``; each category's text is the
    catalog's form for a number of that category.
    """
    rule = locale(language).plural_form
    forms: dict[str, str] = {}
    for number in range(0, 1000):
        category = rule(number)
        if category not in forms:
            text = translations(language).ngettext(singular, plural, number)
            forms[category] = text.replace("%(count)s", "{count}")
        if len(forms) == len(rule.tags) + 1:
            break
    # Russian's "other" is for fractions only: whole numbers never reach it.
    forms.setdefault("other", translations(language).ngettext(singular, plural, 1000))
    forms["other"] = forms["other"].replace("%(count)s", "{count}")
    return forms
