"""Benchmark: building and searching a hub of 1,000 and 10,000 items (issue 6).

Not a timed test: it prints figures. Run it with ``make benchmark`` or
``KEHILA_SLOW=1 .venv/bin/python -m pytest -m slow -s tests/benchmarks/test_build_scale.py``
(``KEHILA_BENCH_SIZES=1000`` for a quick run, ``KEHILA_BENCH_MATERIAL=0`` to skip the build with
Material's search). For each size N, in the same run, on the same synthetic hub
(``synthetic_hub.py``: the real content model, fixed seed):

- A: a plain ``mkdocs build`` of the same Markdown as ordinary pages (Material, no search, items
  not in the nav);
- B: the Kehila hub build (every feature, Kehila's search on), its build cache cold: the page
  workers render the pages (one per core); B1 is the same cold build by one process
  (``workers: 0``);
- C: A plus Material's own search plugin, for the size of its ``search_index.json``;
- D: B without any search (what the hub itself costs; ``KEHILA_BENCH_NOSEARCH=0`` skips it);
- B again with Kehila's build cache warm: nothing changed, then ``KEHILA_BENCH_EDITS`` (20) items
  edited; each as a share of B's cold build. The sites are compared file by file: B's equals
  B1's (the page workers change no byte), and the warm build's equals B's (warm = cold).

``KEHILA_BENCH_SIZES=1000,10000,100000`` adds the 100,000-item hub (an hour or more on 2 cores);
growth is reported between the smallest and the largest size.

Every build runs in its own child process (wall time, and peak RSS from ``RUSAGE_CHILDREN`` of a
small wrapper that runs only that build). Then headless Chromium opens B's home page with an
empty cache, types a one-word query and counts the response bodies it receives until the first
results are on screen. ``test_serve_edit_latency`` runs plain ``mkdocs serve`` on the largest
hub, edits one item and polls its page until the change is served. Figures also go to
``tests/artifacts/bench-search.json``.
"""

# ruff: noqa: T201 - a benchmark reports its figures on the terminal
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import ARTIFACTS
from .synthetic_hub import (
    WITHOUT_FEEDS_AND_EMBED,
    make_items,
    write_hub,
    write_hub_config,
    write_plain,
)

pytestmark = pytest.mark.slow

SIZES = [int(n) for n in os.environ.get("KEHILA_BENCH_SIZES", "1000,10000").split(",")]
MATERIAL = os.environ.get("KEHILA_BENCH_MATERIAL", "1") == "1"
NOSEARCH = os.environ.get("KEHILA_BENCH_NOSEARCH", "1") == "1"
#: How the serve benchmark runs `mkdocs serve`: plain (links and nav exact) unless told otherwise,
#: e.g. KEHILA_BENCH_SERVE_ARGS=--dirty.
SERVE_ARGS = os.environ.get("KEHILA_BENCH_SERVE_ARGS", "").split()
#: Items edited between two builds for the rebuild figure.
EDITS = int(os.environ.get("KEHILA_BENCH_EDITS", "20"))
QUERY = os.environ.get("KEHILA_BENCH_QUERY", "export")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

# Runs one build; reports wall time, CPU time and peak RSS of the build's processes: the largest
# single process (RUSAGE_CHILDREN) and the largest sum over the process tree (sampled by psutil,
# which counts the search indexer process beside MkDocs).
_WRAPPER = """
import json, resource, subprocess, sys, time, psutil
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
proc, tree_peak = psutil.Process(child.pid), 0
while child.poll() is None:
    try:
        procs = [proc, *proc.children(recursive=True)]
        tree_peak = max(tree_peak, sum(p.memory_info().rss for p in procs))
    except psutil.Error:
        pass
    time.sleep(0.25)
err = child.stderr.read()
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss": max(usage.ru_maxrss * 1024, tree_peak),
                  "code": child.returncode, "err": err[-3000:]}))
"""


def measure_build(config: Path, site: Path) -> dict:
    """Build ``config`` into ``site`` in a child process; wall seconds and peak RSS bytes."""
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=ENV
    )
    result = json.loads(out.stdout)
    assert result["code"] == 0, result["err"]
    # The machine's 1-minute load average as the build ends: other work skews the figures.
    result["load"] = os.getloadavg()[0]
    result["size"] = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    result["files"] = sum(1 for f in site.rglob("*") if f.is_file())
    return result


