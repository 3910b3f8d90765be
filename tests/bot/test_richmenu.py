"""Role rich menus: their definitions and images, the idempotent sync and per-user links, against the fake
LINE API over real HTTP (every request checked against LINE's OpenAPI spec and the rich-menu limits)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from bot.line_api import LineGateway
from bot.messages import grapheme_len
from bot.richmenu import (
    HEIGHT,
    MENU_ROLES,
    MESSAGE_TILES,
    NAME_PREFIX,
    WIDTH,
    BuiltMenu,
    build_menus,
    link_user_menu,
    menu_specs,
    sync_rich_menus,
)
from tests.fakeline import FakeLine

OFFICER, MENTOR, ADMIN, CITIZEN = ("U" + c * 32 for c in "abcd")


class Tweaked:
    """Responses with some phrases replaced (a menu whose text changed)."""

    def __init__(self, base: Any, **overrides: str) -> None:
        self.base, self.overrides = base, overrides

    def say(self, key: str, **params: Any) -> str:
        return self.overrides.get(key.replace(".", "__")) or self.base.say(key, **params)


@pytest.fixture(scope="module")
def responses() -> Any:
    from knowledge.loader import load_knowledge

    return load_knowledge(None).responses


@pytest.fixture(scope="module")
def menus(responses: Any) -> list[BuiltMenu]:
    return build_menus(responses)


@pytest.fixture
async def gateway(line: FakeLine) -> AsyncIterator[LineGateway]:
    async with LineGateway(line.access_token, line.base_url, line.base_url, max_retries=0) as client:
        yield client


def _refused(line: FakeLine) -> list[str]:
    return [f"{c.method} {c.path} {c.status} {c.response}" for c in line.calls() if c.status >= 400]


def test_each_role_has_six_tiles_covering_the_menu(responses: Any) -> None:
    specs = menu_specs(responses)
    assert [spec.role for spec in specs] == list(MENU_ROLES)
    for spec in specs:
        assert len(spec.tiles) == 6 and len(spec.chat_bar) <= 14
        covered = sum(tile.bounds[2] * tile.bounds[3] for tile in spec.tiles)
        assert covered == WIDTH * HEIGHT  # the 3x2 grid leaves no gap and no overlap
        for tile in spec.tiles:
            x, y, w, h = tile.bounds
            assert x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT
            assert 1 <= grapheme_len(tile.label) <= 20 and tile.hint and 1 <= len(tile.says) <= 300


def test_tiles_are_postbacks_the_bot_answers_or_words_handlers_know(responses: Any) -> None:
    from handlers.onboarding import HELP_TILE, MENU_INTENTS
    from knowledge.loader import load_knowledge

    intents = load_knowledge(None).intents
    tiles = {tile.key: tile for spec in menu_specs(responses) for tile in spec.tiles}
    for key, tile in tiles.items():
        if key in MESSAGE_TILES:
            assert tile.action() == {"type": "message", "label": tile.label, "text": tile.says}
            continue
        assert tile.action() == {"type": "postback", "label": tile.label, "data": f"action=menu&item={key}",
                                 "displayText": tile.says}
        if key in MENU_INTENTS or key == HELP_TILE:
            assert MENU_INTENTS.get(key, "conversation.bot_help") in intents
            continue
        choices = responses.variants(f"richmenu.{key}.choices")
        assert 2 <= len(choices) <= 13 and all(grapheme_len(c) <= 20 for c in choices)


@pytest.mark.parametrize("role", MENU_ROLES)
def test_images_are_real_menus_within_line_limits(menus: list[BuiltMenu], role: str) -> None:
    menu = next(m for m in menus if m.spec.role == role)
    assert len(menu.image) <= 1024 * 1024
    with Image.open(io.BytesIO(menu.image)) as image:
        assert image.format == {"image/png": "PNG", "image/jpeg": "JPEG"}[menu.content_type]
        assert image.size == (WIDTH, HEIGHT)
        rgb = image.convert("RGB")
    for tile in menu.spec.tiles:
        x, y, w, h = tile.bounds
        region = rgb.crop((x + w // 8, y + h // 4, x + w * 7 // 8, y + h * 3 // 4))
        colours = region.getcolors(maxcolors=100_000) or []
        assert len(colours) > 20, f"tile {tile.key} has no drawn text"  # anti-aliased glyphs on a flat tile


def test_images_are_stable_so_sync_can_compare_them(responses: Any, menus: list[BuiltMenu]) -> None:
    assert [m.name for m in build_menus(responses)] == [m.name for m in menus]
    assert all(m.name.startswith(f"{NAME_PREFIX}{m.spec.role}:") for m in menus)


async def test_first_sync_creates_uploads_aliases_and_sets_the_default(
    line: FakeLine, gateway: LineGateway, menus: list[BuiltMenu]
) -> None:
    report = await sync_rich_menus(gateway, menus)
    assert _refused(line) == []
    assert sorted(report.created) == sorted(MENU_ROLES) and report.deleted == []
    stored = line.rich_menus()
    assert set(stored) == set(report.menus.values())
    for menu in menus:
        menu_id = report.menus[menu.spec.role]
        assert stored[menu_id]["name"] == menu.name and stored[menu_id]["chatBarText"] == menu.spec.chat_bar
        assert line.rich_menu_image(menu_id) == (menu.image, menu.content_type)
        assert [a["action"] for a in stored[menu_id]["areas"]] == [t.action() for t in menu.spec.tiles]
    assert line.rich_menu_aliases() == {f"thongthin-{role}": report.menus[role] for role in MENU_ROLES}
    assert line.default_rich_menu() == report.menus["citizen"]
    uploads = [c for c in line.calls() if c.path.endswith("/content")]
    assert {c.headers["content-type"] for c in uploads} == {"image/png"}


async def test_second_sync_changes_nothing(
    line: FakeLine, gateway: LineGateway, menus: list[BuiltMenu]
) -> None:
    first = await sync_rich_menus(gateway, menus)
    calls_before = len(line.calls())
    second = await sync_rich_menus(gateway, menus, [(OFFICER, "officer")])
    made = [
        c for c in line.calls()[calls_before:] if c.method == "POST" and c.path.startswith("/v2/bot/richmenu")
    ]
    assert made == [] and second.created == [] and second.deleted == [] and second.relinked == 0
    assert second.menus == first.menus and len(line.rich_menus()) == 3


async def test_a_changed_menu_is_replaced_and_its_staff_relinked(
    line: FakeLine, gateway: LineGateway, responses: Any, menus: list[BuiltMenu]
) -> None:
    first = await sync_rich_menus(gateway, menus)
    staff = [(OFFICER, "officer"), (MENTOR, "mentor"), (ADMIN, "admin")]
    for user, role in staff:
        await link_user_menu(gateway, user, role)
    changed = build_menus(Tweaked(responses, richmenu__chat_bar__officer="เมนูงาน"))
    second = await sync_rich_menus(gateway, changed, staff)
    assert _refused(line) == []
    assert second.created == ["officer"] and second.deleted == [first.menus["officer"]]
    assert (
        second.menus["citizen"] == first.menus["citizen"] and second.menus["mentor"] == first.menus["mentor"]
    )
    assert line.rich_menu_aliases()["thongthin-officer"] == second.menus["officer"]
    assert line.linked_rich_menu(OFFICER) == second.menus["officer"] and second.relinked == 1
    assert line.linked_rich_menu(ADMIN) == line.linked_rich_menu(MENTOR) == first.menus["mentor"]
    assert first.menus["officer"] not in line.rich_menus()


async def test_a_menu_left_half_made_is_rebuilt(
    line: FakeLine, gateway: LineGateway, menus: list[BuiltMenu]
) -> None:
    officer = next(m for m in menus if m.spec.role == "officer")
    orphan = await gateway.create_rich_menu(officer.body)  # as if a sync died before the image upload
    report = await sync_rich_menus(gateway, menus)
    assert report.menus["officer"] != orphan and report.deleted == [orphan]
    assert line.rich_menu_image(report.menus["officer"]) is not None


async def test_menus_of_others_on_the_channel_are_left_alone(
    line: FakeLine, gateway: LineGateway, menus: list[BuiltMenu]
) -> None:
    foreign = dict(menus[0].body, name="campaign menu")
    other_id = await gateway.create_rich_menu(foreign)
    await sync_rich_menus(gateway, menus)
    assert other_id in line.rich_menus()


async def test_users_are_linked_to_their_roles_menu(
    line: FakeLine, gateway: LineGateway, menus: list[BuiltMenu]
) -> None:
    report = await sync_rich_menus(gateway, menus)
    assert await link_user_menu(gateway, OFFICER, "officer") == report.menus["officer"]
    assert await link_user_menu(gateway, ADMIN, "admin") == report.menus["mentor"]
    assert await gateway.get_user_rich_menu(OFFICER) == report.menus["officer"]
    assert await link_user_menu(gateway, OFFICER, "citizen") is None  # demoted: back to the default
    assert line.linked_rich_menu(OFFICER) is None and await gateway.get_user_rich_menu(OFFICER) is None


async def test_linking_before_any_sync_does_nothing(line: FakeLine, gateway: LineGateway) -> None:
    assert await link_user_menu(gateway, OFFICER, "officer") is None
    assert line.linked_rich_menu(OFFICER) is None
