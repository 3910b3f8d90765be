"""The learning loop: a helpful ticket answer becomes a knowledge suggestion; an approved suggestion becomes
knowledge the NLU uses, in every worker, without a restart.

Approved knowledge lives in the database (knowledge_suggestions rows), never in the YAML files:
* approved as an article: a verified helpdesk entry `learned_<id>` with the intent `learned.s<id>` whose one
  example is the question (the row's `suggested_intent` is set to that id);
* approved as examples: the question becomes a new example of an existing intent (`suggested_intent`).
Each worker polls the approvals (count, highest id) every few seconds and, when they change, rebuilds the
NLU from the YAML knowledge plus the approved rows (`NluEngine.reload`) under a fingerprint of its own.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import repo
from bot.models import KnowledgeSuggestion, MessageKind, Role, SuggestionStatus, Ticket, TicketKind
from knowledge.schema import Answer, Article, Intent, IntentSpec
from nlu.pii import redact

log = logging.getLogger(__name__)

LEARNED_INTENT = "learned.s{id}"
LEARNED_ARTICLE = "learned_{id}"
TITLE_CHARS = 80
FALLBACK_TOPIC = {"officer": "officer_other_systems", "citizen": "general_petition"}


class ReviewError(ValueError):
    """A review that cannot be done (unknown suggestion, already reviewed, unknown intent or topic)."""


@dataclass(frozen=True)
class Learned:
    """One approved suggestion, as the knowledge base needs it."""

    id: int
    question: str
    answer: str
    intent: str | None
    topic: str | None
    audience: str  # citizen | officer

    @property
    def is_article(self) -> bool:
        return self.intent is None or self.intent == LEARNED_INTENT.format(id=self.id)


# ---- suggestions from tickets ------------------------------------------------------------------------------

async def suggest_from_ticket(
    session: AsyncSession, ticket: Ticket, *, now: datetime | None = None
) -> KnowledgeSuggestion | None:
    """Propose a closed, helpful question ticket's latest answer as knowledge (reports are not knowledge)."""
    if ticket.kind != TicketKind.QUESTION:
        return None
    answers = [m for m in await repo.list_ticket_messages(session, ticket.id) if m.kind == MessageKind.ANSWER]
    if not answers:
        return None
    top = (ticket.nlu_candidates or [{}])[0]
    row = await repo.create_suggestion(
        session, ticket_id=ticket.id, question=redact(ticket.question), answer=redact(answers[-1].body),
        suggested_intent=top.get("intent"), suggested_topic=ticket.topic or top.get("topic"), now=now)
    await repo.audit(session, None, "suggestion.create", ticket_id=ticket.id, detail={"suggestion": row.id},
                     now=now)
    return row


# ---- review ------------------------------------------------------------------------------------------------

async def approve(
    session: AsyncSession, kb: Any, suggestion_id: int, *, as_examples: bool = False,
    intent: str | None = None, topic: str | None = None, reviewer: int | None = None,
    now: datetime | None = None,
) -> KnowledgeSuggestion:
    """Approve a pending suggestion as a new article (default) or as examples of an existing intent."""
    row = await _pending(session, suggestion_id)
    if as_examples:
        intent = intent or row.suggested_intent
        if intent not in kb.intents:
            raise ReviewError(f"unknown intent {intent!r}: give --intent with an existing intent id")
        topic = kb.intents[intent].topic
    else:
        intent = LEARNED_INTENT.format(id=row.id)
        topic = topic or row.suggested_topic or FALLBACK_TOPIC[await _audience(session, row)]
        if topic not in kb.topics:
            raise ReviewError(f"unknown topic {topic!r}: give --topic with a topic from topics.yaml")
    await _review(session, row, SuggestionStatus.APPROVED, reviewer, now, intent=intent, topic=topic)
    return await _reload_row(session, suggestion_id)


async def reject(session: AsyncSession, suggestion_id: int, *, reviewer: int | None = None,
                 now: datetime | None = None) -> KnowledgeSuggestion:
    row = await _pending(session, suggestion_id)
    await _review(session, row, SuggestionStatus.REJECTED, reviewer, now)
    return await _reload_row(session, suggestion_id)


async def _pending(session: AsyncSession, suggestion_id: int) -> KnowledgeSuggestion:
    row = await repo.get_suggestion(session, suggestion_id)
    if row is None:
        raise ReviewError(f"no suggestion {suggestion_id}")
    if row.status != SuggestionStatus.PENDING:
        raise ReviewError(f"suggestion {suggestion_id} is already {row.status.value}")
    return row


async def _review(
    session: AsyncSession, row: KnowledgeSuggestion, status: SuggestionStatus, reviewer: int | None,
    now: datetime | None, **values: str,
) -> None:
    reviewed = await repo.review_suggestion(session, row.id, status, reviewer=reviewer, now=now,
                                            suggested_intent=values.get("intent"),
                                            suggested_topic=values.get("topic"))
    if not reviewed:
        raise ReviewError(f"suggestion {row.id} was reviewed meanwhile")
    action = "suggestion.approve" if status == SuggestionStatus.APPROVED else "suggestion.reject"
    await repo.audit(session, reviewer, action, ticket_id=row.ticket_id,
                     detail={"suggestion": row.id, **values}, now=now)


