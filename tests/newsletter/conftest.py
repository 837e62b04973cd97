"""A small hub with newsletter issues that use every feature an email must carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import write_files

MKDOCS_YML = """
site_name: Tavla Community Hub
site_url: https://community.tavla.example/hub/
docs_dir: content
theme:
  name: material
  language: en
plugins:
  - kehila:
      search: false
      newsletter:
        from: Tavla Community <news@tavla.example>
        reply_to: community@tavla.example
        subscribe_url: https://tavla.example/newsletter/subscribe
        unsubscribe: mailchimp
        unsubscribe_url: https://tavla.example/unsubscribe?email={email}&token={token}
"""

ISSUE = """
---
id: manual:notes-20
kind: newsletter
status: published
title: "Tavla Notes #20: exports, APIs and a story from the bakery"
slug: tavla-notes-20
date: 2025-11-01T08:00:00Z
language: en
tags: [release-notes]
issue: 20
summary: CSV exports for every report, a faster API and the Cohen bakery's Fridays.
---
<!-- The image path is relative to this file (content/newsletter/), as for every link: the hub
rewrites it for the archive page (newsletter/2025/...) and the email. -->
Welcome back! This month's [story from the bakery](../stories/2025-06-10-bakery.md) and an
[answer that is still pending](../questions/2025-10-01-pending.md) (its link must vanish).

![Export dialog](../img/export.png)

## Exports

| Report | Format | Columns |
| --- | --- | --- |
| Shifts | CSV | date, team, person, start, end, location, notes, approved_by, approved_at |
| Hours | XLSX | person, hours |

```python
import csv
with open("shifts-export-with-a-very-long-file-name-that-would-scroll-sideways.csv") as handle:
    rows = list(csv.DictReader(handle))  # a long line of code that must wrap, never scroll sideways
```

> The export saved us an afternoon every month.
> — Dana, volunteer coordinator

Read [the API changes](https://docs.tavla.example/api/changes#v3) or [jump below](#exports).
A [hostile link](javascript:alert(1)) keeps its text only.
<script>alert("no script reaches an email")</script>
"""

FILES = {
    "mkdocs.yml": MKDOCS_YML,
    "content/newsletter/2025-11-01-notes-20.md": ISSUE,
    "content/newsletter/2025-09-01-he-4.md": """
        ---
        id: manual:he-4
        kind: newsletter
        status: published
        title: "עיתון Tavla, גיליון 4"
        slug: tavla-he-4
        date: 2025-09-01T06:00:00Z
        language: he
        tags: []
        issue: 4
        summary: תבניות חדשות לבתי ספר.
        ---
        שנת הלימודים נפתחה. [קראו עוד](https://tavla.example/he/blog).

        > ציטוט מהקהילה.
        """,
    "content/newsletter/2025-08-01-ar-1.md": """
        ---
        id: manual:ar-1
        kind: newsletter
        status: published
        title: "نشرة تافلا، العدد ١"
        slug: tavla-ar-1
        date: 2025-08-01T06:00:00Z
        language: ar
        tags: []
        summary: قوالب جديدة للمدارس.
        ---
        مرحبا بكم في النشرة الأولى.
        """,
    "content/newsletter/2025-12-01-notes-21.md": """
        ---
        id: manual:notes-21
        kind: newsletter
        status: pending
        title: "Tavla Notes #21 (not yet published)"
        slug: tavla-notes-21
        date: 2025-12-01T08:00:00Z
        language: en
        tags: []
        ---
        Draft text.
        """,
    "content/stories/2025-06-10-bakery.md": """
        ---
        id: manual:bakery
        kind: story
        status: published
        title: The Cohen bakery's Fridays
        slug: bakery-fridays
        date: 2025-06-10T10:00:00Z
        language: en
        tags: [reminders]
        author: {name: Miriam Cohen}
        quote: The queue in the street is gone.
        consent: {method: email, date: 2025-06-11T10:00:00Z}
        disclosure: {type: gifted, text: The bakery got a free year.}
        ---
        Every Friday the queue reached the corner.
        """,
    "content/questions/2025-10-01-pending.md": """
        ---
        id: manual:pending-q
        kind: qa
        status: pending
        title: A question still in review
        date: 2025-10-01T10:00:00Z
        language: en
        tags: []
        answers:
        - accepted: true
          author: {name: Ines}
          body: An answer.
        ---
        The question.
        """,
}


@pytest.fixture
def hub_project(tmp_path: Path) -> Path:
    """The hub's folder (mkdocs.yml, content/); the image of the issue is a real file."""
    write_files(tmp_path, FILES)
    (tmp_path / "content" / "img").mkdir()
    (tmp_path / "content" / "img" / "export.png").write_bytes(_PNG)
    return tmp_path


# A 1x1 PNG, so that the build copies a real image that the email links to.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
