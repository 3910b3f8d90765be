"""The rich-menu calls of LineGateway and the fake LINE API's model of them: what LINE accepts and refuses."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from bot.line_api import LineGateway
from bot.line_types import LineApiError
from bot.null_gateway import NullGateway
from tests.fakeline import SPEC_PATH, FakeLine

USER = "U" + "e" * 32


def menu(width: int = 2500, height: int = 843, **changes: Any) -> dict[str, Any]:
    body = {
        "size": {"width": width, "height": height},
        "selected": False,
        "name": "test menu",
        "chatBarText": "เมนู",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": width, "height": height},
                "action": {"type": "message", "label": "เมนู", "text": "เมนู"},
            }
        ],
    }
    return {**body, **changes}


def picture(width: int = 2500, height: int = 843, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#1d4f91").save(out, kind)
    return out.getvalue()


@pytest.fixture
async def gateway(line: FakeLine) -> AsyncIterator[LineGateway]:
    async with LineGateway(line.access_token, line.base_url, line.base_url, max_retries=0) as client:
        yield client


async def _refusal(call: Any) -> LineApiError:
    with pytest.raises(LineApiError) as caught:
        await call
    return caught.value


async def test_a_menu_round_trip(line: FakeLine, gateway: LineGateway) -> None:
    menu_id = await gateway.create_rich_menu(menu())
    await gateway.upload_rich_menu_image(menu_id, picture(kind="JPEG"), "image/jpeg")
    await gateway.create_rich_menu_alias("thongthin-test", menu_id)
    await gateway.set_default_rich_menu(menu_id)
    await gateway.link_rich_menu(USER, menu_id)
    assert [m["richMenuId"] for m in await gateway.list_rich_menus()] == [menu_id]
    assert await gateway.list_rich_menu_aliases() == {"thongthin-test": menu_id}
    assert await gateway.get_rich_menu_alias("thongthin-test") == menu_id
    assert await gateway.get_rich_menu_alias("thongthin-none") is None
    assert line.default_rich_menu() == menu_id and await gateway.get_user_rich_menu(USER) == menu_id
    await gateway.delete_rich_menu(menu_id)
    assert (
        line.rich_menus() == {} and line.default_rich_menu() is None and line.linked_rich_menu(USER) is None
    )
    upload = next(c for c in line.calls() if c.path.endswith("/content"))
    assert upload.method == "POST" and upload.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (menu(width=3000), "size.width"),
        (menu(height=2000), "size"),  # width / height below 1.45
        (
            menu(
                areas=[
                    {
                        "bounds": {"x": 2000, "y": 0, "width": 1000, "height": 843},
                        "action": {"type": "message", "label": "x", "text": "x"},
                    }
                ]
            ),
            "areas[0].bounds",
        ),
        (
            menu(
                areas=[
                    {
                        "bounds": {"x": 0, "y": 0, "width": 100, "height": 100},
                        "action": {"type": "message", "label": "ก" * 21, "text": "x"},
                    }
                ]
            ),
            "areas[0].action.label",
        ),
        (
            menu(
                areas=[
                    {
                        "bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                        "action": {"type": "message", "label": "x", "text": "x"},
                    }
                ]
                * 21
            ),
            "areas",
        ),
    ],
)
async def test_menus_breaking_line_rules_are_refused(
    line: FakeLine, gateway: LineGateway, body: dict[str, Any], where: str
) -> None:
    error = await _refusal(gateway.create_rich_menu(body))
    assert error.status == 400 and where in [prop for prop, _ in error.details]
    assert line.rich_menus() == {}


def _post_menu(line: FakeLine, body: dict[str, Any]) -> Any:
    import httpx

    return httpx.post(
        line.base_url + "/v2/bot/richmenu",
        json=body,
        headers={"Authorization": f"Bearer {line.access_token}"},
    )


def test_a_menu_without_its_required_fields_is_refused(line: FakeLine) -> None:
    answer = _post_menu(line, {"size": {"width": 2500, "height": 843}})
    assert answer.status_code == 400
    assert {"name", "chatBarText", "areas", "selected"} <= {d["property"] for d in answer.json()["details"]}


@pytest.mark.skipif(not SPEC_PATH.is_file(), reason=f"{SPEC_PATH} not found: the fake takes the chatBarText limit "
                    "from LINE's OpenAPI file (CI has it)")
async def test_a_long_chat_bar_text_is_refused_by_the_sdk_and_by_the_fake(
    line: FakeLine, gateway: LineGateway
) -> None:
    body = menu(chatBarText="เมนูสำหรับเจ้าหน้าที่ท้องถิ่น")
    with pytest.raises(ValueError):
        await gateway.create_rich_menu(body)
    answer = _post_menu(line, body)
    assert answer.status_code == 400 and answer.json()["details"][0]["property"] == "chatBarText"


@pytest.mark.parametrize(
    ("image", "content_type", "status"),
    [
        (picture(2500, 1686), "image/png", 400),  # not the size the menu declares
        (picture(), "image/gif", 415),
        (picture(kind="JPEG"), "image/png", 400),  # bytes that are not what the header says
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "image/png", 400),  # over 1 MB
    ],
)
async def test_images_breaking_line_rules_are_refused(
    gateway: LineGateway, image: bytes, content_type: str, status: int
) -> None:
    menu_id = await gateway.create_rich_menu(menu())
    error = await _refusal(gateway.upload_rich_menu_image(menu_id, image, content_type))
    assert error.status == status


async def test_an_image_is_uploaded_once_and_needed_before_use(gateway: LineGateway) -> None:
    menu_id = await gateway.create_rich_menu(menu())
    assert (await _refusal(gateway.link_rich_menu(USER, menu_id))).status == 400
    assert (await _refusal(gateway.set_default_rich_menu(menu_id))).status == 400
    await gateway.upload_rich_menu_image(menu_id, picture(), "image/png")
    assert (await _refusal(gateway.upload_rich_menu_image(menu_id, picture(), "image/png"))).status == 400


async def test_aliases_are_unique_well_formed_and_updatable(line: FakeLine, gateway: LineGateway) -> None:
    first, second = await gateway.create_rich_menu(menu()), await gateway.create_rich_menu(menu())
    await gateway.create_rich_menu_alias("thongthin-officer", first)
    assert (await _refusal(gateway.create_rich_menu_alias("thongthin-officer", second))).status == 400
    with pytest.raises(ValueError):  # the SDK itself checks the alias id pattern ^[a-z0-9_-]{1,32}$
        await gateway.create_rich_menu_alias("Thongthin Officer", first)
    await gateway.update_rich_menu_alias("thongthin-officer", second)
    assert line.rich_menu_aliases() == {"thongthin-officer": second}


async def test_bulk_link_links_every_user(line: FakeLine, gateway: LineGateway) -> None:
    menu_id = await gateway.create_rich_menu(menu())
    await gateway.upload_rich_menu_image(menu_id, picture(), "image/png")
    users = [f"U{n:032x}" for n in range(3)]
    await gateway.link_rich_menu_to_users(menu_id, users)
    assert [line.linked_rich_menu(user) for user in users] == [menu_id] * 3
    await gateway.unlink_rich_menu(users[0])
    assert line.linked_rich_menu(users[0]) is None


async def test_local_mode_has_no_menus() -> None:
    gateway = NullGateway()
    assert (
        await gateway.list_rich_menus() == []
        and await gateway.get_rich_menu_alias("thongthin-officer") is None
    )
    await gateway.link_rich_menu(USER, "richmenu-x")  # accepted and ignored: nothing to show without LINE
    with pytest.raises(LineApiError):
        await gateway.create_rich_menu(menu())
