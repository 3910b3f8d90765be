"""Initial schema: LAOs, LINE users, interactions, tickets and their messages, invites, audit log,
knowledge suggestions and labelled examples.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Enum columns are plain VARCHAR(16) (bot.models stores StrEnum values without a native type).
ENUM = sa.String(16)


def _ts(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _lao_fk(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.String(32), sa.ForeignKey("laos.code", ondelete="SET NULL"), nullable=True)


def _user_fk(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("line_users.id", ondelete="SET NULL"), nullable=True)


def _ticket_fk(name: str, ondelete: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("tickets.id", ondelete=ondelete), nullable=True)


def _create_directory_tables() -> None:
    op.create_table(
        "laos",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("province", sa.String(100), nullable=False),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("subdistrict", sa.String(100), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("is_mentor", sa.Boolean(), nullable=False),
        sa.Column("away", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_laos_province", "laos", ["province"])
    op.create_table(
        "line_users",
        _id(),
        sa.Column("line_user_id", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("role", ENUM, nullable=False),
        _lao_fk("lao_code"),
        sa.Column("followed", sa.Boolean(), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("unfollowed_at", nullable=True),
    )
    op.create_index("ix_line_users_lao_code_role", "line_users", ["lao_code", "role"])


def _create_interactions() -> None:
    op.create_table(
        "interactions",
        _id(),
        sa.Column("webhook_event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("line_user_id", sa.String(64), nullable=True),
        sa.Column("chat_id", sa.String(64), nullable=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("message_type", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(100), nullable=True),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(32), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_interactions_created_at", "interactions", ["created_at"])
    op.create_index("ix_interactions_line_user_id_created_at", "interactions", ["line_user_id", "created_at"])


def _create_tickets() -> None:
    op.create_table(
        "tickets",
        _id(),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("status", ENUM, nullable=False),
        _user_fk("requester_user_id"),
        sa.Column("requester_role", ENUM, nullable=False),
        _lao_fk("requester_lao_code"),
        _lao_fk("assignee_lao_code"),
        _user_fk("assignee_user_id"),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("bot_answer", sa.Text(), nullable=True),
        sa.Column("nlu_candidates", sa.JSON(), nullable=True),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("photo_content_ids", sa.JSON(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("claimed_at", nullable=True),
        _ts("answered_at", nullable=True),
        _ts("closed_at", nullable=True),
        _ts("sla_due_at", nullable=True),
        sa.Column("sla_outcome", sa.String(32), nullable=True),
        sa.Column("reroute_count", sa.Integer(), nullable=False),
        sqlite_autoincrement=True,  # never reuse a public ticket number
    )
    op.create_index("ix_tickets_requester_user_id_created_at", "tickets", ["requester_user_id", "created_at"])
    op.create_index("ix_tickets_assignee_lao_code_status", "tickets", ["assignee_lao_code", "status"])
    op.create_index("ix_tickets_assignee_user_id_status", "tickets", ["assignee_user_id", "status"])
    op.create_index("ix_tickets_status_sla_due_at", "tickets", ["status", "sla_due_at"])
    op.create_table(
        "ticket_messages",
        _id(),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        _user_fk("author_user_id"),
        sa.Column("author_role", ENUM, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_ticket_messages_ticket_id_created_at", "ticket_messages", ["ticket_id", "created_at"])


def _create_admin_tables() -> None:
    op.create_table(
        "invites",
        _id(),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", ENUM, nullable=False),
        _lao_fk("lao_code"),
        _user_fk("created_by"),
        _ts("created_at"),
        _ts("expires_at"),
        _user_fk("used_by"),
        _ts("used_at", nullable=True),
    )
    op.create_table(
        "audit_log",
        _id(),
        _user_fk("actor_user_id"),
        sa.Column("action", sa.String(64), nullable=False),
        _ticket_fk("ticket_id", "SET NULL"),
        sa.Column("detail", sa.JSON(), nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_audit_log_ticket_id", "audit_log", ["ticket_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def _create_learning_tables() -> None:
    op.create_table(
        "knowledge_suggestions",
        _id(),
        _ticket_fk("ticket_id", "SET NULL"),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("suggested_intent", sa.String(100), nullable=True),
        sa.Column("suggested_topic", sa.String(100), nullable=True),
        sa.Column("status", ENUM, nullable=False),
        _user_fk("reviewed_by"),
        _ts("reviewed_at", nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_knowledge_suggestions_status", "knowledge_suggestions", ["status"])
    op.create_table(
        "labelled_examples",
        _id(),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(100), nullable=True),
        sa.Column("source", ENUM, nullable=False),
        _ts("created_at"),
    )


def upgrade() -> None:
    _create_directory_tables()
    _create_interactions()
    _create_tickets()
    _create_admin_tables()
    _create_learning_tables()


def downgrade() -> None:
    for table in (
        "labelled_examples",
        "knowledge_suggestions",
        "audit_log",
        "invites",
        "ticket_messages",
        "tickets",
        "interactions",
        "line_users",
        "laos",
    ):
        op.drop_table(table)  # dropping a table drops its indexes too
