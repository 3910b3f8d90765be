"""Quick-reply menus shared by several handlers (labels come from knowledge/responses.yaml)."""
from __future__ import annotations

from bot.messages import QuickReply
from bot.turn import Turn

CITIZEN_MENU = ("menu.tax_label", "menu.welfare_label", "menu.report_label", "menu.online_label",
                "menu.contact_label", "menu.my_cases_label", "menu.change_lao_label", "menu.human_label")
OFFICER_MENU = ("menu.helpdesk_label", "menu.mentor_label", "menu.queue_label", "menu.services_label",
                "menu.help_label")


def main_menu(turn: Turn) -> list[QuickReply]:
    """The role's main menu; a message action sends the label itself, which the NLU understands."""
    keys = OFFICER_MENU if turn.user.role in ("officer", "mentor", "admin") else CITIZEN_MENU
    responses = turn.ctx.kb.responses
    return [QuickReply(label=responses.say(k)) for k in keys if k in responses]
