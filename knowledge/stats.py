"""`thongthin kb stats`: how much the knowledge base covers, and what is still missing."""

from __future__ import annotations

from collections import Counter

from knowledge.base import KnowledgeBase
from knowledge.lint_examples import MIN_EXAMPLES


def _table(title: str, counts: dict[str, int]) -> list[str]:
    width = max((len(k) for k in counts), default=0)
    return [title] + [f"  {key:<{width}}  {value}" for key, value in counts.items()]


def stats_report(kb: KnowledgeBase) -> str:
    intents = kb.intents.values()
    examples = sum(len(i.examples) for i in intents)
    by_audience = Counter(i.audience for i in intents)
    by_topic = Counter(i.topic for i in intents)
    topic_rows = {f"{topic} ({group})": by_topic.get(topic, 0) for topic, group in kb.topics.items()}
    topic_rows.update({f"{t} (unknown topic)": n for t, n in by_topic.items() if t not in kb.topics})
    thin = sorted(f"{k} ({len(i.examples)})" for k, i in kb.intents.items() if len(i.examples) < MIN_EXAMPLES)
    uncovered = [t for t in kb.topics if t not in by_topic]
    lines = [
        f"intents: {len(kb.intents)}   examples: {examples}",
        f"citizen services: {len(kb.services)}   officer entries (helpdesk articles): {len(kb.articles)}",
        f"LAOs: {len(kb.laos)} ({sum(lao.is_mentor for lao in kb.laos.values())} mentors)   "
        f"sources: {len(kb.sources)}   responses: {len(kb.responses)}",
        "",
        *_table("intents per audience:", {a: by_audience.get(a, 0) for a in ("citizen", "officer", "any")}),
        "",
        *_table("intents per topic:", topic_rows),
        "",
        f"intents with fewer than {MIN_EXAMPLES} examples ({len(thin)}): {', '.join(thin) or '-'}",
        f"topics with no intent yet ({len(uncovered)}): {', '.join(uncovered) or '-'}",
    ]
    return "\n".join(lines)
