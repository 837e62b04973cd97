"""The ``stackexchange`` source against a real dump read from disk.

Data: ``stackexchange/cardano.stackexchange.com`` in the shared corpus, a row subset of the Cardano
Stack Exchange data dump (via Igodlab/stackexchangeparser; user contributions licensed CC BY-SA 4.0
per row's ContentLicense, see SOURCES.md): 303 questions, 166 with an accepted answer.

Expected values are computed from the dump itself with the standard library's ElementTree (a
different parser from the one the source uses), never typed in.
"""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from kehila.harvest.sources.base import ConfigError, HarvestContext, HarvestError, Skipped
from kehila.harvest.sources.stackexchange import StackExchangeSource, parse_tags
from kehila.harvest.store import ItemStore
from kehila.model import Item
from pytest_httpserver import HTTPServer

from ..conftest import build

SITE = "cardano.stackexchange.com"
DUMP = f"stackexchange/{SITE}"


def _rows(path: Path) -> list[dict[str, str]]:
    return [row.attrib for row in ET.parse(path).getroot()]


@pytest.fixture(scope="module")
def dump(corpus: Path) -> dict[str, object]:
    posts = _rows(corpus / DUMP / "Posts.xml")
    users = {u["Id"]: u["DisplayName"] for u in _rows(corpus / DUMP / "Users.xml")}
    questions = {p["Id"]: p for p in posts if p["PostTypeId"] == "1"}
    answers = {p["Id"]: p for p in posts if p["PostTypeId"] == "2"}
    return {"questions": questions, "answers": answers, "users": users}


def _run(folder: Path, tmp_path: Path, **options: object) -> tuple[list[Item], list[Skipped]]:
    context = HarvestContext(project_dir=tmp_path, state_dir=tmp_path / "state")
    source = StackExchangeSource("cardano", {"path": str(folder), **options}, context)
    found = list(source.items())
    items = [i for i in found if isinstance(i, Item)]
    skipped = [s for s in found if isinstance(s, Skipped)]
    assert len(items) + len(skipped) == len(found)
    return items, skipped


def _copy_dump(corpus: Path, tmp_path: Path) -> Path:
    target = tmp_path / SITE
    target.mkdir()
    for name in ("Posts.xml", "Users.xml"):
        shutil.copyfile(corpus / DUMP / name, target / name)
    return target


def test_every_question_is_an_item_or_a_skip(corpus: Path, tmp_path: Path, dump: dict) -> None:
    items, skipped = _run(corpus / DUMP, tmp_path)
    questions = dump["questions"]
    accepted = {qid for qid, q in questions.items() if q.get("AcceptedAnswerId")}
    assert len(questions) == 303 and len(accepted) == 166
    assert len(items) == 166
    assert {i.id for i in items} == {f"stackexchange:{SITE}:{qid}" for qid in accepted}
    assert len(skipped) == 303 - 166
    assert {s.reason for s in skipped} == {"no accepted answer"}


def test_accepted_answer_first_and_attribution_on_every_item(
    corpus: Path, tmp_path: Path, dump: dict
) -> None:
    items, _ = _run(corpus / DUMP, tmp_path)
    questions, answers, users = dump["questions"], dump["answers"], dump["users"]
    for item in items:
        qid = item.id.rsplit(":", 1)[1]
        question = questions[qid]
        assert item.kind == "qa" and item.status == "pending"
        assert item.title == question["Title"]
        assert item.tags == parse_tags(question["Tags"])
        # Licence: the row's ContentLicense, with the Creative Commons deed.
        assert item.license is not None
        assert item.license.name == question["ContentLicense"] == "CC BY-SA 4.0"
        assert item.license.url == "https://creativecommons.org/licenses/by-sa/4.0/"
        # Attribution: a link to the question, the author's name and profile.
        assert item.source is not None and item.source.type == "stackexchange"
        assert item.source.url == f"https://{SITE}/questions/{qid}"
        assert item.author is not None and item.author.name
        if question.get("OwnerUserId"):
            assert item.author.name == users[question["OwnerUserId"]]
            assert item.author.url == f"https://{SITE}/users/{question['OwnerUserId']}"
        # The accepted answer comes first and is the only one marked.
        first = item.answers[0]
        assert first.accepted and not any(a.accepted for a in item.answers[1:])
        assert first.url == f"https://{SITE}/a/{question['AcceptedAnswerId']}"
        for answer in item.answers:
            row = answers[answer.url.rsplit("/", 1)[1]]
            assert row["ParentId"] == qid
            assert answer.author.name
            if row.get("OwnerUserId"):
                assert answer.author.name == users[row["OwnerUserId"]]
                assert answer.author.url == f"https://{SITE}/users/{row['OwnerUserId']}"
            assert answer.score == int(row["Score"])
        # Then the others, best score first, at most three by default.
        others = [a.score for a in item.answers[1:]]
        assert others == sorted(others, reverse=True) and len(others) <= 3
        siblings = [a for a in answers.values() if a["ParentId"] == qid]
        assert len(item.answers) == min(len(siblings), 4)
        # Bodies are Markdown now: no raw HTML paragraphs left.
        assert "<p>" not in item.body and item.body.strip()


