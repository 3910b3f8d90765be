"""Rich menus in the fake LINE API: create, list, delete, image upload (data API path), default menu, aliases,
per-user and bulk links. Mixed into FakeLineState, whose lock guards every call.

Modelled on LINE's reference (../shared/research/line.md §3 and §4.3):
- the image is JPEG or PNG, at most 1 MB, 800-2500 px wide, at least 250 px high, width/height >= 1.45,
  and the size the menu declares; a menu takes one image, once;
- a menu without an image cannot be made the default or linked to users;
- a user has one linked menu (linking replaces it); deleting a menu drops its links and the default;
- alias ids match ^[a-z0-9_-]{1,32}$ and are unique per channel; bulk link takes at most 500 users.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import TYPE_CHECKING, Any

from tests.fakeline.validation import Detail, richmenu_errors

if TYPE_CHECKING:
    from tests.fakeline.state import Answer

MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
_RESERVED = {"list", "alias", "bulk", "batch", "validate", "progress"}
_MENU = re.compile(r"^/v2/bot/richmenu/(?P<id>[^/]+)$")
_CONTENT = re.compile(r"^/v2/bot/richmenu/(?P<id>[^/]+)/content$")
_ALIAS = re.compile(r"^/v2/bot/richmenu/alias/(?P<alias>[^/]+)$")
_DEFAULT = re.compile(r"^/v2/bot/user/all/richmenu(?:/(?P<id>[^/]+))?$")
_USER = re.compile(r"^/v2/bot/user/(?P<user>[^/]+)/richmenu(?:/(?P<id>[^/]+))?$")


class RichMenuApi:
    """State and endpoints; `_rich_menu_route` returns None for paths that are not rich-menu calls."""

    def _rich_menu_reset(self) -> None:
        self._menus: dict[str, dict[str, Any]] = {}
        self._menu_images: dict[str, tuple[bytes, str]] = {}
        self._aliases: dict[str, str] = {}
        self._links: dict[str, str] = {}
        self._default_menu: str | None = None

    # ---- queries for tests ---------------------------------------------------------------------------------

    def rich_menus(self) -> dict[str, dict[str, Any]]:
        with self._lock:  # type: ignore[attr-defined]
            return {menu_id: dict(menu) for menu_id, menu in self._menus.items()}

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str] | None:
        with self._lock:  # type: ignore[attr-defined]
            return self._menu_images.get(rich_menu_id)

    def rich_menu_aliases(self) -> dict[str, str]:
        with self._lock:  # type: ignore[attr-defined]
            return dict(self._aliases)

    def default_rich_menu(self) -> str | None:
        with self._lock:  # type: ignore[attr-defined]
            return self._default_menu

    def linked_rich_menu(self, user_id: str) -> str | None:
        with self._lock:  # type: ignore[attr-defined]
            return self._links.get(user_id)

    # ---- routing -------------------------------------------------------------------------------------------

    def _rich_menu_route(
        self, method: str, path: str, headers: dict[str, str], body: Any, raw: bytes
    ) -> Answer | None:
        if not path.startswith(("/v2/bot/richmenu", "/v2/bot/user/")):
            return None
        if (found := _CONTENT.match(path)) and method in ("POST", "GET"):
            return self._image(method, found["id"], headers, raw)
        if raw and body is None:
            return _bad([Detail("", "The request body is not valid JSON")])
        return self._json_route(method, path, body if isinstance(body, dict) else {})

    def _json_route(self, method: str, path: str, body: dict[str, Any]) -> Answer | None:
        fixed = {
            ("POST", "/v2/bot/richmenu"): lambda: self._create(body),
            ("GET", "/v2/bot/richmenu/list"): lambda: _ok({"richmenus": list(self._menus.values())}),
            ("POST", "/v2/bot/richmenu/alias"): lambda: self._create_alias(body),
            ("GET", "/v2/bot/richmenu/alias/list"): lambda: _ok(
                {
                    "aliases": [
                        {"richMenuAliasId": alias, "richMenuId": menu}
                        for alias, menu in self._aliases.items()
                    ]
                }
            ),
            ("POST", "/v2/bot/richmenu/bulk/link"): lambda: self._bulk_link(body),
        }
        if (method, path) in fixed:
            return fixed[(method, path)]()
        if found := _ALIAS.match(path):
            return self._alias(method, found["alias"], body)
        if (found := _MENU.match(path)) and found["id"] not in _RESERVED:
            return self._menu(method, found["id"])
        if found := _DEFAULT.match(path):
            return self._default(method, found["id"])
        if found := _USER.match(path):
            return self._user(method, found["user"], found["id"])
        return None

    # ---- menus ---------------------------------------------------------------------------------------------

    def _create(self, body: dict[str, Any]) -> Answer:
        required = ("size", "selected", "name", "chatBarText", "areas")
        details = self._errors("/v2/bot/richmenu", body, required)  # type: ignore[attr-defined]
        flagged = {d.property for d in details}
        details += [d for d in richmenu_errors(body) if d.property not in flagged]
        if "selected" not in body and "selected" not in flagged:
            details.append(Detail("selected", "May not be empty"))
        if details:
            return _bad(details)
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        self._menus[menu_id] = {"richMenuId": menu_id, **body}
        return _ok({"richMenuId": menu_id})

    def _menu(self, method: str, menu_id: str) -> Answer | None:
        if menu_id not in self._menus:
            return _not_found() if method in ("GET", "DELETE") else None
        if method == "GET":
            return _ok(dict(self._menus[menu_id]))
        if method != "DELETE":
            return None
        del self._menus[menu_id]
        self._menu_images.pop(menu_id, None)
        self._links = {user: menu for user, menu in self._links.items() if menu != menu_id}
        if self._default_menu == menu_id:
            self._default_menu = None
        return _ok({})

    def _image(self, method: str, menu_id: str, headers: dict[str, str], raw: bytes) -> Answer:
        if menu_id not in self._menus:
            return _not_found()
        if method == "GET":
            stored = self._menu_images.get(menu_id)
            return _not_found() if stored is None else _binary(*stored)
        if menu_id in self._menu_images:
            return _bad([Detail("", "An image has already been uploaded to the rich menu")])
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in IMAGE_TYPES:
            return _answer(415, {"message": "Content-Type must be image/jpeg or image/png"})
        details = _image_errors(raw, content_type, self._menus[menu_id]["size"])
        if details:
            return _bad(details)
        self._menu_images[menu_id] = (raw, content_type)
        return _ok({})

    def _with_image(self, menu_id: str | None) -> Answer | None:
        """None when the menu exists and has its image; otherwise LINE's refusal."""
        if menu_id is None or menu_id not in self._menus:
            return _bad([Detail("richMenuId", "The rich menu does not exist")])
        if menu_id not in self._menu_images:
            return _bad([Detail("richMenuId", "Upload the rich menu image before applying it")])
        return None

    # ---- default, users, aliases ---------------------------------------------------------------------------

    def _default(self, method: str, menu_id: str | None) -> Answer | None:
        if method == "POST" and menu_id is not None:
            refused = self._with_image(menu_id)
            if refused is None:
                self._default_menu = menu_id
            return refused or _ok({})
        if method == "GET" and menu_id is None:
            return _not_found() if self._default_menu is None else _ok({"richMenuId": self._default_menu})
        if method == "DELETE" and menu_id is None:
            self._default_menu = None
            return _ok({})
        return None

    def _user(self, method: str, user_id: str, menu_id: str | None) -> Answer | None:
        if method == "POST" and menu_id is not None:
            refused = self._with_image(menu_id)
            if refused is None:
                self._links[user_id] = menu_id
            return refused or _ok({})
        if method == "GET" and menu_id is None:
            linked = self._links.get(user_id)
            return _not_found() if linked is None else _ok({"richMenuId": linked})
        if method == "DELETE" and menu_id is None:
            self._links.pop(user_id, None)
            return _ok({})
        return None

    def _bulk_link(self, body: dict[str, Any]) -> Answer:
        details = self._errors("/v2/bot/richmenu/bulk/link", body, ("richMenuId", "userIds"))  # type: ignore[attr-defined]
        if details:
            return _bad(details)
        refused = self._with_image(body["richMenuId"])
        if refused is not None:
            return refused
        for user_id in body["userIds"]:
            self._links[user_id] = body["richMenuId"]
        return _answer(202, {})

    def _create_alias(self, body: dict[str, Any]) -> Answer:
        details = self._errors("/v2/bot/richmenu/alias", body, ("richMenuAliasId", "richMenuId"))  # type: ignore[attr-defined]
        if details:
            return _bad(details)
        if body["richMenuAliasId"] in self._aliases:
            return _bad([Detail("richMenuAliasId", "The rich menu alias id already exists")])
        if body["richMenuId"] not in self._menus:
            return _bad([Detail("richMenuId", "The rich menu does not exist")])
        self._aliases[body["richMenuAliasId"]] = body["richMenuId"]
        return _ok({})

    def _alias(self, method: str, alias: str, body: dict[str, Any]) -> Answer | None:
        if alias == "list":
            return None
        if alias not in self._aliases:
            return _not_found() if method in ("GET", "POST", "DELETE") else None
        if method == "GET":
            return _ok({"richMenuAliasId": alias, "richMenuId": self._aliases[alias]})
        if method == "DELETE":
            del self._aliases[alias]
            return _ok({})
        if method != "POST":
            return None
        details = self._errors("/v2/bot/richmenu/alias/{richMenuAliasId}", body, ("richMenuId",))  # type: ignore[attr-defined]
        if not details and body["richMenuId"] not in self._menus:
            details = [Detail("richMenuId", "The rich menu does not exist")]
        if details:
            return _bad(details)
        self._aliases[alias] = body["richMenuId"]
        return _ok({})


