"""`thongthin kb export`: every example with its intent and topic (the evaluation and NLU training input)."""

from __future__ import annotations

from collections.abc import Iterator

from knowledge.base import KnowledgeBase


def iter_examples(kb: KnowledgeBase) -> Iterator[dict[str, str]]:
    """{"text", "intent", "topic"} for every example of every intent, in knowledge-base order."""
    for intent_id, intent in kb.intents.items():
        for text in intent.examples:
            yield {"text": text, "intent": intent_id, "topic": intent.topic}
