"""``kehila harvest`` killed with SIGKILL at random points converges, and never leaves a mess.

A project harvests three sources: the Medium feed (``feeds/rss-parser/content-encoded.rss``,
rbren/rss-parser, MIT) with an ``ETag`` so that conditional GET is part of the story, a Discourse
forum built from ``discourse/discourse_api/latest.json`` and ``discourse/discourse-solved/
topic_23_accepted_answer_with_excerpt.json`` (MIT) whose topic requests are slowed down so that
kills land while items are being written, and a local CSV form export. An uninterrupted run
gives the reference files. Each trial starts the real ``kehila`` command in a fresh project,
kills it with SIGKILL after a random delay, then checks:

* ``kehila check`` passes on what is left;
* every item file is complete and valid, and no id is stored twice;
* an uninterrupted rerun converges to the reference files (the harvest timestamp aside).

Every run draws new kill points from a seeded random generator: the seed of each case is printed
and named in its failure, and ``KEHILA_KILL_SEED=<seed>`` replays it. Over many runs the kills
cover far more moments than one run could afford to.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from kehila.cli import main
from kehila.content import load_catalog

from tests.projects import harvest, kehila_executable, write_project
from tests.security.payloads import CSV_COLUMNS, hostile_csv, hostile_discourse
from tests.security.vectors import Vector

from . import faultserver as fs

FEED = "feeds/rss-parser/content-encoded.rss"
#: Test cases x trials each, spread over the xdist workers: 24 kills per run, at new points each
#: run (see the module documentation).
CASES = 4
TRIALS = 6
TOPICS = 16
TOPIC_DELAY = 0.03
FEED_ENTRIES = 7
FORM_ROWS = 12


def _batches(count: int, what: str) -> list[list[Vector]]:
    return [
        [Vector(f"{what}:{n}", f"{what.title()} {n}: it worked out for us.")] for n in range(count)
    ]


@pytest.fixture(scope="module")
def upstream(corpus: Path):
    """A slow but healthy feed, forum and form export for every trial of a worker."""
    with fs.FaultServer(max_requests=20_000, lifetime=600) as server:
        feed = server.route(
            "/feed.xml", fs.conditional((corpus / FEED).read_bytes(), etag='"medium-1"')
        )
        for path, body in hostile_discourse(corpus, _batches(TOPICS, "topic")).items():
            server.route(
                path, fs.delayed(TOPIC_DELAY, fs.respond(body, content_type="application/json"))
            )
        sources = [
            {"name": "blog", "type": "feed", "url": feed, "kind": "story"},
            {"name": "forum", "type": "discourse", "url": server.base_url, "kind": "qa"},
            {"name": "form", "type": "csv", "path": "form.csv", "columns": CSV_COLUMNS},
        ]
        yield sources, hostile_csv(_batches(FORM_ROWS, "reviewer"))


@pytest.fixture(scope="module")
def reference(upstream, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, str]]:
    """The editors' tag names and the item files of an uninterrupted run (once per worker)."""
    root = tmp_path_factory.mktemp("kill-reference")
    first = _project(root / "first", upstream)
    assert harvest(first, "--timeout", "5", "--retries", "0").exit_code == 0
    tags = _tag_names(first)
    reference_project = _project(root / "reference", upstream, tags)
    result = harvest(reference_project, "--timeout", "5", "--retries", "0")
    assert result.exit_code == 0, result.output
    files = snapshot(reference_project)
    assert len(files) == FEED_ENTRIES + TOPICS + FORM_ROWS
    assert_consistent(reference_project)
    return tags, files


def _project(root: Path, upstream, tags: dict | None = None) -> Path:
    sources, form = upstream
    write_project(root, sources)
    (root / "form.csv").write_bytes(form)
    if tags is not None:
        # The editors' tag names (``kehila check`` wants a name for every tag in use).
        names = root / "content" / ".kehila" / "tags.yml"
        names.parent.mkdir(parents=True, exist_ok=True)
        names.write_text(yaml.safe_dump(tags, allow_unicode=True), encoding="utf-8")
    return root


def _tag_names(project: Path) -> dict[str, dict[str, str]]:
    catalog = load_catalog(project / "content")
    return {tag: {item.language: tag} for item in catalog.items for tag in item.tags}