def edit_items(content: Path, items: list, count: int) -> list[tuple[Path, str]]:
    """Append a line to ``count`` published items spread over the hub; their pages and the line
    each should then show."""
    public = [i for i in items if i.is_public]
    step = max(1, len(public) // count)
    edited = []
    for number, item in enumerate(public[::step][:count]):
        path = content / item.kind / f"{item.slug}.md"
        marker = f"Edited line {number} for the benchmark."
        path.write_text(path.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        section = {"story": "stories", "qa": "questions", "newsletter": "newsletter"}[item.kind]
        pages = list((content.parent / "site" / section).rglob(f"{item.slug}/index.html"))
        edited += [(page, marker) for page in pages]
    return edited


def site_digests(site: Path) -> dict[str, bytes]:
    """A digest of every file of a site, by path (gzip files by their content: their header
    holds a date)."""
    digests = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            digests[path.relative_to(site).as_posix()] = hashlib.blake2b(data).digest()
    return digests


def differing(one: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    """The paths that only one site has or that differ (the first ten)."""
    return sorted(p for p in one.keys() | other.keys() if one.get(p) != other.get(p))[:10]


def first_search_bytes(browser, base_url: str, query: str) -> dict:
    """Bytes received to show the first results of ``query``, in a fresh (empty-cache) context."""
    context = browser.new_context()
    page = context.new_page()
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    page.goto(base_url, wait_until="networkidle")
    page_load = list(responses)
    responses.clear()
    start = time.perf_counter()
    page.click("[data-kehila-search=query]")
    page.keyboard.type(query)
    page.wait_for_selector("[data-kehila-result]", timeout=30_000)
    page.wait_for_load_state("networkidle")
    elapsed = time.perf_counter() - start
    count = int(page.get_attribute("[data-kehila-search=meta]", "data-count") or 0)

    def total(items: list) -> int:
        return sum(len(r.body()) for r in items if r.status == 200)

    search = [r for r in page_load if "/kehila-search/" in r.url or "/search." in r.url]
    result = {
        "page_load": total(page_load),
        "search_assets": total(search),
        "query": total(responses),
        "query_requests": len(responses),
        "results": count,
        "seconds": elapsed,
    }
    result["search_total"] = result["search_assets"] + result["query"]
    context.close()
    return result


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def test_build_scale(tmp_path_factory, browser, serve_dir) -> None:
    figures: dict[str, dict] = {}
    # Warm up (imports compiled, theme files in the page cache) so the first build is not penalised.
    warm = tmp_path_factory.mktemp("warm")
    measure_build(write_plain(warm, make_items(50)), warm / "site")
    measure_build(write_hub(warm / "hub", make_items(50)), warm / "hub" / "site")
    for n in SIZES:
        work = tmp_path_factory.mktemp(f"hub{n}")
        items = make_items(n)
        published = sum(1 for i in items if i.is_public)
        hub = write_hub(work / "b", items)
        plain = write_plain(work / "a", items)
        row: dict = {"items": n, "published": published}
        row["A"] = measure_build(plain, work / "a" / "site")
        shutil.rmtree(work / "a" / "site")
        # B cold twice: by one process (workers: 0), then with the page workers (the default).
        single = write_hub_config(work / "b" / "mkdocs-single.yml", site_url="https://hub.example/",
                                  options={"workers": 0})  # fmt: skip
        row["B1"] = measure_build(single, work / "b" / "site")
        single_site = site_digests(work / "b" / "site")
        shutil.rmtree(work / "b" / ".cache")
        row["B"] = measure_build(hub, work / "b" / "site")
        cold_site = site_digests(work / "b" / "site")
        assert differing(cold_site, single_site) == []  # the page workers change no byte
        # Kehila's build cache (.cache/kehila/ beside mkdocs.yml): nothing changed, then 20 edits.
        row["B_same"] = measure_build(hub, work / "b" / "site")
        assert differing(site_digests(work / "b" / "site"), cold_site) == []  # warm = cold
        edited = edit_items(work / "b" / "content", items, EDITS)
        row["B_edit"] = measure_build(hub, work / "b" / "site")
        assert len(edited) >= EDITS and all(marker in p.read_text("utf-8") for p, marker in edited)
        if NOSEARCH:
            bare = write_hub_config(work / "b" / "mkdocs-d.yml", site_url="https://hub.example/",
                                    search=False)  # fmt: skip
            row["D"] = measure_build(bare, work / "b" / "site-d")
            shutil.rmtree(work / "b" / "site-d")
        if MATERIAL:
            material = write_plain(work / "c", items, material_search=True)
            row["C"] = measure_build(material, work / "c" / "site")
            index = work / "c" / "site" / "search" / "search_index.json"
            row["material_index"] = index.stat().st_size
            shutil.rmtree(work / "c")
        site = work / "b" / "site"
        manifest = json.loads((site / "kehila-search" / "manifest.json").read_text("utf-8"))
        indexed = sum(lang["docs"] for lang in manifest["languages"].values())
        # Only published items are searchable: the index holds exactly the published ones.
        assert indexed == published, (indexed, published)
        row["index_size"] = sum(
            f.stat().st_size for f in (site / "kehila-search").rglob("*") if f.is_file()
        )
        row["transfer"] = first_search_bytes(browser, serve_dir(site), QUERY)
        assert row["transfer"]["results"] > 0
        row["ratio"] = row["B"]["wall"] / row["A"]["wall"]
        figures[str(n)] = row
        _report(row)
        shutil.rmtree(work / "a")
        if n != max(SIZES):
            shutil.rmtree(work / "b")
        else:
            figures["hub"] = {"path": str(work / "b")}
    if len(SIZES) > 1:
        small, large = str(min(SIZES)), str(max(SIZES))
        growth = figures[large]["B"]["wall"] / figures[small]["B"]["wall"]
        cpu = figures[large]["B"]["cpu"] / figures[small]["B"]["cpu"]
        print(f"\nB {large}/{small} CPU time ratio: {cpu:.2f}")
        plain = figures[large]["A"]["wall"] / figures[small]["A"]["wall"]
        figures["growth"] = {"B": growth, "A": plain}
        goal = int(large) / int(small) * 1.1
        print(f"\nB {large}/{small} time ratio: {growth:.2f} (goal <= {goal:.0f}; A: {plain:.2f})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bench-search.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")


def _report(row: dict) -> None:
    n = row["items"]
    print(f"\n== {n:,} items ({row['published']:,} published) ==")
    labels = {"A": "plain mkdocs, no search", "B": "Kehila hub + search",
              "B1": "B by one process",
              "C": "plain + Material search", "D": "Kehila hub, no search"}  # fmt: skip
    for name, label in labels.items():
        if name in row:
            r = row[name]
            print(
                f"{name} {label:<26} {r['wall']:8.1f} s (CPU {r['cpu']:6.1f} s)"
                f"  peak RSS {_mb(r['rss']):>10}"
                f"  site {_mb(r['size']):>10} ({r['files']:,} files)"
            )
    cpu = row["B"]["cpu"] / row["A"]["cpu"]
    print(f"B/A time ratio: {row['ratio']:.3f} (goal <= 1.15); CPU time ratio {cpu:.3f}")
    single = row["B1"]["wall"] / row["A"]["wall"]
    print(f"B1/A time ratio (one process): {single:.3f}; B/B1 (the workers' gain): "
          f"{row['B']['wall'] / row['B1']['wall']:.3f}")  # fmt: skip
    cold = row["B"]["wall"]
    rebuilds = (("B_same", "nothing changed", 0.10), ("B_edit", f"{EDITS} edited", 0.15))
    for name, label, goal in rebuilds:
        r = row[name]
        print(
            f"B again, {label:<16} {r['wall']:8.1f} s (CPU {r['cpu']:6.1f} s)  peak RSS "
            f"{_mb(r['rss']):>10}: {r['wall'] / cold:.3f} of the cold build (goal <= {goal})"
        )
    if "D" in row:
        share = row["B"]["wall"] / row["D"]["wall"]
        print(f"B/D (the search's own share): {share:.3f}; D/A (the hub without search): "
              f"{row['D']['wall'] / row['A']['wall']:.3f}")  # fmt: skip
    print(f"Kehila search index on disk: {_mb(row['index_size'])}")
    if "material_index" in row:
        print(f"Material search_index.json: {_mb(row['material_index'])}")
    t = row["transfer"]
    print(
        f"First search '{QUERY}': {t['search_total'] / 1e3:,.1f} KB for search "
        f"(client {t['search_assets'] / 1e3:,.1f} KB + query {t['query'] / 1e3:,.1f} KB in "
        f"{t['query_requests']} requests), page load {t['page_load'] / 1e3:,.1f} KB, "
        f"{t['results']:,} results in {t['seconds']:.2f} s"
    )


def test_feeds_and_embed_cost(tmp_path_factory) -> None:
    """What the feeds per tag and language, the Feeds page and the embed add to the build of
    the largest hub (issue 17: at most 10%). B with them and E without them, built alternately
    ``KEHILA_BENCH_ROUNDS`` times (default 2); the ratio of the medians is the figure (wall
    time, and CPU time of all the build's processes, which a busy machine disturbs less)."""
    n = max(SIZES)
    work = tmp_path_factory.mktemp(f"feeds{n}")
    items = make_items(n)
    hub = write_hub(work, items)
    bare = write_hub_config(
        work / "mkdocs-e.yml", site_url="https://hub.example/", options=WITHOUT_FEEDS_AND_EMBED
    )
    rounds = int(os.environ.get("KEHILA_BENCH_ROUNDS", "2"))
    runs: dict[str, list[dict]] = {"B": [], "E": []}
    # Warm up (imports compiled, theme files in the page cache), as test_build_scale does.
    warm = write_hub(work / "warm", make_items(50))
    measure_build(warm, work / "warm" / "site")
    for _ in range(rounds):
        for name, config in (("E", bare), ("B", hub)):
            site = work / f"site-{name}"
            # Cold builds both: the cache keeps both variants' pages, and would make round 2 warm.
            shutil.rmtree(work / ".cache", ignore_errors=True)
            runs[name].append(measure_build(config, site))
            if name == "B":
                tags = len(list((site / "feeds" / "tags").glob("*.atom.xml")))
                embed = sum(1 for p in (site / "embed").rglob("*") if p.is_file())
                feeds = sum(1 for p in (site / "feeds").rglob("*") if p.is_file())
            shutil.rmtree(site)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    wall = {name: median(name, "wall") for name in runs}
    cpu = {name: median(name, "cpu") for name in runs}
    ratio = wall["B"] / wall["E"]
    print(f"\n== feeds per tag and language, Feeds page, embed: {n:,} items, {tags} tags ==")
    for name in ("E", "B"):
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs[name])
        print(f"{name}: wall {walls} s (median {wall[name]:.1f} s), CPU {cpu[name]:.1f} s")
    print(f"B writes {feeds:,} feed files and {embed:,} embed files")
    print(f"B/E time ratio: {ratio:.3f} (goal <= 1.10); CPU ratio {cpu['B'] / cpu['E']:.3f}")
    # Each round builds E then B: their ratio is less disturbed by load that comes and goes.
    pairs = zip(runs["E"], runs["B"], strict=True)
    per_round = ", ".join(f"{b['cpu'] / e['cpu']:.3f}" for e, b in pairs)
    loads = [r["load"] for name in runs for r in runs[name]]
    print(f"CPU ratio per round: {per_round}; load average {min(loads):.1f} to {max(loads):.1f}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bench-feeds-embed.json").write_text(
        json.dumps({"items": n, "tags": tags, "runs": runs, "ratio": ratio}, indent=2),
        encoding="utf-8",
    )


def test_serve_edit_latency(tmp_path_factory) -> None:
    """Edit one item while ``mkdocs serve`` runs the largest hub; seconds until it is served."""
    n = max(SIZES)
    work = tmp_path_factory.mktemp(f"serve{n}")
    items = make_items(n)
    config = write_hub(work, items)
    target = next(i for i in items if i.is_public and i.kind == "qa")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}",
         "--no-livereload" if os.environ.get("KEHILA_BENCH_NO_LIVERELOAD") else "--livereload",
         *SERVE_ARGS],
        cwd=work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/questions/{target.slug}/"
    try:
        start = time.perf_counter()
        _wait_for(url, lambda body: target.title in body, timeout=1800)
        first_build = time.perf_counter() - start
        time.sleep(2)
        marker = f"Edited {int(time.time())}"
        path = work / "content" / "qa" / f"{target.slug}.md"
        text = path.read_text(encoding="utf-8")
        edited = re.sub(r"^title: .*$", f"title: {marker}", text, count=1, flags=re.M)
        start = time.perf_counter()
        path.write_text(edited, encoding="utf-8")
        _wait_for(url, lambda body: marker in body, timeout=1800)
        latency = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    mode = " ".join(["mkdocs serve", *SERVE_ARGS])
    print(f"\n{mode}: first build {first_build:.1f} s; edit to page {latency:.2f} s (goal <= 2)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "bench-serve.json"
    out.write_text(
        json.dumps({"items": n, "args": SERVE_ARGS, "first_build": first_build, "latency": latency})
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, ready, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if ready(response.read().decode("utf-8", "replace")):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {timeout} s")