def test_min_score_tags_and_max_answers(corpus: Path, tmp_path: Path, dump: dict) -> None:
    items, skipped = _run(
        corpus / DUMP, tmp_path, min_score=5, tags=["plutus", "cardano-node"], max_answers=0
    )
    expected = {
        qid
        for qid, q in dump["questions"].items()
        if q.get("AcceptedAnswerId")
        and int(q["Score"]) >= 5
        and {"plutus", "cardano-node"} & set(parse_tags(q["Tags"]))
    }
    assert expected and len(expected) < 166
    assert {i.id.rsplit(":", 1)[1] for i in items} == expected
    assert all(len(i.answers) == 1 and i.answers[0].accepted for i in items)
    reasons = {s.reason.split(" ")[0] for s in skipped}
    assert reasons == {"no", "score", "none"}
    assert len(items) + len(skipped) == 303


def test_malformed_dump_names_file_and_line(corpus: Path, tmp_path: Path) -> None:
    folder = _copy_dump(corpus, tmp_path)
    posts = folder / "Posts.xml"
    lines = posts.read_bytes().split(b"\n")
    # Break row 40 (file line 42): an unquoted attribute value.
    lines[41] = lines[41].replace(b'Score="', b"Score=", 1)
    posts.write_bytes(b"\n".join(lines))
    content = tmp_path / "content"
    store = ItemStore(content)
    with pytest.raises(HarvestError) as caught:
        for found in _source(folder, tmp_path).items():
            if isinstance(found, Item):
                store.put(found)
    message = str(caught.value)
    assert str(posts) in message and "line 42" in message and "malformed XML" in message
    # The scan fails before the first item is built: nothing was written at all.
    assert not content.exists() or not any(content.rglob("*.md"))


def test_external_entities_are_never_resolved(corpus: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "Posts.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE posts [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<posts>\n  <row Id="1" PostTypeId="1" AcceptedAnswerId="2" Title="t" Body="&xxe;" '
        'CreationDate="2021-01-01T00:00:00.000" Score="1" />\n</posts>\n',
        encoding="utf-8",
    )
    with pytest.raises(HarvestError) as failure:
        list(_source(folder, tmp_path).items())
    message = str(failure.value)
    assert f"{folder / 'Posts.xml'}: line 2: the file's DOCTYPE declares entities" in message
    assert "delete the <!DOCTYPE ...> declaration" in message and "TOP-SECRET" not in message


@pytest.mark.parametrize(
    "doctype",
    [
        "<!DOCTYPE posts>",
        '<!DOCTYPE posts SYSTEM "{dtd}">',
        '<!DOCTYPE posts PUBLIC "-//Mirror//DTD Posts//EN" "{dtd}">',
    ],
)
def test_a_doctype_line_is_ignored(
    corpus: Path, tmp_path: Path, httpserver: HTTPServer, doctype: str
) -> None:
    """Mirrors and older tools put a DOCTYPE before the rows: read as usual, nothing fetched."""
    httpserver.expect_request("/posts.dtd").respond_with_data("<!ENTITY x 'y'>")
    folder = _copy_dump(corpus, tmp_path)
    expected, _ = _run(folder, tmp_path / "plain")
    for name in ("Posts.xml", "Users.xml"):
        path = folder / name
        head, _, rest = path.read_bytes().partition(b"\n")
        line = doctype.format(dtd=httpserver.url_for("/posts.dtd")).encode()
        path.write_bytes(head + b"\n" + line + b"\n" + rest)
    items, _ = _run(folder, tmp_path / "doctype")
    assert [(i.id, i.body, i.answers) for i in items] == [
        (i.id, i.body, i.answers) for i in expected
    ]
    assert items
    assert httpserver.log == []


def test_old_dump_without_content_license(corpus: Path, tmp_path: Path, dump: dict) -> None:
    folder = _copy_dump(corpus, tmp_path)
    posts = folder / "Posts.xml"
    posts.write_bytes(posts.read_bytes().replace(b' ContentLicense="CC BY-SA 4.0"', b""))
    assert b"ContentLicense" not in posts.read_bytes()
    # The newest post of this dump is from 2021-2022: CC BY-SA 4.0 was in force.
    items, _ = _run(folder, tmp_path)
    assert len(items) == 166
    assert {(i.license.name, i.license.url) for i in items} == {
        ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/")
    }
    # Told the dump is from 2015, the licence is the one of 2015.
    items, _ = _run(folder, tmp_path, dump_date="2015-06-01")
    assert {i.license.name for i in items} == {"CC BY-SA 3.0"}
    # As YAML gives it (a date), and from before 2011.
    items, _ = _run(folder, tmp_path, dump_date=dt.date(2010, 12, 31))
    assert {(i.license.name, i.license.url) for i in items} == {
        ("CC BY-SA 2.5", "https://creativecommons.org/licenses/by-sa/2.5/")
    }


