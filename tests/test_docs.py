"""The README and the manual in docs/: links that work on GitHub, every option documented.

Links are read with markdown-it (CommonMark, as GitHub reads them), so code blocks and code spans
are never taken for links. Anchors are checked against the headings of the target page, slugged
as GitHub slugs them. The manual also builds with MkDocs, as docs/index.md says.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import click
import pytest
from kehila.harvest import harvest_config
from kehila.harvest.sources import SOURCE_TYPES
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _entry_point(group: str, name: str) -> Any:
    """What an entry point of the installed package names (wherever the module lives)."""
    return importlib.metadata.entry_points(group=group)[name].load()


#: The options of the ``kehila`` plugin, as MkDocs finds the plugin.
PLUGIN_SCHEMA = _entry_point("mkdocs.plugins", "kehila").config_class._schema


def _page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


@cache
def _tokens(page: Path) -> list:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """Every heading anchor of ``page`` (a repeated heading gets ``-1``, ``-2``… as on GitHub)."""
    seen: dict[str, int] = {}
    found = set()
    tokens = _tokens(page)
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type != "heading_open":
            continue
        text = "".join(child.content for child in inline.children or [])
        slug = github_slug(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(found)


def links(page: Path) -> list[tuple[int, str]]:
    """``(line, target)`` of every link and image of ``page``."""
    found = []
    for token in _tokens(page):
        for child in token.children or []:
            target = child.attrs.get("href") or child.attrs.get("src")
            if child.type in ("link_open", "image") and target:
                found.append((token.map[0] + 1 if token.map else 0, str(target)))
    return found


def test_the_manual_has_pages_and_links() -> None:
    # A guard for the tests below: they pass vacuously if the pages or their links were not read.
    assert DOCS.joinpath("index.md").is_file()
    assert len(PAGES) >= 10
    assert sum(len(links(page)) for page in PAGES) >= 40
    assert "quickstart" in anchors(ROOT / "README.md")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_point_at_files_and_anchors(page: Path) -> None:
    problems = []
    for line, target in links(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a link to the web
        where = f"{_page_id(page)}:{line}: {target}"
        if parts.path.startswith("/"):
            problems.append(f"{where}: an absolute path breaks on GitHub; use a relative one")
            continue
        linked = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not linked.exists():
            problems.append(f"{where}: no such file")
        elif ROOT not in linked.parents and linked != ROOT:
            problems.append(f"{where}: points outside the repository")
        elif (
            parts.fragment
            and linked.suffix == ".md"
            and unquote(parts.fragment) not in anchors(linked)
        ):
            problems.append(f"{where}: no heading with this anchor in {_page_id(linked)}")
    assert not problems, "\n".join(problems)


def test_every_page_of_the_manual_is_reachable_from_its_index() -> None:
    reached, todo = set(), [DOCS / "index.md"]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        for _, target in links(page):
            parts = urlsplit(target)
            if not parts.scheme and parts.path.endswith(".md"):
                linked = (page.parent / unquote(parts.path)).resolve()
                if DOCS in linked.parents and linked.is_file():
                    todo.append(linked)
    unreached = sorted(_page_id(p) for p in set(DOCS.rglob("*.md")) - reached)
    assert not unreached, f"pages no link of docs/index.md leads to: {unreached}"


def _documented_options(page: Path) -> set[str]:
    """Option names in the first column of the tables of ``page`` (`a`, `a` or `b`, `a`, `b`)."""
    names = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([a-z_][a-z0-9_]*)`", first))
    return names


def test_every_plugin_option_is_in_the_configuration_reference() -> None:
    documented = _documented_options(DOCS / "configuration.md")
    options = [name for name, _ in PLUGIN_SCHEMA]
    assert "stories_url_format" in options  # the schema was read
    missing = [name for name in options if name not in documented]
    assert not missing, f"plugin options missing from docs/configuration.md: {missing}"


def _getters() -> set[str]:
    """Methods of the options checker that read an option named by their first argument."""
    return {
        name
        for cls in harvest_config.Options.__mro__
        for name, value in vars(cls).items()
        if callable(value) and not name.startswith("_") and name not in {"error", "check", "finish"}
    }


def source_options(module_file: Path) -> set[str]:
    """Names of the options an adapter reads through its options checker."""
    getters = _getters()
    names = set()
    for node in ast.walk(ast.parse(module_file.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in getters
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


@pytest.mark.parametrize("type_name", sorted(SOURCE_TYPES))
def test_every_source_option_is_on_its_page(type_name: str) -> None:
    page = DOCS / "sources" / f"{type_name}.md"
    assert page.is_file(), f"source type {type_name!r} has no page {_page_id(page)}"
    spec = importlib.util.find_spec(SOURCE_TYPES[type_name].partition(":")[0])
    assert spec and spec.origin, f"no module for source type {type_name!r}"
    options = source_options(Path(spec.origin))
    assert {"language", "mask_contacts"} & options, "the adapter's options were not found"
    missing = sorted(options - _documented_options(page))
    assert not missing, f"options of type {type_name!r} missing from {_page_id(page)}: {missing}"


def test_options_every_source_takes_are_documented() -> None:
    documented = (DOCS / "sources" / "index.md").read_text(encoding="utf-8")
    for name in sorted(harvest_config.COMMON_OPTIONS):
        assert f"`{name}`" in documented, f"option {name!r} missing from docs/sources/index.md"


def test_the_manual_builds_with_mkdocs(tmp_path: Path) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    # As docs/index.md tells readers; links out of docs/ (to the README) are checked above.
    config_file = tmp_path / "manual.yml"
    config_file.write_text(
        textwrap.dedent(f"""\
            site_name: Kehila manual
            docs_dir: {DOCS.as_posix()!r}
            site_dir: {(tmp_path / "site").as_posix()!r}
            markdown_extensions: [tables, toc]
            validation:
              links:
                not_found: info
                anchors: warn
                absolute_links: warn
                unrecognized_links: warn
            """),
        encoding="utf-8",
    )
    config = load_config(str(config_file), strict=True)
    mkdocs_build(config)
    assert (tmp_path / "site" / "sources" / "discourse" / "index.html").is_file()
    assert (tmp_path / "site" / "configuration" / "index.html").is_file()


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, f"{path} {name}")


def test_every_command_and_option_of_kehila_is_in_the_manual() -> None:
    main = _entry_point("console_scripts", "kehila")
    manual = "\n".join(page.read_text(encoding="utf-8") for page in DOCS.rglob("*.md"))
    missing = []
    for path, command in _commands(main, "kehila"):
        if path not in manual:
            missing.append(path)
        flags = [
            flag
            for param in command.params
            for flag in getattr(param, "opts", []) + getattr(param, "secondary_opts", [])
            if flag.startswith("-") and flag not in {"-h", "--help", "--version"}
        ]
        missing += [
            f"{path} {flag}"
            for flag in flags
            if not re.search(re.escape(flag) + r"(?![\w-])", manual)
        ]
    assert len(list(_commands(main, "kehila"))) >= 10  # the command tree was walked
    assert not missing, f"commands and options missing from docs/: {missing}"


def test_the_configuration_reference_gives_the_schema_defaults() -> None:
    rows = {}
    for line in (DOCS / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        if len(cells) == 4 and (name := re.fullmatch(r"`(\w+)`", cells[0])):
            rows[name[1]] = cells[2]
    checked = 0
    for name, option in PLUGIN_SCHEMA:
        default = option.default
        if isinstance(default, bool):
            expected = f"`{str(default).lower()}`"
        elif isinstance(default, int | str) and default != "":
            expected = f"`{default}`"
        else:
            continue  # lists and unset values are described in words
        checked += 1
        assert rows.get(name) == expected, f"docs/configuration.md: {name} defaults to {expected}"
    assert checked >= 30


def _layout() -> dict[str, str]:
    """The README's layout table: path -> what the row says it holds."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        if len(cells) == 2 and (path := re.fullmatch(r"`([^`]+)`", cells[0])):
            rows[path[1]] = cells[1]
    return rows


