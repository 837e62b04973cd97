"""The ``kehila`` command: harvest, capture and curate the items of a hub.

Each group of sub-commands lives beside the code it drives and is registered here.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kehila")
def main() -> None:
    """Kehila: turn a community's best moments into a public hub.

    Harvest stories and answered questions into content/, review them, then build the site
    with `mkdocs build`.
    """


# The editor's desk: kehila review, kehila stats, kehila check.
from .desk.desk_commands import register as _register_desk  # noqa: E402

_register_desk(main)


# The newsletter: kehila newsletter email, draft, send.
from .newsletter.newsletter_commands import register as _register_newsletter  # noqa: E402

_register_newsletter(main)


# Sub-commands that live beside the code they drive (imported last: they do not import `main`).
from kehila.harvest.harvest_commands import add, harvest  # noqa: E402

main.add_command(harvest)
main.add_command(add)