def test_items_go_through_the_real_store(corpus: Path, tmp_path: Path, dump: dict) -> None:
    # A subset (min_score) keeps the test fast; every item of the corpus is checked above.
    items, _ = _run(corpus / DUMP, tmp_path, min_score=15)
    expected = [
        q for q in dump["questions"].values() if q.get("AcceptedAnswerId") and int(q["Score"]) >= 15
    ]
    assert len(items) == len(expected) > 5
    store = ItemStore(tmp_path / "content")
    assert [store.put(item).outcome.value for item in items] == ["new"] * len(items)
    files = sorted((tmp_path / "content").rglob("*.md"))
    assert len(files) == len(items)
    for path in files:
        stored = Item.from_text(path.read_text(encoding="utf-8"), path=str(path))
        assert stored.license and stored.license.url and stored.author
        assert stored.answers[0].accepted
    # A second harvest of the same dump changes nothing.
    items, _ = _run(corpus / DUMP, tmp_path, min_score=15)
    assert {ItemStore(tmp_path / "content").put(i).outcome.value for i in items} == {"unchanged"}


def test_bad_options_name_the_option(corpus: Path, tmp_path: Path) -> None:
    context = HarvestContext(project_dir=tmp_path, state_dir=tmp_path)
    with pytest.raises(ConfigError, match="option 'path': 'nowhere' is not a folder"):
        StackExchangeSource("se", {"path": "nowhere"}, context)
    with pytest.raises(ConfigError, match="option 'min_score': expected a whole number"):
        StackExchangeSource("se", {"path": str(corpus / DUMP), "min_score": "high"}, context)
    with pytest.raises(ConfigError, match="option 'min_scor': unknown option .did you mean"):
        StackExchangeSource("se", {"path": str(corpus / DUMP), "min_scor": 1}, context)


def _source(folder: Path, tmp_path: Path) -> StackExchangeSource:
    context = HarvestContext(project_dir=tmp_path, state_dir=tmp_path / "state")
    return StackExchangeSource("cardano", {"path": str(folder)}, context)


def test_hub_renders_license_and_attribution(corpus: Path, demo_project: Path) -> None:
    items, _ = _run(corpus / DUMP, demo_project, min_score=20)
    assert items
    store = ItemStore(demo_project / "content")
    for item in items:
        # An editor approved it (harvest itself only ever writes pending items).
        item.status = "published"
        assert store.put(item).outcome.value == "new"
    site = build(demo_project)
    for item in items:
        pages = [
            p
            for p in site.rglob("index.html")
            if f'href="{item.source.url}"' in p.read_text(encoding="utf-8")
            and "kehila-qa" in p.read_text(encoding="utf-8")
        ]
        assert len(pages) == 1, item.id
        html = pages[0].read_text(encoding="utf-8")
        assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in html
        assert "CC BY-SA 4.0" in html
        assert f'href="{item.author.url}"' in html
        for answer in item.answers:
            assert f'href="{answer.url}"' in html
            if answer.author.url:
                assert f'href="{answer.author.url}"' in html


def test_an_answer_under_another_licence_keeps_and_shows_it(
    corpus: Path, tmp_path: Path, dump: dict
) -> None:
    # The corpus rows are all CC BY-SA 4.0; one accepted answer's row is edited to 3.0, as rows
    # of answers posted before May 2018 read in real dumps.
    question = next(q for q in dump["questions"].values() if q.get("AcceptedAnswerId"))
    answer_id = question["AcceptedAnswerId"]
    folder = _copy_dump(corpus, tmp_path)
    posts = folder / "Posts.xml"
    text = posts.read_text(encoding="utf-8-sig")
    row_start = text.index(f'<row Id="{answer_id}" ')
    row_end = text.index("/>", row_start)
    row = text[row_start:row_end]
    assert 'ContentLicense="CC BY-SA 4.0"' in row
    posts.write_text(
        text[:row_start] + row.replace("CC BY-SA 4.0", "CC BY-SA 3.0") + text[row_end:],
        encoding="utf-8",
    )
    items, _ = _run(folder, tmp_path)
    item = next(i for i in items if i.id.endswith(f":{question['Id']}"))
    accepted = item.accepted_answer
    assert accepted.license is not None and accepted.license.name == "CC BY-SA 3.0"
    assert accepted.license.url == "https://creativecommons.org/licenses/by-sa/3.0/"
    assert all(a.license is None for a in item.other_answers)  # same as the question's
    # The licence survives the file and is shown beside the answer on the hub.
    item.status = "published"
    again = Item.from_text(item.to_text(), path="content/questions/x.md")
    assert again.accepted_answer.license == accepted.license
    from kehila.content import Catalog
    from kehila.hub import Hub

    page = next(p for p in Hub(Catalog(items=[again])).pages() if p.item is not None)
    assert (
        'licensed under <bdi><a href="https://creativecommons.org/licenses/by-sa/3.0/" '
        'rel="license">CC BY-SA 3.0</a></bdi>'
    ) in page.markdown
