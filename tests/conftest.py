"""Shared fixtures: the real third-party corpus, small MkDocs builds, and headless Chromium."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import shutil
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Real third-party samples (see its SOURCES.md), beside the checkout as ../shared/corpus.
CORPUS = Path(os.environ.get("KEHILA_CORPUS", ROOT.parent / "shared" / "corpus"))
#: Screenshots and other artifacts of test runs (git-ignored).
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("KEHILA_CHROMIUM", "/usr/bin/chromium")


#: Why a test that needs the corpus does not run in a lone clone.
CORPUS_ABSENT = (
    f"needs the shared third-party corpus, absent at {CORPUS} (it lives beside the checkout as "
    "../shared/corpus, or set KEHILA_CORPUS); CI has it, so there this is a failure"
)


def need_corpus() -> Path:
    """The corpus folder; without it, skip the test (fail it when ``CI=true``: CI has it).

    The one rule for every test that reads the corpus, through the ``corpus`` fixture or
    :func:`corpus_names` (for parametrisation).
    """
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("CI") == "true":
        pytest.fail(f"the shared corpus is missing under CI=true: expected it at {CORPUS}")
    pytest.skip(CORPUS_ABSENT)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus (see :func:`need_corpus`)."""
    return need_corpus()


def corpus_names(folder: str, pattern: str = "*") -> list[object]:
    """Names of the corpus files ``folder/pattern``, sorted, to parametrise a test at collection.

    Without the corpus: one parameter that skips with :data:`CORPUS_ABSENT` (under ``CI=true``
    it runs, and the test's ``corpus`` fixture fails it).
    """
    if CORPUS.is_dir():
        return sorted(p.name for p in (CORPUS / folder).glob(pattern))
    marks = [] if os.environ.get("CI") == "true" else [pytest.mark.skip(reason=CORPUS_ABSENT)]
    return [pytest.param("corpus-absent", marks=marks)]


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A copy of the demo hub (mkdocs.yml and content/) in a temporary folder."""
    copy_demo(tmp_path)
    return tmp_path


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def build(project: Path, *, strict: bool = True, serve: bool = False) -> Path:
    """Run a real MkDocs build of ``project`` (its mkdocs.yml) and return the site folder."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    config = load_config(str(project / "mkdocs.yml"), strict=strict)
    config.plugins.on_startup(command="serve" if serve else "build", dirty=False)
    try:
        mkdocs_build(config, serve_url="/" if serve else None)
    finally:
        config.plugins.on_shutdown()
    return Path(config.site_dir)


def built_once(
    tmp_path_factory: pytest.TempPathFactory,
    key: str,
    write: Callable[[Path], None],
    *,
    strict: bool = True,
    serve: bool = False,
) -> Path:
    """The site of the project that ``write(folder)`` writes, built once per test run.

    Under pytest-xdist the workers share it: the first to ask builds it in the run's temporary
    folder (``key`` names it) while the others wait on a lock, then all of them use that site.
    Read-only for the tests that use it; a test that changes the hub builds its own.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above the workers' own ones
    project = base / f"shared-{key}"
    done = base / f"shared-{key}.site"
    with open(base / f"shared-{key}.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not done.exists():
                with contextlib.suppress(FileNotFoundError):
                    shutil.rmtree(project)  # what a failed attempt left
                project.mkdir()
                write(project)
                site = build(project, strict=strict, serve=serve)
                done.write_text(str(site), encoding="utf-8")
            return Path(done.read_text(encoding="utf-8"))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def copy_demo(project: Path) -> None:
    """Write the demo hub (mkdocs.yml and content/) into ``project``."""
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "content", project / "content")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo hub built once per test run (read-only for the tests that use it)."""
    return built_once(tmp_path_factory, "demo", copy_demo)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def serve_dir() -> Iterator[callable]:
    """Serve a folder on 127.0.0.1 (a real HTTP server); returns a function folder -> base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA: what every page and email of a
#: hub must pass (docs/accessibility.md).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def wcag_violations(page) -> list[dict]:
    """axe-core's violations of :data:`WCAG_TAGS` on ``page`` as it stands now.

    axe-core comes bundled by the pinned ``axe-playwright-python`` (pyproject.toml)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe_violations(violations: list[dict]) -> list[str]:
    """One line per element that breaks a rule: the rule, the element's selector, its HTML."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            html = " ".join(node["html"].split())[:160]
            lines.append(f"{violation['id']}: {' '.join(node['target'])}: {html}")
    return lines


def screenshot(page, name: str) -> Path:
    """Save a screenshot under tests/artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- Proven promises ---------------------------------------------------------------------------
# The security and fault suites (tests/security/, tests/faults/) report what they tried through
# the `proof` fixture; the totals are printed at the end of the run (docs/security.md shows them).
# Figures travel as user properties of test reports, so they add up under pytest-xdist too.

PROOF_FIGURES = (
    "vectors tried",
    "pages loaded",
    "kill trials",
    "fault scenarios",
    "files scanned for markers",
    "markers found",
)
_PROOF_PREFIX = "kehila-proof:"


@pytest.fixture
def proof(record_property):
    """``proof(figure, count)``: add ``count`` to one of :data:`PROOF_FIGURES`."""

    def add(figure: str, count: int) -> None:
        assert figure in PROOF_FIGURES, figure
        record_property(_PROOF_PREFIX + figure, int(count))

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    totals = dict.fromkeys(PROOF_FIGURES, 0)
    reported = False
    for reports in list(terminalreporter.stats.values()):
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if isinstance(name, str) and name.startswith(_PROOF_PREFIX):
                    totals[name[len(_PROOF_PREFIX) :]] += int(value)
                    reported = True
    if reported:
        terminalreporter.write_sep("=", "Kehila: proven promises")
        terminalreporter.write_line(", ".join(f"{k}: {v}" for k, v in totals.items()))


# -- make test-fast --------------------------------------------------------------------------
# `make test` (and CI) runs everything. `make test-fast` is the local loop of about a minute: it
# leaves out the browser tests and the suites marked heavy here, the ones that spend minutes on
# purpose (kill trials, fuzzing, thousands of hostile vectors, parallel and serve builds).

HEAVY = (
    "tests/faults/",
    "tests/security/",
    "tests/benchmarks/",
    "tests/i18n/",
    "tests/hub/test_parallel_render.py",
    "tests/hub/test_converter.py",
    "tests/hub/test_no_silent_unpublishing.py",
    "tests/search/test_rebuild.py",
    "tests/desk/test_desk_concurrency.py",
    "tests/desk/test_desk_interactive.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        if where.startswith(HEAVY):
            item.add_marker(pytest.mark.heavy)
