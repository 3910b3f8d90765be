"""Storage functions. Each takes an AsyncSession and does not commit: the caller owns the transaction.

    async with sessions.begin() as session:        # sessions = bot.db.session_factory(engine)
        if await repo.claim_ticket(session, ticket_id, user.id):
            await repo.audit(session, user.id, "ticket.claim", ticket_id=ticket_id)

Race-sensitive operations (recording an event, creating a user, redeeming an invite, claiming a
ticket) are single conditional statements, so they are correct under concurrency on both databases.
Every function takes an optional `now` (aware datetime) so tests can drive the clock.
"""
from bot.repo.interactions import audit, list_audit, list_interactions, record_interaction
from bot.repo.escalation import (
    approved_signature,
    approved_suggestions,
    audited_laos,
    create_suggestion,
    due_ticket_ids,
    get_suggestion,
    get_user_by_pk,
    last_audit_at,
    list_mentor_laos,
    list_suggestions,
    list_users,
    move_ticket,
    open_load_by_lao,
    review_suggestion,
    set_lao_away,
    set_ticket_fields,
    staffed_laos,
    take_sla_due,
)
from bot.repo.invites import (
    DEFAULT_INVITE_TTL,
    InviteResult,
    InviteStatus,
    create_invite,
    hash_invite_code,
    normalize_invite_code,
    redeem_invite,
)
from bot.repo.tickets import (
    ACTIVE_STATUSES,
    add_ticket_message,
    claim_ticket,
    create_ticket,
    get_ticket,
    list_ticket_messages,
    list_tickets_for_assignee,
    list_tickets_for_requester,
    transition_ticket,
)
from bot.repo.users import (
    LaoRecord,
    LaoRow,
    UnknownLaoError,
    get_lao,
    get_or_create_user,
    get_user,
    mark_followed,
    require_lao,
    set_user_lao,
    set_user_role,
    sync_laos,
    touch_user,
)

__all__ = [
    # escalation (bot/repo/escalation.py)
    "approved_signature",
    "approved_suggestions",
    "audited_laos",
    "create_suggestion",
    "due_ticket_ids",
    "get_suggestion",
    "get_user_by_pk",
    "last_audit_at",
    "list_mentor_laos",
    "list_suggestions",
    "list_users",
    "move_ticket",
    "open_load_by_lao",
    "review_suggestion",
    "set_lao_away",
    "set_ticket_fields",
    "staffed_laos",
    "take_sla_due",
    "ACTIVE_STATUSES",
    "DEFAULT_INVITE_TTL",
    "InviteResult",
    "InviteStatus",
    "LaoRecord",
    "LaoRow",
    "UnknownLaoError",
    "add_ticket_message",
    "audit",
    "claim_ticket",
    "create_invite",
    "create_ticket",
    "get_lao",
    "get_or_create_user",
    "get_ticket",
    "get_user",
    "hash_invite_code",
    "list_audit",
    "list_interactions",
    "list_ticket_messages",
    "list_tickets_for_assignee",
    "list_tickets_for_requester",
    "mark_followed",
    "normalize_invite_code",
    "record_interaction",
    "redeem_invite",
    "require_lao",
    "set_user_lao",
    "set_user_role",
    "sync_laos",
    "touch_user",
    "transition_ticket",
]
