"""The public hub as a list of pages to generate (engine-neutral: no MkDocs here).

:class:`Hub` takes a :class:`~kehila.content.Catalog` and
:class:`~kehila.hub_options.HubOptions` and returns :class:`~kehila.pages.PageSpec` objects: a
source path, a title and Markdown rendered from the Jinja templates in ``templates/``. The MkDocs
plugin turns them into virtual files; another engine could do the same. Only public items
(published, not private) are ever rendered, except that an editor's preview (``preview_pending``)
adds pending items as draft pages with a visible banner.

The hub is built in layers, one module each: :mod:`kehila.urls` (paths and URLs),
:mod:`kehila.linking` (links in items' texts), :mod:`kehila.views` (the page generators and
their templates); :class:`Hub` puts them together and lists every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .content import Catalog
from .hub_options import HubOptions
from .pages import PageSpec, check_unique
from .urls import KIND_SECTIONS
from .views import HubViews


@dataclass
class Hub(HubViews):
    """The whole hub: its URLs, links and views over one catalog, and the list of its pages."""

    catalog: Catalog
    options: HubOptions = field(default_factory=HubOptions)

    def pages(self, *, preview_pending: bool = False) -> list[PageSpec]:
        """Every page of the hub.

        Raises:
            HubError: two pages would be generated at the same path.
        """
        pages: list[PageSpec] = []
        for kind in KIND_SECTIONS:
            if not self.enabled(kind):
                continue
            public = self.catalog.public(kind)
            for position, item in enumerate(public):
                # Newest first: the previous (older) issue is the next one in the list.
                older = public[position + 1] if position + 1 < len(public) else None
                newer = public[position - 1] if position > 0 else None
                pages.append(self._item_page(item, older=older, newer=newer))
            if preview_pending:
                pages += [self._item_page(item, draft=True) for item in self.catalog.pending(kind)]
            pages += self._index_pages(kind)
        if self.options.stories and self.options.wall:
            pages.append(self._wall_page())
        if self.options.newsletter and self.options.newsletter_years:
            pages += self._year_pages()
        if self.options.tags:
            pages += self._tag_pages()
        if self.has_feeds_page():
            pages.append(self._feeds_page())
        if self.has_embed():
            pages.append(self._embed_page())
        if self.options.home:
            pages.append(self._home_page())
        check_unique(pages)
        return pages