def _image_errors(raw: bytes, content_type: str, size: dict[str, int]) -> list[Detail]:
    from PIL import Image  # the fake decodes the image as LINE would; Pillow is a project dependency

    if len(raw) > MAX_IMAGE_BYTES:
        return [Detail("", "The image must be at most 1 MB")]
    if not raw.startswith(IMAGE_TYPES[content_type]):
        return [Detail("", f"The image is not {content_type}")]
    try:
        with Image.open(io.BytesIO(raw)) as image:
            width, height = image.size
    except OSError:
        return [Detail("", "The image cannot be decoded")]
    if (width, height) != (size.get("width"), size.get("height")):
        return [
            Detail(
                "",
                f"The image is {width}x{height} but the rich menu is {size.get('width')}x"
                f"{size.get('height')}",
            )
        ]
    return []


def _answer(status: int, body: Any) -> Answer:
    from tests.fakeline.state import Answer

    return Answer(status, body)


def _ok(body: Any) -> Answer:
    return _answer(200, body)


def _binary(data: bytes, content_type: str) -> Answer:
    from tests.fakeline.state import Answer

    return Answer(200, data, media_type=content_type)


def _not_found() -> Answer:
    return _answer(404, {"message": "Not found"})


def _bad(details: list[Detail]) -> Answer:
    return _answer(
        400,
        {
            "message": f"The request body has {len(details)} error(s)",
            "details": [detail.as_json() for detail in details],
        },
    )
