"""Lint rules on what the bot sends: LINE length limits, and URLs that no source record backs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import regex

from knowledge.base import KnowledgeBase, Origin
from knowledge.problems import Problem, error, warning
from knowledge.responses import TOPIC_LABELS, is_label_key
from knowledge.schema import Service
from knowledge.validate import walk

TEXT_UTF16 = 5000  # LINE text message (UTF-16 code units)
ARTICLE_CHARS = 1500  # an article answer fits one readable chat bubble (a Flex altText built from it is cut to 400)
STEP_TITLE = 60
STEP_DETAIL = 300
SUMMARY = 400
LABEL_GRAPHEMES = 20  # quick reply / template action label

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![@\w./-])(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:go|or|ac|co|in|mi|net)\.th\b"
    r"(?:/[^\s<>\"'()\[\]]*)?",
    re.IGNORECASE,
)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def _too_long(
    origin: Origin, loc: tuple[Any, ...], text: str | None, limit: int, what: str, measure: str = "characters"
) -> list[Problem]:
    if text is None:
        return []
    size = utf16_units(text) if measure == "UTF-16 units" else len(text)
    if size <= limit:
        return []
    return [error(origin.path, origin.line(*loc), f"{what} is {size} {measure}; LINE limit here is {limit}")]


def check_limits(kb: KnowledgeBase) -> list[Problem]:
    problems: list[Problem] = []
    for service_id, service in kb.services.items():
        problems += _service_limits(service, kb.origins[f"service:{service_id}"])
    for article_id, article in kb.articles.items():
        origin = kb.origins[f"article:{article_id}"]
        problems += _too_long(origin, ("answer",), article.answer, ARTICLE_CHARS, "article answer")
    for intent_id, intent in kb.intents.items():
        origin = kb.origins[f"intent:{intent_id}"]
        problems += _too_long(
            origin, ("answer", "text"), intent.answer.text, TEXT_UTF16, "answer text", "UTF-16 units"
        )
    problems += _response_limits(kb)
    return problems


def _service_limits(service: Service, origin: Origin) -> list[Problem]:
    problems = _too_long(origin, ("summary",), service.summary, SUMMARY, "summary")
    for i, step in enumerate(service.steps):
        problems += _too_long(origin, ("steps", i, "title"), step.title, STEP_TITLE, "step title")
        problems += _too_long(origin, ("steps", i, "detail"), step.detail, STEP_DETAIL, "step detail")
    total = sum(
        utf16_units(value)
        for loc, value in walk(service)
        if isinstance(value, str) and loc[:1] != ("intents",)
    )
    if total > TEXT_UTF16:
        problems.append(
            warning(
                origin.path,
                origin.line(),
                f"service texts total {total} UTF-16 units; a full "
                f"answer would need more than one LINE message",
            )
        )
    return problems


def check_topic_labels(kb: KnowledgeBase) -> list[Problem]:
    """Once responses.yaml labels topics (topic.<name>), every topic needs a label."""
    labelled = {key.split(".", 1)[1] for key in kb.responses if key.startswith(TOPIC_LABELS + ".")}
    if not labelled:
        return []
    return [
        warning(kb.responses.path, 1, f"no label topic.{topic} for topic '{topic}'")
        for topic in kb.topics
        if topic not in labelled
    ]


def _response_limits(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    responses = kb.responses
    for key in responses:
        for text in responses.variants(key):
            if is_label_key(key) and graphemes(text) > LABEL_GRAPHEMES:
                problems.append(
                    error(
                        responses.path,
                        responses.line(key),
                        f"label '{key}' is {graphemes(text)} graphemes; LINE allows {LABEL_GRAPHEMES}",
                    )
                )
            elif utf16_units(text) > TEXT_UTF16:
                problems.append(
                    error(
                        responses.path,
                        responses.line(key),
                        f"response '{key}' is {utf16_units(text)} UTF-16 units; LINE allows {TEXT_UTF16}",
                    )
                )
    return problems


def _url_key(url: str) -> str:
    url = unquote(url.strip().rstrip(".,;:!?")).lower()
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def _texts(kb: KnowledgeBase) -> Iterator[tuple[str, int, str]]:
    """(path, line, text) of everything the bot may say, except the examples (what users type)."""
    for kind, _, record, origin in kb.records("service", "article", "lao", "override", "intent"):
        if kind == "intent" and not origin.path.startswith("intents/"):
            continue  # service/article intents hold only examples
        for loc, value in walk(record, origin.loc):
            if isinstance(value, str) and "examples" not in loc:
                yield origin.path, origin.doc.line(loc), value
    for key in kb.responses:
        for text in kb.responses.variants(key):
            yield kb.responses.path, kb.responses.line(key), text


def check_urls(kb: KnowledgeBase) -> list[Problem]:
    """A URL or .th domain the bot may say must be a source's URL, that URL's site, or in a source's note."""
    known = {_url_key(s.url) for s in kb.sources.values()}
    # A source's note may record an address the page shows (e.g. an LAO's website on its Wikipedia page).
    known |= {
        _url_key(u)
        for s in kb.sources.values()
        if s.note
        for u in _URL.findall(s.note) + _DOMAIN.findall(s.note)
    }
    hosts = {key.split("/")[0] for key in known}
    problems = []
    for path, line, text in _texts(kb):
        for found in _URL.findall(text) + _DOMAIN.findall(text):
            key = _url_key(found)
            if key not in known and key not in hosts:
                problems.append(error(path, line, f"URL '{found}' is in no source record (sources/*.yaml)"))
    return sorted(set(problems))
