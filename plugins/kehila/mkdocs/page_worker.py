"""What Kehila's page workers are sent, and what they do with it (see ``render.py``).

A worker process starts with :func:`start_worker` (the build's settings), then takes tasks:
:func:`convert` (item pages from Markdown to HTML) and :func:`write` (item pages put into the
theme's template and written). Large things that every task needs (the site's
file list, its configuration and nav) travel once, in files the build writes.
"""

from __future__ import annotations

import logging
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.commands.build import get_context
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.utils import write_file
from mkdocs.utils.meta import get_data

from ..hub import finish_html, marker_nonce, use_marker_nonce
from ..sanitize import sanitize_page_html
from .converter import Converter

if TYPE_CHECKING:
    from jinja2 import Environment
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.toc import TableOfContents


# -- what travels to the workers ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One page for a worker: the generated file's text and how to finish its HTML."""

    src_uri: str
    content: str
    fragments: tuple[str, ...]
    harvested: bool


@dataclass
class Prepared:
    """A page as a worker converted it: what ``Page.read_source`` and ``Page.render`` set."""

    markdown: str
    meta: dict[str, Any]
    html: str | None
    """The finished HTML, or ``None``: a marker went missing (see ``PageSpec.finish``), so the
    page takes the ordinary path, where the plugin converts it the slow way."""
    toc: TableOfContents
    title: str | None
    anchors: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None
    records: list[logging.LogRecord]


@dataclass(frozen=True)
class Output:
    """An item page for a worker to write: what MkDocs' page holds once converted, and what
    the plugin adds to the theme's output (see :func:`finish_output`)."""

    src_uri: str
    markdown: str | None
    meta: dict[str, Any]
    content: str | None
    toc: TableOfContents
    title: str | None
    update_date: str
    language: tuple[str, str] | None
    head: str


_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
#: Material's article: the page's title and content, without the site's header, nav and footer.
_ARTICLE_TAG = '<article class="md-content__inner md-typeset">'


def finish_output(output: str, language: tuple[str, str] | None, head: str) -> str:
    """A generated page as the theme wrote it, finished: an item's language and direction on
    its article, and ``head`` (JSON-LD, feed links, robots hints) at the end of ``<head>``.

    The item's language is set on Material's article, title included, so that the site's own
    words around it (header, navigation, search) keep the site's language and direction. A
    theme without that article gets them on ``<html>``.
    """
    if language is not None:
        lang, direction = language
        article = f'<article class="md-content__inner md-typeset" lang="{lang}" dir="{direction}">'
        if _ARTICLE_TAG in output:
            output = output.replace(_ARTICLE_TAG, article, 1)
        else:
            tag = f'<html lang="{lang}" dir="{direction}" class="no-js">'
            output = _HTML_TAG.sub(tag, output, count=1)
    return output.replace("</head>", head + "\n</head>", 1)


class Settings(dict[str, Any]):
    """The part of MkDocs' configuration that converting a page reads; it can be pickled."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def settings(config: MkDocsConfig) -> Settings:
    """What a worker reads of the build's configuration to convert pages."""
    links = config.validation.links
    return Settings(
        markdown_extensions=list(config.markdown_extensions),
        mdx_configs=dict(config.mdx_configs or {}),
        use_directory_urls=config.use_directory_urls,
        validation=Settings(
            links=Settings(
                absolute_links=links.absolute_links,
                unrecognized_links=links.unrecognized_links,
                not_found=links.not_found,
                anchors=links.anchors,
            )
        ),
        # What Page() reads on creation; the worker's pages are never shown, so none is needed.
        site_url=None,
        repo_url=None,
        edit_uri=None,
        edit_uri_template=None,
        # The build's markers (see PageSpec.fast_markdown): the workers make and read the same.
        marker_nonce=marker_nonce(),
    )


@dataclass(frozen=True)
class PluginView:
    """A plugin as the theme's templates see it (``"name" in config.plugins``, its config)."""

    config: Any


def site_view(config: MkDocsConfig, nav: Navigation, serve: bool) -> tuple[Any, ...]:
    """What the theme's templates read: the configuration (plugins as :class:`PluginView`,
    without hooks), the nav and whether MkDocs serves the build (drafts are pages then)."""
    view = Settings({k: v for k, v in config.items() if k not in ("plugins", "hooks")})
    plugins = {}
    for name, plugin in config.plugins.items():
        plugin_config = getattr(plugin, "config", None)
        try:
            pickle.dumps(plugin_config)
        except Exception:
            plugin_config = None
        plugins[name] = PluginView(plugin_config)
    view["plugins"] = plugins
    return view, nav, serve


#: What a page in the nav leaves behind when it travels: the theme shows other pages' titles
#: and links, never their text.
_DROPPED = ("links_to_anchors", "present_anchor_ids", "_renderer", "_prepared", "prepared_html")


class SitePickler(pickle.Pickler):
    """Pickles the nav's pages as plain pages without their text (content, Markdown, links),
    and files without their generated content."""

    def reducer_override(self, obj: Any) -> Any:
        # (a function making an empty object, no arguments, its state): pickle remembers the
        # object before its state, so pages, sections and files may refer to each other.
        if isinstance(obj, Page):
            state = {k: v for k, v in vars(obj).items() if k not in _DROPPED}
            for name in ("content", "markdown"):
                if state.get(name) is not None:
                    state[name] = ""  # not None: MkDocs reads the title as it would
            return _empty_page, (), state
        if isinstance(obj, File):
            state = {k: v for k, v in vars(obj).items() if k != "_content"}
            return _empty_file, (), state
        return NotImplemented


