"""Handlers per audience, composed into one router tree. The order below is the priority order."""
from __future__ import annotations

from bot.routing import Router
from handlers import cases, citizen, common, escalation, followups, lao, mentor, officer, reports
from handlers import onboarding


def build_root_router() -> Router:
    root = Router("root")
    root.include(
        onboarding.router,  # invite codes (refused in groups), staff welcomes, "/น้องท้องถิ่น" calls in groups
        common.events_router,  # follow / unfollow / join and other non-message events
        common.group_guard,  # in groups: stay silent unless addressed
        onboarding.group_privacy,  # addressed in a group: nothing personal (cases, tickets, handoffs) there
        common.reset_router,  # "เริ่มใหม่" / "ยกเลิก" ends any flow
        reports.router,  # a report in progress takes its next answer (place, photo, detail, confirm)
        lao.router,  # which LAO: typed name, pick among candidates, shared location
        followups.router,  # follow-ups about the service just shown ("กี่บาท", "ขั้นต่อไป", card buttons)
        cases.router,  # officers move report cases on (postback case_status)
        common.media_router,  # stickers, images, video, audio, files
        mentor.router,  # ticket work: claim, forward, drafts, #123 answers, งานของฉัน (checked per ticket)
        escalation.router,  # any role: hand a question to people, เรื่องของฉัน, rating an answer
        officer.router,  # officers (and admins)
        citizen.router,  # everyone: services, reports, small talk by NLU intent
        common.fallback_router,  # nothing understood: rephrase help, then a person
    )
    return root