def test_the_readme_layout_matches_the_code() -> None:
    rows = _layout()
    # The rows of the import packages (the code; tests/ and content/ are described, not listed).
    packages = [path for path, what in rows.items() if "import package" in what]
    assert {"plugins/kehila/", "harvest/"} <= set(packages), packages
    problems = [f"{path}: no such path" for path in rows if not (ROOT / path).exists()]
    for path in packages:
        folder = ROOT / path
        named = set(re.findall(r"`([\w/.]+(?:\.py|/))`", rows[path]))
        # Every module and folder of the package is named in its row...
        for child in sorted(folder.iterdir()):
            name = f"{child.name}/" if child.is_dir() else child.name
            if child.name.startswith(("_", ".")) or not (child.is_dir() or child.suffix == ".py"):
                continue
            if name not in named:
                problems.append(f"{path}: {name} is not in the README's layout table")
        # ...and every module or folder the row names exists in the package.
        for name in sorted(named):
            matches = folder.rglob(name.rstrip("/"))
            if not any(m.is_dir() == name.endswith("/") for m in matches):
                problems.append(f"{path}: the layout table names {name}, which is not there")
    assert not problems, "\n".join(problems)


#: Code spans that name a file or folder of the repository (outputs of a run are not there).
_REPO_PATH = re.compile(r"(?:plugins|harvest|tests|docs)/[\w./-]*")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_files_named_in_code_spans_exist(page: Path) -> None:
    missing = []
    for token in _tokens(page):
        for child in token.children or []:
            path = child.content
            if child.type != "code_inline" or not _REPO_PATH.fullmatch(path):
                continue
            if not path.startswith("tests/artifacts/") and not (ROOT / path).exists():
                missing.append(f"{_page_id(page)}:{token.map[0] + 1 if token.map else 0}: {path}")
    assert not missing, "files named that are not in the repository:\n" + "\n".join(missing)


def test_the_readme_links_every_page_of_the_manual() -> None:
    readme = ROOT / "README.md"
    linked = {
        (ROOT / unquote(urlsplit(target).path)).resolve()
        for _, target in links(readme)
        if not urlsplit(target).scheme
    }
    unlinked = [_page_id(page) for page in PAGES[1:] if page.resolve() not in linked]
    assert not unlinked, f"pages of docs/ the README's manual list does not link: {unlinked}"
