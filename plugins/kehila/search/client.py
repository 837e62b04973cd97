"""The search box's script as the site gets it: the site's language and the box's words in it.

search.js holds no English: every word it shows comes from Kehila's catalog (``kehila.i18n``) in
the site's language, written into the script by the build in place of its ``SITE`` line, with
one text per plural category for the counts (the browser picks it with ``Intl.PluralRules``).
"""

from __future__ import annotations

import json
from importlib import resources

from ..i18n import N_, NP_, RTL_LANGUAGES, gettext, plural_forms

#: The search box's words (catalog messages).
MESSAGES = {
    "placeholder": N_("Search"),
    "reset": N_("Clear"),
    "start": N_("Type to start searching"),
    "none": N_("No matching results"),
    "language": N_("Language"),
    "kind": N_("Kind"),
    "tag": N_("Tag"),
    "all_languages": N_("All languages"),
    "all_kinds": N_("All kinds"),
    "all_tags": N_("All tags"),
    "unavailable": N_("Search is unavailable right now. Please try again later."),
}
#: The search box's plural messages: one text per plural category of the site's language.
PLURAL_MESSAGES = {
    "results": NP_("%(count)s matching result", "%(count)s matching results"),
    "more": NP_("Show %(count)s more result", "Show %(count)s more results"),
}
#: The line of search.js that the build replaces with the site's language and words.
SITE_LINE = 'const SITE = {"locale": "en", "rtl": [], "strings": {}}; // kehila:site'


def client_settings(language: str) -> dict[str, object]:
    """What search.js needs of the site: its language, the right-to-left languages, its words."""
    strings: dict[str, object] = {key: gettext(language, msg) for key, msg in MESSAGES.items()}
    for key, (singular, plural) in PLURAL_MESSAGES.items():
        strings[key] = plural_forms(language, singular, plural)
    return {"locale": language, "rtl": sorted(RTL_LANGUAGES), "strings": strings}


def client_script(language: str) -> str:
    """search.js with the site's language and words in it."""
    script = (resources.files(__package__) / "assets" / "search.js").read_text(encoding="utf-8")
    if SITE_LINE not in script:
        raise RuntimeError("search.js has lost the line that receives the site's settings")
    settings = json.dumps(client_settings(language), ensure_ascii=False, sort_keys=True)
    return script.replace(SITE_LINE, f"const SITE = {settings}; // kehila:site", 1)
