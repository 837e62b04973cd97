"""Real recorded payloads of every harvest path, with hostile text put where strangers write.

Each function takes a real capture from the shared corpus and replaces the fields a stranger
controls (titles, bodies, names, quotes) with batches of XSS vectors, keeping everything else of
the format as recorded:

* :func:`hostile_feed`: ``feeds/rss-parser/content-encoded.rss`` (a Medium publication feed,
  rbren/rss-parser, MIT): entry title, ``content:encoded`` body, categories and ``dc:creator``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

from lxml import etree

from .vectors import Vector, as_html, xml_safe

FEED = "feeds/rss-parser/content-encoded.rss"
_NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def hostile_feed(corpus: Path, batches: list[list[Vector]], *, tag: str = "hostile") -> bytes:
    """The Medium feed with one entry per batch: the batch as title, body and author."""
    tree = etree.fromstring((corpus / FEED).read_bytes())
    channel = tree.find("channel")
    template = channel.find("item")
    for item in channel.findall("item"):
        channel.remove(item)
    for number, batch in enumerate(batches, 1):
        item = copy.deepcopy(template)
        joined = xml_safe(" ".join(v.text for v in batch))
        item.find("title").text = joined
        item.find("link").text = f"https://medium.com/invironment/hostile-{tag}-{number}"
        item.find("guid").text = f"https://medium.com/p/hostile-{tag}-{number}"
        for category in item.findall("category"):
            item.remove(category)
        for vector in batch[:1]:
            category = etree.SubElement(item, "category")
            category.text = xml_safe(vector.text)[:60]
        item.find("dc:creator", _NS).text = xml_safe(batch[0].text)
        item.find("content:encoded", _NS).text = xml_safe(as_html(batch))
        channel.append(item)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


DISCOURSE_LIST = "discourse/discourse_api/latest.json"
DISCOURSE_TOPIC = "discourse/discourse-solved/topic_23_accepted_answer_with_excerpt.json"
DISCOURSE_CATEGORIES = "discourse/discourse_api/categories.json"


def hostile_discourse(corpus: Path, batches: list[list[Vector]]) -> dict[str, bytes]:
    """Path -> JSON body of a forum whose every solved topic is a batch of vectors."""
    listing = json.loads((corpus / DISCOURSE_LIST).read_text(encoding="utf-8"))
    template = listing["topic_list"]["topics"][0]
    topic_template = json.loads((corpus / DISCOURSE_TOPIC).read_text(encoding="utf-8"))
    entries = []
    pages: dict[str, bytes] = {}
    for number, batch in enumerate(batches, 1):
        topic_id = 1000 + number
        joined = " ".join(v.text for v in batch)
        entries.append(
            {**template, "id": topic_id, "title": joined, "fancy_title": joined,
             "slug": f"hostile-{number}", "has_accepted_answer": True, "like_count": 1}
        )  # fmt: skip
        topic = copy.deepcopy(topic_template)
        topic.update(id=topic_id, title=joined, fancy_title=joined, slug=f"hostile-{number}")
        topic["tags"] = [v.text[:40] for v in batch[:1]]
        for post in topic["post_stream"]["posts"]:
            post["cooked"] = as_html(batch)
            post["name"] = batch[-1].text
            post["topic_id"] = topic_id
        pages[f"/t/{topic_id}.json"] = json.dumps(topic).encode()
    listing["topic_list"]["topics"] = entries
    listing["topic_list"].pop("more_topics_url", None)
    pages["/latest.json"] = json.dumps(listing).encode()
    # A forum answers the harvest's question about its categories' description topics.
    pages["/categories.json"] = (corpus / DISCOURSE_CATEGORIES).read_bytes()
    return pages


SE_DUMP = "stackexchange/cardano.stackexchange.com"


def hostile_stackexchange(corpus: Path, batches: list[list[Vector]], folder: Path) -> Path:
    """A dump folder (Posts.xml, Users.xml) with one answered question per batch."""
    posts = etree.parse(str(corpus / SE_DUMP / "Posts.xml")).getroot()
    rows = {row.get("Id"): row for row in posts}
    question = next(r for r in posts if r.get("PostTypeId") == "1" and r.get("AcceptedAnswerId"))
    answer = rows[question.get("AcceptedAnswerId")]
    users = etree.parse(str(corpus / SE_DUMP / "Users.xml")).getroot()
    user = next(u for u in users if u.get("Id") == question.get("OwnerUserId"))
    new_posts, new_users = etree.Element("posts"), etree.Element("users")
    for number, batch in enumerate(batches, 1):
        q, a, u = copy.deepcopy(question), copy.deepcopy(answer), copy.deepcopy(user)
        user_id, q_id, a_id = str(5000 + number), str(10000 + number), str(20000 + number)
        u.set("Id", user_id)
        u.set("DisplayName", xml_safe(batch[0].text))
        q.set("Id", q_id)
        q.set("AcceptedAnswerId", a_id)
        q.set("OwnerUserId", user_id)
        q.set("Title", xml_safe(" ".join(v.text for v in batch)))
        q.set("Body", xml_safe(as_html(batch)))
        q.set("Tags", "".join(f"<{xml_safe(v.text)[:30]}>" for v in batch[:1]))
        a.set("Id", a_id)
        a.set("ParentId", q_id)
        a.set("OwnerUserId", user_id)
        a.set("Body", xml_safe(as_html(batch)))
        new_posts.extend([q, a])
        new_users.append(u)
    folder.mkdir(parents=True, exist_ok=True)
    for name, root in (("Posts.xml", new_posts), ("Users.xml", new_users)):
        (folder / name).write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    return folder


CSV_COLUMNS = {
    "name": "Your name",
    "title": "Headline",
    "quote": "What would you tell a friend?",
    "body": "Tell us your story",
    "consent": "May we publish your answer with your name?",
    "date": "Timestamp",
    "role": "Your role",
    "company": "Company",
    "tags": "Topics",
}


def hostile_csv(batches: list[list[Vector]]) -> bytes:
    """A form export with one row per batch: every answer is made of vectors."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS.values()))
    writer.writeheader()
    for number, batch in enumerate(batches, 1):
        texts = [v.text for v in batch]
        writer.writerow(
            {
                CSV_COLUMNS["name"]: f"Reviewer {number} {texts[0]}",
                CSV_COLUMNS["title"]: " ".join(texts),
                CSV_COLUMNS["quote"]: " ".join(texts),
                CSV_COLUMNS["body"]: "\n\n".join(texts),
                CSV_COLUMNS["consent"]: "yes",
                CSV_COLUMNS["date"]: f"2025-03-{1 + number % 28:02d} 10:00:00",
                CSV_COLUMNS["role"]: texts[-1],
                CSV_COLUMNS["company"]: texts[len(texts) // 2],
                CSV_COLUMNS["tags"]: texts[1] if len(texts) > 1 else texts[0],
            }
        )
    return out.getvalue().encode("utf-8")


#: GitHub's GraphQL response for answered discussions, as recorded by the github source's own
#: tests (tests/fixtures/github/, shape from GitHub's GraphQL documentation, values from the
#: octokit/webhooks payloads of the corpus; see that folder's README.md).
GITHUB_PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "answered_page1.json"


def hostile_github(batches: list[list[Vector]]) -> bytes:
    """One page of answered discussions, one per batch: title, bodies, labels, logins."""
    page = json.loads(GITHUB_PAGE.read_text(encoding="utf-8"))
    discussions = page["data"]["repository"]["discussions"]
    template = discussions["nodes"][0]
    nodes = []
    for number, batch in enumerate(batches, 1):
        node = copy.deepcopy(template)
        node["id"] = f"D_hostile_{number}"
        node["number"] = 1000 + number
        node["url"] = f"https://github.com/Codertocat/Hello-World/discussions/{1000 + number}"
        node["title"] = " ".join(v.text for v in batch)
        node["bodyHTML"] = as_html(batch)
        node["author"]["login"] = batch[0].text[:39]
        node["labels"]["nodes"] = [{"name": v.text[:50]} for v in batch[:1]]
        node["answer"]["bodyHTML"] = as_html(batch)
        node["answer"]["id"] = f"DC_hostile_{number}"
        for comment in node["comments"]["nodes"]:
            comment["bodyHTML"] = as_html(batch)
            if comment.get("isAnswer"):
                comment["id"] = node["answer"]["id"]
        nodes.append(node)
    discussions["nodes"] = nodes
    discussions["pageInfo"] = {"hasNextPage": False, "endCursor": None}
    return json.dumps(page).encode()
