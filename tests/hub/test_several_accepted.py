"""A thread with several accepted answers (a Discourse forum with multiple solutions), end to end.

The page shows every accepted answer first, each marked with who accepted it; the QAPage
JSON-LD lists them all as ``acceptedAnswer`` and counts the answers shown; the feeds carry them;
``kehila check`` accepts the item and the desk shows each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner
from kehila.cli import main

from ..conftest import build, write_files

ITEM = """
    ---
    id: discourse:forum.example.org:4021
    kind: qa
    status: published
    title: Recurring shifts move by one hour after the clocks change
    slug: several-solutions
    date: 2026-03-30T08:12:40Z
    language: en
    tags: [calendar]
    author: {name: Tomasz K., url: https://forum.example.org/u/tomasz_k}
    answers:
    - author: {name: Marta, url: https://forum.example.org/u/marta}
      url: https://forum.example.org/t/x/4021/3
      score: 6
      body: Same here; the DST FAQ helped.
    - accepted: true
      accepted_by: Tomasz K.
      author: {name: Ines, url: https://forum.example.org/u/ines}
      url: https://forum.example.org/t/x/4021/2
      score: 14
      body: Recurring shifts are stored in the timezone of the team.
    - accepted: true
      accepted_by: Ines
      author: {name: Lev, url: https://forum.example.org/u/lev}
      url: https://forum.example.org/t/x/4021/26
      score: 4
      body: Re-save the calendar link too.
    source:
      name: forum
      type: discourse
      url: https://forum.example.org/t/x/4021
      harvested: 2026-06-01T06:00:00Z
    ---
    Since the switch to summer time all our recurring shifts start an hour early.
"""


def test_several_accepted_answers(demo_project: Path) -> None:
    write_files(demo_project, {"content/questions/several.md": ITEM})
    check = CliRunner().invoke(main, ["check", "--content", str(demo_project / "content")])
    assert check.exit_code == 0, check.output
    shown = CliRunner().invoke(
        main, ["review", "show", "several-solutions", "--content", str(demo_project / "content")]
    )
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert text.index("Accepted answer (accepted by Tomasz K.) — Ines") < text.index(
        "Accepted answer (accepted by Ines) — Lev"
    )
    assert text.index("— Lev") < text.index("Answer 3 — Marta")

    site = build(demo_project)
    page = BeautifulSoup(
        (site / "questions" / "several-solutions" / "index.html").read_text("utf-8"), "html.parser"
    )
    sections = page.select(".kehila-answer")
    assert [s.select_one(".kehila-attribution a").get_text() for s in sections] == [
        "Ines",
        "Lev",
        "Marta",
    ]
    assert [bool(s.select_one(".kehila-badge--accepted")) for s in sections] == [True, True, False]
    assert [
        s.select_one(".kehila-accepted-by").get_text()
        if s.select_one(".kehila-accepted-by")
        else None
        for s in sections
    ] == ["accepted by Tomasz K.", "accepted by Ines", None]

    [data] = [
        json.loads(s.string)
        for s in page.select('script[type="application/ld+json"]')
        if '"QAPage"' in s.string
    ]
    question = data["mainEntity"]
    assert question["answerCount"] == 3
    assert [a["author"]["name"] for a in question["acceptedAnswer"]] == ["Ines", "Lev"]
    assert [a["author"]["name"] for a in question["suggestedAnswer"]] == ["Marta"]

    feed = json.loads((site / "feeds" / "questions.json").read_text("utf-8"))
    [entry] = [e for e in feed["items"] if e["url"].endswith("/several-solutions/")]
    html = entry["content_html"]
    assert re.search(
        r"Accepted answer by Ines:</strong>.*Accepted answer by Lev:</strong>", html, re.S
    )
