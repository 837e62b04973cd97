"""Structured data (schema.org JSON-LD) for the hub's pages, built from the content model.

- an answered question is a ``QAPage`` whose ``mainEntity`` ``Question`` has an ``acceptedAnswer``
  (a list when a forum marked several) and the other answers as ``suggestedAnswer``;
- a story is a ``CreativeWork`` (an ``Article``) whose ``hasPart`` is the customer's
  ``Quotation``. No ``Review`` with stars: a business must not rate itself (Google's
  "self-serving reviews" rule), and these quotes are not ratings;
- a newsletter issue is a ``BlogPosting``;
- every page but the home page has a ``BreadcrumbList``.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urljoin

from .hub import Hub
from .model import Answer, Item, Person
from .pages import PageSpec

CONTEXT = "https://schema.org"


def page_data(hub: Hub, spec: PageSpec, *, site_url: str, site_name: str) -> list[dict[str, Any]]:
    """The JSON-LD objects for one generated page (empty for pages that need none)."""
    ld = _Builder(hub, site_url, site_name)
    data: list[dict[str, Any]] = []
    if spec.item is not None and not spec.draft:
        data.append(ld.item(spec.item, spec.src_uri))
    if spec.crumbs:
        data.append(ld.breadcrumbs(spec))
    return data


def script_tags(data: list[dict[str, Any]]) -> str:
    """``<script type="application/ld+json">`` elements.

    ``</`` is escaped, so that no text inside can end the element early.
    """
    tags = []
    for obj in data:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        text = text.replace("</", "<\\/").replace("<!--", "<\\!--")
        tags.append(f'<script type="application/ld+json">{text}</script>')
    return "\n".join(tags)


@functools.lru_cache(maxsize=4096)
def _absolute(site_url: str, path: str) -> str:
    # Cached: every page names the home page and its section in its breadcrumbs.
    return urljoin(site_url, path)


class _Builder:
    def __init__(self, hub: Hub, site_url: str, site_name: str) -> None:
        self.hub = hub
        self.site_url = site_url or "/"
        self.site_name = site_name

    def url(self, src_uri: str) -> str:
        return _absolute(self.site_url, self.hub.url_of(src_uri))

    def item(self, item: Item, src_uri: str) -> dict[str, Any]:
        builder = {"qa": self.qa_page, "story": self.story, "newsletter": self.newsletter}
        return builder[item.kind](item, self.url(src_uri))

    def qa_page(self, item: Item, url: str) -> dict[str, Any]:
        question: dict[str, Any] = {
            "@type": "Question",
            "name": item.title,
            "text": item.body.strip() or item.title,
            "answerCount": len(item.shown_answers),
            "dateCreated": item.date.isoformat(),
            "inLanguage": item.language,
        }
        if item.author:
            question["author"] = _person(item.author)
        # One accepted answer is an object, as Google's Q&A guidelines show it; a forum that
        # marks several solutions gives a list (schema.org allows several values).
        accepted = [self.answer(a, url) for a in item.accepted_answers]
        if accepted:
            question["acceptedAnswer"] = accepted[0] if len(accepted) == 1 else accepted
        others = [self.answer(a, url) for a in item.other_answers]
        if others:
            question["suggestedAnswer"] = others
        return {"@context": CONTEXT, "@type": "QAPage", "url": url, "mainEntity": question}

    def answer(self, answer: Answer, page_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "@type": "Answer",
            "text": answer.body.strip(),
            "author": _person(answer.author),
            "url": answer.url or page_url,
        }
        if answer.date:
            data["dateCreated"] = answer.date.isoformat()
        if answer.score is not None:
            data["upvoteCount"] = answer.score
        return data

    def story(self, item: Item, url: str) -> dict[str, Any]:
        data = self._article("Article", item, url)
        if item.author:
            data["author"] = _person(item.author)
        if item.quote:
            quotation: dict[str, Any] = {
                "@type": "Quotation",
                "text": item.quote,
                "inLanguage": item.language,
            }
            if item.author:
                quotation["creator"] = _person(item.author)
            data["hasPart"] = quotation
        if item.source and item.source.public_url:
            data["isBasedOn"] = item.source.public_url
        return data

    def newsletter(self, item: Item, url: str) -> dict[str, Any]:
        data = self._article("BlogPosting", item, url)
        data["mainEntityOfPage"] = url
        data["dateModified"] = data["datePublished"]
        data["author"] = data["publisher"]
        if item.summary:
            data["description"] = item.summary
        if item.issue is not None:
            data["position"] = item.issue
        return data

    def _article(self, type_: str, item: Item, url: str) -> dict[str, Any]:
        """What stories and newsletter issues have in common: an article published by the hub."""
        return {
            "@context": CONTEXT,
            "@type": type_,
            "headline": item.title,
            "url": url,
            "datePublished": item.date.isoformat(),
            "inLanguage": item.language,
            "keywords": list(item.tags),
            "publisher": {"@type": "Organization", "name": self.site_name},
        }

    def breadcrumbs(self, spec: PageSpec) -> dict[str, Any]:
        trail = [*spec.crumbs, (spec.title, spec.src_uri)]
        return {
            "@context": CONTEXT,
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "name": name, "item": self.url(uri)}
                for n, (name, uri) in enumerate(trail, start=1)
            ],
        }


def _person(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Person", "name": person.name}
    if person.url:
        data["url"] = person.url
    return data
