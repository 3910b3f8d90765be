"""Officer-only conversations (helpdesk feedback, invites, ticket work) are routed here first."""
from __future__ import annotations

from bot.filters import HasRole
from bot.routing import Router

router = Router("officer", filters=[HasRole("officer", "admin")])
