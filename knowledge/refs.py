"""Cross-file references: topics, sources, services, articles, provinces and regions must all exist.

These are errors that make the knowledge base inconsistent, so `load_knowledge` refuses to load with them.
"""

from __future__ import annotations

from typing import Any

from knowledge.base import KnowledgeBase, Origin
from knowledge.problems import Problem, error
from knowledge.validate import walk


def check_references(kb: KnowledgeBase, broken_ids: set[str]) -> list[Problem]:
    """`broken_ids` ("kind:id") are records that exist but failed validation: no second error for them."""
    checker = _Checker(kb, broken_ids)
    for intent_id, intent in kb.intents.items():
        checker.intent(intent, kb.origins[f"intent:{intent_id}"])
    for kind, _, record, origin in kb.records("service", "article", "lao", "override"):
        checker.sources_in(record, origin)
        if kind in ("service", "article"):
            checker.topic(record.topic, origin, origin.line("topic"))
    for code, lao in kb.laos.items():
        checker.lao(lao, kb.origins[f"lao:{code}"])
    for _, key, _, origin in kb.records("override"):
        checker.external_override(key, origin)
    return checker.problems


class _Checker:
    def __init__(self, kb: KnowledgeBase, broken_ids: set[str]) -> None:
        self.kb = kb
        self.broken = broken_ids
        self.problems: list[Problem] = []

    def _known(self, kind: str, key: str, table: dict[str, Any]) -> bool:
        return key in table or f"{kind}:{key}" in self.broken

    def topic(self, topic: str, origin: Origin, line: int) -> None:
        if self.kb.topics and topic not in self.kb.topics:
            self.problems.append(error(origin.path, line, f"unknown topic '{topic}' (not in topics.yaml)"))

    def sources_in(self, record: Any, origin: Origin) -> None:
        for loc, value in walk(record, origin.loc):
            is_ref = loc and (loc[-1] == "source" or (len(loc) > 1 and loc[-2] == "sources"))
            if is_ref and isinstance(value, str) and not self._known("source", value, self.kb.sources):
                self.problems.append(
                    error(
                        origin.path, origin.doc.line(loc), f"unknown source '{value}' (not in sources/*.yaml)"
                    )
                )

    def intent(self, intent: Any, origin: Origin) -> None:
        own_file = origin.path.startswith("intents/")
        topic_loc = origin.loc + ("topic",)
        if (
            own_file or topic_loc in origin.doc.lines
        ):  # an inherited topic is checked with its service/article
            self.topic(intent.topic, origin, origin.doc.line(topic_loc))
        if not own_file:
            return  # the answer is the enclosing service or article, checked with it
        answer = intent.answer
        if answer.kind in ("service", "article"):
            table = self.kb.services if answer.kind == "service" else self.kb.articles
            if not self._known(answer.kind, answer.ref, table):
                self.problems.append(
                    error(origin.path, origin.line("answer", "ref"), f"unknown {answer.kind} '{answer.ref}'")
                )
        if answer.kind == "report" and answer.category:
            self.topic(answer.category, origin, origin.line("answer", "category"))
        self.sources_in(intent, origin)

    def external_override(self, key: str, origin: Origin) -> None:
        code, service_id = key.split("/", 1)
        lao = self.kb.laos.get(code)
        if lao is None and f"lao:{code}" not in self.broken:
            self.problems.append(error(origin.path, origin.line(), f"overrides for unknown LAO '{code}'"))
        if not self._known("service", service_id, self.kb.services):
            self.problems.append(
                error(origin.path, origin.line(), f"override of unknown service '{service_id}'")
            )
        if lao is not None and service_id in lao.overrides:
            first = self.kb.origins[f"lao:{code}"]
            self.problems.append(
                error(
                    origin.path,
                    origin.line(),
                    f"LAO '{code}' already overrides "
                    f"'{service_id}' in {first.path}:{first.line('overrides', service_id)}",
                )
            )

    def lao(self, lao: Any, origin: Origin) -> None:
        for i, service_id in enumerate(lao.online_services):
            if not self._known("service", service_id, self.kb.services):
                self.problems.append(
                    error(
                        origin.path,
                        origin.line("online_services", i),
                        f"unknown service '{service_id}' in online_services",
                    )
                )
        for service_id in lao.overrides:
            if not self._known("service", service_id, self.kb.services):
                self.problems.append(
                    error(
                        origin.path,
                        origin.line("overrides", service_id),
                        f"override of unknown service '{service_id}'",
                    )
                )
        if not self.kb.regions:
            return
        region = self.kb.regions.get(lao.province)
        if region is None:
            self.problems.append(
                error(
                    origin.path,
                    origin.line("province"),
                    f"unknown province '{lao.province}' (not in regions.yaml)",
                )
            )
        elif region != lao.region:
            self.problems.append(
                error(
                    origin.path,
                    origin.line("region"),
                    f"region '{lao.region}' but regions.yaml puts {lao.province} in '{region}'",
                )
            )
