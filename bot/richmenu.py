"""Per-role rich menus: what each menu holds, an idempotent sync with LINE, and per-user links on role change.

Menus are immutable on LINE, so "updating" one means creating its successor. Each menu's name carries a digest
of its JSON and image: `sync` reuses a menu whose digest is unchanged and whose alias already points at it
(the alias is set last, so it marks a finished menu), creates the others, points the aliases, makes the
citizen menu the default, re-links staff whose menu changed, and deletes menus of ours that nothing uses.

Citizens see the default menu; officers, mentors and admins get a per-user link (line.md §4.3).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.line_api import LineGateway
from bot.line_types import LineApiError
from bot.richmenu_images import TileArt, render_menu
from bot.settings import Settings

log = logging.getLogger(__name__)

NAME_PREFIX = "thongthin:"  # our menus among any others the channel has
ALIAS_PREFIX = "thongthin-"
WIDTH, HEIGHT, COLUMNS, ROWS = 2500, 1686, 3, 2  # LINE's large template: 2 rows of 3 tiles
BULK_LINK_MAX = 500
LINK_RETRIES, LINK_TIMEOUT_S = 1, 5.0  # per-user link during a turn
MENU_ROLES = ("citizen", "officer", "mentor")
ROLE_MENU = {"citizen": "citizen", "officer": "officer", "mentor": "mentor", "admin": "mentor"}
# A tile is a postback `action=menu&item=<tile>` that handlers/onboarding.py answers the same way every
# time (the topic's answer, or richmenu.<tile>.choices to pick from): a label is no sure question for the NLU.
# The message tiles send words that handlers take literally ("เรื่องของฉัน", "งานของฉัน", "ถามพี่เลี้ยง").
MENU_POSTBACK = "action=menu&item="
MESSAGE_TILES = frozenset({"my_cases", "queue", "ask_mentor"})
TILES: dict[str, tuple[str, ...]] = {  # keys of richmenu.<tile> in responses.yaml, row by row
    "citizen": ("tax", "welfare", "report", "my_cases", "contact", "help"),
    "officer": ("help", "manual", "system_down", "password", "ask_mentor", "my_cases"),
    "mentor": ("queue", "help", "manual", "system_down", "password", "my_cases"),
}


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    hint: str
    says: str  # the message a tap sends (shown as the user's words for a postback tile)
    bounds: tuple[int, int, int, int]

    def area(self) -> dict[str, Any]:
        x, y, width, height = self.bounds
        return {"bounds": {"x": x, "y": y, "width": width, "height": height}, "action": self.action()}

    def action(self) -> dict[str, Any]:
        """A postback that handlers/onboarding.py answers, or a message action for the words handlers know."""
        if self.key not in MESSAGE_TILES:
            return {"type": "postback", "label": self.label, "data": f"{MENU_POSTBACK}{self.key}",
                    "displayText": self.says}
        return {"type": "message", "label": self.label, "text": self.says}


@dataclass(frozen=True)
class MenuSpec:
    role: str
    chat_bar: str
    tiles: tuple[Tile, ...]

    @property
    def alias(self) -> str:
        return f"{ALIAS_PREFIX}{self.role}"

    def body(self, name: str) -> dict[str, Any]:
        """The rich menu object LINE creates (selected: shown open when the chat opens)."""
        return {
            "size": {"width": WIDTH, "height": HEIGHT},
            "selected": True,
            "name": name,
            "chatBarText": self.chat_bar,
            "areas": [tile.area() for tile in self.tiles],
        }


@dataclass(frozen=True)
class BuiltMenu:
    spec: MenuSpec
    image: bytes
    content_type: str

    @property
    def digest(self) -> str:
        payload = json.dumps(self.spec.body(""), ensure_ascii=False, sort_keys=True).encode() + self.image
        return hashlib.sha256(payload).hexdigest()[:16]

    @property
    def name(self) -> str:
        return f"{NAME_PREFIX}{self.spec.role}:{self.digest}"

    @property
    def body(self) -> dict[str, Any]:
        return self.spec.body(self.name)


@dataclass
class SyncReport:
    menus: dict[str, str] = field(default_factory=dict)  # role -> rich menu id now in use
    created: list[str] = field(default_factory=list)  # roles whose menu was (re)created
    deleted: list[str] = field(default_factory=list)  # rich menu ids removed
    relinked: int = 0  # staff users linked to a new menu


def grid_bounds(index: int) -> tuple[int, int, int, int]:
    """Tile `index` of the 3x2 grid; the last column and row take the pixels left by integer division."""
    column, row = index % COLUMNS, index // COLUMNS
    x0, x1 = WIDTH * column // COLUMNS, WIDTH * (column + 1) // COLUMNS
    y0, y1 = HEIGHT * row // ROWS, HEIGHT * (row + 1) // ROWS
    return x0, y0, x1 - x0, y1 - y0


def menu_specs(responses: Any) -> list[MenuSpec]:
    """The three role menus with their Thai texts (responses: knowledge Responses)."""

    def tile(key: str, index: int) -> Tile:
        label, hint, says = (responses.say(f"richmenu.{key}.{part}") for part in ("label", "hint", "says"))
        return Tile(key, label, hint, says, grid_bounds(index))

    return [
        MenuSpec(
            role,
            responses.say(f"richmenu.chat_bar.{role}"),
            tuple(tile(key, i) for i, key in enumerate(TILES[role])),
        )
        for role in MENU_ROLES
    ]


def build_menus(responses: Any) -> list[BuiltMenu]:
    """Specs with their rendered images."""
    built = []
    for spec in menu_specs(responses):
        art = [TileArt(tile.label, tile.hint, tile.bounds) for tile in spec.tiles]
        image, content_type = render_menu(spec.role, (WIDTH, HEIGHT), art)
        built.append(BuiltMenu(spec, image, content_type))
    return built


async def sync_rich_menus(
    gateway: Any, menus: Sequence[BuiltMenu], staff: Sequence[tuple[str, str]] = ()
) -> SyncReport:
    """Make LINE match `menus`; `staff`: (LINE user id, role) of users to re-link when their menu changes."""
    report = SyncReport()
    ours = {
        m["name"]: m["richMenuId"]
        for m in await gateway.list_rich_menus()
        if str(m.get("name", "")).startswith(NAME_PREFIX)
    }
    aliases = await gateway.list_rich_menu_aliases()
    for menu in menus:
        report.menus[menu.spec.role] = await _ensure_menu(gateway, menu, ours, aliases, report)
    await gateway.set_default_rich_menu(report.menus["citizen"])
    report.relinked = await _relink(gateway, report, staff)
    in_use = set(report.menus.values())
    for menu_id in sorted(set(ours.values()) - in_use):
        await gateway.delete_rich_menu(menu_id)
        report.deleted.append(menu_id)
    return report


async def _ensure_menu(
    gateway: Any, menu: BuiltMenu, ours: dict[str, str], aliases: dict[str, str], report: SyncReport
) -> str:
    alias, menu_id = menu.spec.alias, ours.get(menu.name)
    if menu_id is not None and aliases.get(alias) == menu_id:
        return menu_id  # unchanged and complete
    menu_id = await gateway.create_rich_menu(menu.body)  # an unfinished namesake is deleted as unused later
    await gateway.upload_rich_menu_image(menu_id, menu.image, menu.content_type)
    if alias in aliases:
        await gateway.update_rich_menu_alias(alias, menu_id)
    else:
        await gateway.create_rich_menu_alias(alias, menu_id)
    report.created.append(menu.spec.role)
    return menu_id


async def _relink(gateway: Any, report: SyncReport, staff: Sequence[tuple[str, str]]) -> int:
    """Bulk-link staff whose role's menu was just created (their old menu is about to be deleted)."""
    linked = 0
    for role in report.created:
        users = [user for user, user_role in staff if ROLE_MENU.get(user_role) == role and role != "citizen"]
        for start in range(0, len(users), BULK_LINK_MAX):
            chunk = users[start : start + BULK_LINK_MAX]
            await gateway.link_rich_menu_to_users(report.menus[role], chunk)
            linked += len(chunk)
    return linked


