"""Item pages converted exactly as MkDocs' ``Page.render`` converts them, with one Markdown
instance for all pages (used by the build's process and by the page workers)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import markdown
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

if TYPE_CHECKING:
    from mkdocs.structure.files import Files


class Converter:
    """Converts pages exactly as ``Page.render`` does, with one Markdown instance for all.

    MkDocs creates a new ``Markdown`` for every page, and with it every extension and its
    configuration again: a sixth of the time an item page takes. Python-Markdown converts any
    number of documents with one instance (``reset()`` between them); MkDocs' own per-page
    processors (links made relative and checked, anchors, the title) are registered anew for
    each page. With a MkDocs that lacks those processors, every page goes to ``Page.render``.
    """

    def __init__(self, config: Any) -> None:
        self.config = config
        self._md: markdown.Markdown | None = None

    def render(self, page: Page, files: Files) -> None:
        config = self.config
        if not _MKDOCS_PROCESSORS:
            Page.render(page, config, files)
            return
        md = self._md
        if md is None:
            md = markdown.Markdown(
                extensions=config["markdown_extensions"],
                extension_configs=config["mdx_configs"] or {},
            )
        else:
            md.reset()
        self._md = None  # if converting fails half-way, the next page starts afresh
        raw_html = mkdocs_pages._RawHTMLPreprocessor()
        anchors = mkdocs_pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        links = mkdocs_pages._RelativePathTreeprocessor(page.file, files, config)
        title = mkdocs_pages._ExtractTitleTreeprocessor()
        for processor in (raw_html, anchors, links, title):
            processor._register(md)
        page.content = md.convert(page.markdown or "")
        self._md = md
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if mkdocs_pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = links.links_to_anchors


_MKDOCS_PROCESSORS = all(
    hasattr(mkdocs_pages, name)
    for name in (
        "_RawHTMLPreprocessor",
        "_ExtractAnchorsTreeprocessor",
        "_RelativePathTreeprocessor",
        "_ExtractTitleTreeprocessor",
    )
)