async def _reload_row(session: AsyncSession, suggestion_id: int) -> KnowledgeSuggestion:
    row = await repo.get_suggestion(session, suggestion_id)
    assert row is not None
    return row


async def _audience(session: AsyncSession, row: KnowledgeSuggestion) -> str:
    ticket = await repo.get_ticket(session, row.ticket_id) if row.ticket_id else None
    return "citizen" if ticket is not None and ticket.requester_role == Role.CITIZEN else "officer"


# ---- approved knowledge -> knowledge base ------------------------------------------------------------------

async def load_learned(session: AsyncSession) -> list[Learned]:
    rows = await repo.approved_suggestions(session)
    return [Learned(row.id, row.question, row.answer, row.suggested_intent, row.suggested_topic,
                    "citizen" if role == Role.CITIZEN else "officer") for row, role in rows]


def augment(kb: Any, learned: list[Learned]) -> Any:
    """A copy of the knowledge base with the approved knowledge added, under a fingerprint of its own."""
    if not learned:
        return kb
    intents, articles = dict(kb.intents), dict(kb.articles)
    for item in learned:
        if not item.is_article and item.intent in intents:
            intent = intents[item.intent]
            if item.question not in intent.examples:
                intents[intent.id] = intent.model_copy(update={"examples": [*intent.examples, item.question]})
        elif item.is_article:
            article, intent = _article(item, kb)
            articles[article.id], intents[intent.id] = article, intent
    digest = hashlib.sha256(repr(sorted(dataclasses.astuple(i) for i in learned)).encode()).hexdigest()[:16]
    fingerprint = f"{kb.fingerprint}+learned-{digest}"  # its own NLU cache key
    return dataclasses.replace(kb, intents=intents, articles=articles, fingerprint=fingerprint)


def _article(item: Learned, kb: Any) -> tuple[Article, Intent]:
    topic = item.topic if item.topic in kb.topics else FALLBACK_TOPIC[item.audience]
    article_id, intent_id = LEARNED_ARTICLE.format(id=item.id), LEARNED_INTENT.format(id=item.id)
    title = item.question if len(item.question) <= TITLE_CHARS else item.question[: TITLE_CHARS - 1] + "…"
    # The source is the mentor answer on its ticket, reviewed by an admin; it has no web page to cite.
    spec = IntentSpec(id=intent_id, audience=item.audience, topic=topic, examples=[item.question])
    article = Article(id=article_id, topic=topic, title=title, answer=item.answer, verified=True,
                      source=f"mentor_suggestion_{item.id}", intent=spec)
    intent = Intent(id=intent_id, audience=item.audience, topic=topic, examples=[item.question],
                    answer=Answer(kind="article", ref=article_id))
    return article, intent


# ---- the per-worker poller ---------------------------------------------------------------------------------

async def apply_learned(ctx: Any, base_kb: Any, cache_dir: Any) -> int:
    """Rebuild the NLU from `base_kb` plus every approved suggestion; returns how many were applied."""
    async with ctx.storage.transaction() as session:
        learned = await load_learned(session)
    kb = augment(base_kb, learned)
    ctx.kb = kb  # first, so a turn classified by the new NLU always finds its intent in ctx.kb
    await asyncio.to_thread(ctx.nlu.reload, kb, cache_dir)
    return len(learned)


async def run_learning_loop(rt: Any, stop: asyncio.Event) -> None:
    """Apply approvals in this worker as they happen (and those made before it started)."""
    ctx, settings = rt.dispatcher.ctx, rt.settings
    base_kb, seen = ctx.kb, (0, 0)
    cache_dir = settings.data_dir / "cache" / "learned"  # its own folder: the base index cache stays valid
    while not stop.is_set():
        try:
            async with ctx.storage.transaction() as session:
                signature = await repo.approved_signature(session)
            if signature != seen:
                count = await apply_learned(ctx, base_kb, cache_dir)
                seen = signature
                log.info("learned knowledge applied: %d approved suggestion(s)", count)
        except Exception:  # noqa: BLE001 - keep serving with the knowledge we have
            log.exception("applying learned knowledge failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.learning_poll_s)
        except TimeoutError:
            pass


def format_suggestion(row: KnowledgeSuggestion) -> str:
    """One tab-separated line for `thongthin kb suggestions list` (texts on one line, shortened)."""
    def short(text: str, limit: int = 70) -> str:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"

    return "\t".join([str(row.id), row.status.value, f"#{row.ticket_id}" if row.ticket_id else "-",
                      row.suggested_intent or "-", row.suggested_topic or "-", short(row.question),
                      short(row.answer)])
