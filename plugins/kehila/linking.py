"""Links in an item's text rewritten for the page the item is published at.

:class:`HubLinks` is the second layer of :class:`~kehila.hub.Hub`, over its URLs."""

from __future__ import annotations

import posixpath
import re
from functools import cached_property

from .content import resolve_relative_link
from .links import links
from .model import Item
from .urls import HubUrls


class HubLinks(HubUrls):
    """Relative links of items' texts pointed at where their files are published."""

    def relink(self, markdown: str, item: Item, src_uri: str) -> str:
        """Point relative links in an item's text at where their files are published.

        Editors link items as files (``../questions/2025-02-11-dst.md``) and put images beside
        them (``../img/x.png``), relative to the item's own file; the item is published at another
        path (its URL format), so every such link is rewritten relative to the generated page,
        where MkDocs resolves and validates it (the newsletter's email resolves it alike). A link
        to an item that is not public keeps its text and loses its target, so that no URL of an
        unpublished item leaks.
        """
        if not item.path or not _MAY_LINK_RELATIVELY.search(markdown):
            return markdown
        prefix = self.options.content_label.rstrip("/") + "/"

        def target_for(url: str) -> str | None:
            found = resolve_relative_link(item.path, url)
            if found is None:
                return url
            resolved, fragment = found
            linked = self._items_by_path.get(resolved)
            if linked is not None:
                if not linked.is_public or not self.enabled(linked.kind):
                    return None
                new = self.src_uri_for(linked)
            elif resolved.startswith(prefix):
                new = resolved[len(prefix) :]
            else:
                return url
            relative = posixpath.relpath(new, posixpath.dirname(src_uri) or ".")
            # A decoded path may hold what ends a Markdown link: written %-escaped again.
            return _LINK_BREAKERS.sub(lambda m: f"%{ord(m[0]):02X}", relative) + fragment

        edits: list[tuple[int, int, str]] = []
        for link in links(markdown):
            if link.span is None or link.written is None or link.kind == "autolink":
                continue
            target = target_for(link.written)
            if target == link.written:
                continue
            start, end = link.span
            if target is not None:
                edits.append((start, end, target))
            elif link.kind == "definition":
                edits.append((start, end, "#"))
            else:
                # The words stay, without the brackets that made them a link.
                if link.extent is None or link.text is None:
                    continue
                edits.append((link.extent[0], link.text[0], ""))
                edits.append((link.text[1], link.extent[1], ""))
        return _edited(markdown, edits)

    @cached_property
    def _items_by_path(self) -> dict[str, Item]:
        return {item.path: item for item in self.catalog.items if item.path}


#: Whether a text may hold a relative link, an image or a reference definition (only those are
#: rewritten): most texts have no link at all, or only links to other sites, and need no parse.
_MAY_LINK_RELATIVELY = re.compile(r"\]:|\]\(\s*<?(?!https?://|mailto:|#|\))")
#: Characters that would end or break a link target in Markdown.
_LINK_BREAKERS = re.compile(r"[\s()<>%]")


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` of ``edits`` (apart from each other) made."""
    parts, at = [], 0
    for start, end, new in sorted(edits):
        parts += [text[at:start], new]
        at = end
    return "".join(parts) + text[at:]
