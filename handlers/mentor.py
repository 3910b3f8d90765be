"""Mentor-only conversations (claiming and answering tickets) are routed here first."""
from __future__ import annotations

from bot.filters import HasRole
from bot.routing import Router

router = Router("mentor", filters=[HasRole("mentor", "admin")])
