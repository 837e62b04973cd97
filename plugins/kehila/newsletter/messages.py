"""Every word the newsletter's emails and drafts show readers, in one place.

They are messages of the hub's gettext catalog (:mod:`kehila.i18n`): marked here with
:func:`N_`, translated where they are shown with :func:`gettext` in the site's language.
"""

from __future__ import annotations

from ..i18n import N_, direction, gettext

__all__ = ["direction", "gettext"]

VIEW_IN_BROWSER = N_("View this email in your browser")
READ_ONLINE = N_("Read this issue on the web")
ARCHIVE = N_("All issues")
SUBSCRIBE = N_("Subscribe to the newsletter")
UNSUBSCRIBE = N_("Unsubscribe")
WHY = N_("You receive this email because you subscribed to the %(site)s newsletter.")
ISSUE_NUMBER = N_("Issue %(number)s")
LINKS = N_("Links")
IMAGE = N_("Image")
# The draft composed from the community's best.
DRAFT_TITLE = N_("%(site)s: news from the community, %(date)s")
DRAFT_SUMMARY = N_("Stories: %(stories)s. Answered questions: %(answers)s.")
DRAFT_INTRO = N_("Here is what the community shared since the last issue.")
DRAFT_STORIES = N_("Stories")
DRAFT_ANSWERS = N_("Answered questions")
DISCLOSURE = N_("Disclosure")
