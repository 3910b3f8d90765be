"""Database rows (SQLAlchemy 2 typed models). The schema itself is created by bot/migrations, not here.

Every datetime is timezone-aware UTC in Python. PostgreSQL stores `timestamptz`; SQLite stores the UTC
wall time as text, so ordering and comparisons work the same on both.
"""
from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep alembic migrations deterministic on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive datetimes are refused (their zone is a guess)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (e.g. datetime.now(UTC))")
        value = value.astimezone(UTC)
        # SQLite's DATETIME text has no zone; storing UTC wall time keeps text order == time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_cls: type[StrEnum]) -> Enum:
    """Store an enum's values as plain VARCHAR (no native type), so new values need no type migration."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Role(StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    MENTOR = "mentor"
    ADMIN = "admin"


class TicketKind(StrEnum):
    QUESTION = "question"  # an officer's or citizen's question the bot could not answer
    REPORT = "report"  # a citizen's problem report (pothole, garbage, ...)


class TicketStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    ANSWERED = "answered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class MessageKind(StrEnum):
    QUESTION = "question"
    ANSWER = "answer"
    FOLLOWUP = "followup"
    NOTE = "note"
    STATUS = "status"


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class LabelSource(StrEnum):
    CLARIFY_PICK = "clarify_pick"  # the user picked one of the bot's "did you mean" choices
    MENTOR = "mentor"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def _lao_fk() -> ForeignKey:
    return ForeignKey("laos.code", ondelete="SET NULL")


def _user_fk() -> ForeignKey:
    return ForeignKey("line_users.id", ondelete="SET NULL")


class Lao(Base):
    """A local administrative organisation (อปท.), keyed by its official code."""

    __tablename__ = "laos"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    province: Mapped[str] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))  # None for a provincial organisation (อบจ.)
    subdistrict: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(32))
    is_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    away: Mapped[bool] = mapped_column(Boolean, default=False)  # a mentor LAO that takes no tickets now


class LineUser(Base):
    """A LINE account that has talked to the bot, with its role and LAO."""

    __tablename__ = "line_users"
    __table_args__ = (Index("ix_line_users_lao_code_role", "lao_code", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.CITIZEN)
    lao_code: Mapped[str | None] = mapped_column(String(32), _lao_fk())
    followed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    unfollowed_at: Mapped[datetime | None]


class Interaction(Base):
    """One inbound event and the bot's decision about it (text is redacted by the caller)."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_line_user_id_created_at", "line_user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    message_type: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None] = mapped_column(Float)
    decision: Mapped[str | None] = mapped_column(String(32))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Ticket(Base):
    """A question or problem report handed to people; `id` is the public number shown as #id."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_requester_user_id_created_at", "requester_user_id", "created_at"),
        Index("ix_tickets_assignee_lao_code_status", "assignee_lao_code", "status"),
        Index("ix_tickets_assignee_user_id_status", "assignee_user_id", "status"),
        Index("ix_tickets_status_sla_due_at", "status", "sla_due_at"),
        {"sqlite_autoincrement": True},  # never reuse a public ticket number
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TicketKind] = mapped_column(_enum(TicketKind))
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.OPEN)
    requester_user_id: Mapped[int | None] = mapped_column(_user_fk())
    requester_role: Mapped[Role] = mapped_column(_enum(Role))
    requester_lao_code: Mapped[str | None] = mapped_column(String(32), _lao_fk())
    assignee_lao_code: Mapped[str | None] = mapped_column(String(32), _lao_fk())
    assignee_user_id: Mapped[int | None] = mapped_column(_user_fk())
    reason: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    bot_answer: Mapped[str | None] = mapped_column(Text)
    nlu_candidates: Mapped[list[Any] | None]
    topic: Mapped[str | None] = mapped_column(String(100))  # report category or question topic
    location: Mapped[dict[str, Any] | None]
    photo_content_ids: Mapped[list[Any] | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]
    sla_outcome: Mapped[str | None] = mapped_column(String(32))
    reroute_count: Mapped[int] = mapped_column(Integer, default=0)


class TicketMessage(Base):
    """One entry in a ticket's thread: the question, answers, follow-ups, notes and status changes."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_id_created_at", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_user_id: Mapped[int | None] = mapped_column(_user_fk())
    author_role: Mapped[Role | None] = mapped_column(_enum(Role))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """A one-time role invitation. Only the code's hash is stored, so a database leak reveals no code."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    lao_code: Mapped[str | None] = mapped_column(String(32), _lao_fk())
    created_by: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(_user_fk())
    used_at: Mapped[datetime | None]


class AuditLog(Base):
    """Who did what, when (ticket actions, role changes, reviews)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(_user_fk())  # None: the system (SLA timer, CLI)
    action: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    detail: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class KnowledgeSuggestion(Base):
    """A helpful ticket answer proposed as new knowledge, waiting for an admin's review."""

    __tablename__ = "knowledge_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    suggested_intent: Mapped[str | None] = mapped_column(String(100))
    suggested_topic: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[SuggestionStatus] = mapped_column(
        _enum(SuggestionStatus), default=SuggestionStatus.PENDING, index=True
    )
    reviewed_by: Mapped[int | None] = mapped_column(_user_fk())
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabelledExample(Base):
    """A user utterance (redacted) with the intent a person confirmed, for NLU review and training."""

    __tablename__ = "labelled_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[LabelSource] = mapped_column(_enum(LabelSource))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