def _empty_page() -> Page:
    return Page.__new__(Page)


def _empty_file() -> File:
    return File.__new__(File)


# -- in a worker process ----------------------------------------------------------------------


class _Worker:
    settings: Settings
    converter: Converter
    records: list[logging.LogRecord] = []
    files: tuple[str, Files] | None = None
    theme: tuple[str, _Theme] | None = None


@dataclass
class _Theme:
    """The site as the theme's templates see it, in a worker."""

    config: Any
    nav: Navigation
    env: Environment
    pages: list[File]


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # Sent back as text: arguments and tracebacks may not survive pickling.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _Worker.records.append(record)


def start_worker(settings: Settings, level: int) -> None:
    """A worker's start: the build's settings and markers, its log level (messages are kept
    for the build's process, which logs them again)."""
    _Worker.settings = settings
    use_marker_nonce(settings["marker_nonce"])
    _Worker.converter = Converter(settings)
    root = logging.getLogger()
    root.handlers[:] = [_Capture()]
    root.setLevel(level)
    logging.getLogger("mkdocs").setLevel(level)


def _files(table: str) -> Files:
    """The build's file list, read once from the file the build wrote."""
    if _Worker.files is None or _Worker.files[0] != table:
        udu = _Worker.settings["use_directory_urls"]
        files = []
        site_dir, rows = pickle.loads(Path(table).read_bytes())
        for src_uri, dest_uri, url, inclusion in rows:
            file = File(src_uri, None, site_dir, udu, dest_uri=dest_uri, inclusion=inclusion)
            file.url = url
            files.append(file)
        _Worker.files = (table, Files(files))
    return _Worker.files[1]


def convert(table: str, jobs: list[Job]) -> list[Prepared | None]:
    """``jobs``' pages converted (see :func:`_convert_one`)."""
    files = _files(table)
    return [_convert_one(job, files) for job in jobs]


def _convert_one(job: Job, files: Files) -> Prepared | None:
    """``job``'s page converted as MkDocs would; ``None`` if that failed (MkDocs will try again
    in its own process, and report the error as it always does)."""
    settings = _Worker.settings
    file = files.get_file_from_path(job.src_uri)
    if file is None:
        return None
    _Worker.records = []
    page = Page(None, file, settings)  # type: ignore[arg-type]
    try:
        page.markdown, page.meta = get_data(job.content)
        markdown = page.markdown
        _Worker.converter.render(page, files)
        html = finish_html(page.content or "", job.fragments)
        if html is not None and job.harvested:
            html = sanitize_page_html(html)
    except Exception:
        return None
    finally:
        file.page = None  # the worker keeps no page once it is sent
    links = getattr(page, "links_to_anchors", None)
    return Prepared(
        markdown=markdown,
        meta=page.meta,
        html=html,
        toc=page.toc,
        title=page._title_from_render,
        anchors=page.present_anchor_ids or set(),
        links_to_anchors=None if links is None else {f.src_uri: v for f, v in links.items()},
        records=_Worker.records,
    )


def _theme(table: str, site: str) -> _Theme:
    """The site's configuration, nav and theme, read once from the file the build wrote."""
    if _Worker.theme is None or _Worker.theme[0] != site:
        config, nav, serve = pickle.loads(Path(site).read_bytes())
        inclusion = InclusionLevel.is_in_serve if serve else InclusionLevel.is_included
        pages = _files(table).documentation_pages(inclusion=inclusion)
        _Worker.theme = (site, _Theme(config, nav, config.theme.get_env(), pages))
    return _Worker.theme[1]


def write(table: str, site: str, outputs: list[Output]) -> list[list[logging.LogRecord] | None]:
    """``outputs``' pages written (see :func:`_write_one`); none if the site cannot be loaded."""
    try:
        files, theme = _files(table), _theme(table, site)
    except Exception:  # e.g. a value in the configuration that only MkDocs' process can load
        return [None] * len(outputs)
    return [_write_one(output, files, theme) for output in outputs]


def _write_one(output: Output, files: Files, theme: _Theme) -> list[logging.LogRecord] | None:
    """``output``'s page written as MkDocs' ``_build_page`` would write it; the messages logged
    meanwhile, or ``None`` if that failed (MkDocs then writes it, and reports any error)."""
    file = files.get_file_from_path(output.src_uri)
    if file is None:
        return None
    _Worker.records = []
    page = Page(None, file, theme.config)
    try:
        page.markdown, page.meta, page.content = output.markdown, output.meta, output.content
        page.toc, page._title_from_render = output.toc, output.title
        page.update_date = output.update_date
        page.active = True
        context = get_context(theme.nav, theme.pages, theme.config, page)
        template = theme.env.get_template(output.meta.get("template", "main.html"))
        html = finish_output(template.render(context), output.language, output.head)
        if not html.strip():
            return None
        write_file(html.encode("utf-8", errors="xmlcharrefreplace"), file.abs_dest_path)
    except Exception:
        return None
    finally:
        file.page = None
    return _Worker.records