_VOLATILE = re.compile(r"^\s*harvested: .*$", re.MULTILINE)


def snapshot(project: Path) -> dict[str, str]:
    """Every item file, with the harvest timestamp (which differs between runs) left out."""
    content = project / "content"
    return {
        path.relative_to(content).as_posix(): _VOLATILE.sub("", path.read_text(encoding="utf-8"))
        for path in sorted(content.rglob("*.md"))
        if not any(part.startswith(".") for part in path.relative_to(content).parts)
    }


def kill_harvest(project: Path, *, after: float, items: int | None = None) -> bool:
    """Start ``kehila harvest`` and SIGKILL it ``after`` seconds later or, with ``items``, as soon
    as that many item files exist; False if it ended first."""
    command = [kehila_executable(), "harvest", "--timeout", "5", "--retries", "0"]
    log = project / "harvest.log"
    content = project / "content"
    with log.open("wb") as out:
        begun = time.monotonic()
        process = subprocess.Popen(command, cwd=project, stdout=out, stderr=subprocess.STDOUT)
        give_up = begun + 60
        while process.poll() is None and time.monotonic() < give_up:
            if items is None:
                if time.monotonic() - begun >= after:
                    break
            elif sum(1 for _ in content.rglob("*.md")) >= items:
                break
            time.sleep(0.002)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            return True
    assert process.returncode == 0, log.read_text(encoding="utf-8", errors="replace")
    return False


def assert_consistent(project: Path) -> None:
    content = project / "content"
    check = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert check.exit_code == 0, check.output
    catalog = load_catalog(content)
    assert catalog.errors == []
    ids = Counter(item.id for item in catalog.items)
    assert [i for i, n in ids.items() if n > 1] == []


def _seed() -> int:
    """This run's seed for one case: ``KEHILA_KILL_SEED`` replays a failed one."""
    chosen = os.environ.get("KEHILA_KILL_SEED")
    return int(chosen) if chosen else random.SystemRandom().randrange(10**9)


@pytest.mark.parametrize("case", range(CASES))
def test_sigkill_at_random_points(
    case: int, upstream, reference, tmp_path: Path, proof, record_property
) -> None:
    tags, reference = reference
    seed = _seed()
    record_property("KEHILA_KILL_SEED", seed)  # in the JUnit XML report (--junitxml) too
    try:
        killed, mid_run = _trials(random.Random(seed), upstream, tags, reference, tmp_path)
    except AssertionError as failure:
        failure.add_note(f"replay with KEHILA_KILL_SEED={seed}")
        raise
    replay = f"(replay with KEHILA_KILL_SEED={seed})"
    assert killed == TRIALS, f"only {killed} of {TRIALS} runs were still going when killed {replay}"
    # Kills must also land while items are being written, not only before or after.
    assert mid_run >= TRIALS // 2, (
        f"only {mid_run} kills landed while items were being written {replay}"
    )
    proof("kill trials", killed)


def _trials(rng: random.Random, upstream, tags: dict, reference: dict, tmp_path: Path):
    """Kill, check and rerun ``TRIALS`` times; returns (runs killed, kills that landed while
    items were being written)."""
    killed = mid_run = 0
    for trial in range(TRIALS):
        # Even trials die at a random moment (start-up included), odd ones once a random number
        # of items is written, while the slowed-down forum topics are written one by one, so
        # that kills land mid-write however fast or loaded the machine is. A run that ends
        # before its kill is tried again in a fresh project, sooner.
        delay = rng.uniform(0.2, 1.3)
        items = rng.randint(1, FEED_ENTRIES + TOPICS - 1) if trial % 2 else None
        for attempt in range(4):
            project = _project(tmp_path / f"trial-{trial}-{attempt}", upstream, tags)
            if kill_harvest(project, after=delay, items=items):
                killed += 1
                mid_run += 0 < len(snapshot(project)) < len(reference)
                break
            assert snapshot(project) == reference
            delay *= 0.6
            items = items // 2 if items else None
        assert_consistent(project)
        rerun = harvest(project, "--timeout", "5", "--retries", "0")
        assert rerun.exit_code == 0, rerun.output
        assert snapshot(project) == reference, f"trial {trial} did not converge"
    return killed, mid_run