async def link_user_menu(gateway: Any, user_id: str, role: str) -> str | None:
    """Show the user their role's menu (citizens: back to the default). Returns the linked menu id, if any."""
    menu_role = ROLE_MENU.get(role, "citizen")
    if menu_role == "citizen":
        await gateway.unlink_rich_menu(user_id)
        return None
    menu_id = await gateway.get_rich_menu_alias(f"{ALIAS_PREFIX}{menu_role}")
    if menu_id is None:
        log.warning("no %s rich menu on LINE yet; run `thongthin richmenu sync`", menu_role)
        return None
    await gateway.link_rich_menu(user_id, menu_id)
    return menu_id


async def link_role_menu(settings: Settings, user_id: str, role: str) -> bool:
    """`link_user_menu` through a short-lived gateway (handlers and the CLI have no long-lived one).

    A failure is logged, never raised: the role change itself has been saved, and `thongthin richmenu link`
    repairs a missing link later. Few retries and a short timeout: the turn's reply waits for this.
    """
    if settings.local_mode:
        return False  # no LINE channel, so no menus to show
    gateway = LineGateway.from_settings(settings)
    gateway.max_retries, gateway.timeout_s = LINK_RETRIES, min(gateway.timeout_s, LINK_TIMEOUT_S)
    try:
        await gateway.start()
        await link_user_menu(gateway, user_id, role)
        return True
    except LineApiError as error:
        log.warning("could not link the %s rich menu for a user: %s", role, error)
        return False
    finally:
        await gateway.aclose()
