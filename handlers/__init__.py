"""Handlers per audience, composed into one router tree. The order below is the priority order."""
from __future__ import annotations

from bot.routing import Router
from handlers import citizen, common, mentor, officer


def build_root_router() -> Router:
    root = Router("root")
    root.include(
        common.events_router,  # follow / unfollow / join and other non-message events
        common.group_guard,  # in groups: stay silent unless addressed
        common.media_router,  # stickers, images, video, audio, files, locations
        mentor.router,  # mentors only
        officer.router,  # officers (and admins)
        citizen.router,  # everyone: services, reports, small talk by NLU intent
        common.fallback_router,  # nothing understood: rephrase help, then a person
    )
    return root
