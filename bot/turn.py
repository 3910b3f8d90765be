"""The one object a handler receives: who wrote, what they sent, what we understood, and where to reply."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.events import InboundEvent
from bot.messages import OutMessage
from bot.replies import ReplyBuilder
from bot.state import ConversationState


@dataclass
class UserInfo:
    line_user_id: str | None
    role: str = "citizen"  # citizen | officer | mentor | admin
    lao_code: str | None = None
    display_name: str | None = None

    @property
    def nlu_audience(self) -> str:
        """Citizens never get officer helpdesk intents; LAO staff (officers, mentors, admins) get their own
        intents first and every other one after (nlu.engine.STAFF), since they also answer citizens."""
        return "citizen" if self.role == "citizen" else "staff"


@dataclass
class AppContext:
    """Long-lived services shared by all turns (built once by the runtime)."""

    settings: Any
    kb: Any  # knowledge.KnowledgeBase
    nlu: Any  # nlu.NluEngine
    storage: Any  # bot.storage.Storage
    clock: Any  # bot.clock.Clock: `await clock.now()`


@dataclass
class Turn:
    event: InboundEvent
    user: UserInfo
    state: ConversationState
    ctx: AppContext
    reply: ReplyBuilder = field(default_factory=ReplyBuilder)
    nlu: Any | None = None  # nlu.NluResult for text messages
    match: dict[str, Any] = field(default_factory=dict)
    pushes: list[tuple[str, list[OutMessage]]] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))  # the turn's instant (see bot.clock)

    @property
    def text(self) -> str:
        return self.event.text or ""

    def say(self, key: str, **params: Any) -> str:
        """A bot phrase from knowledge/responses.yaml."""
        return self.ctx.kb.responses.say(key, **params)

    def push(self, to: str, messages: list[OutMessage]) -> None:
        """Queue a message to someone other than the sender (delivered exactly once after the turn)."""
        self.pushes.append((to, messages))
