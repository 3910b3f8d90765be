"""RichMenuApi: LineGateway's rich-menu calls, kept apart so bot/line_api.py stays about delivery.

A mixin, not a client of its own: LineGateway inherits it and supplies the SDK clients, the timeout and
`_call` (retries, backoff, metrics). The calls are driven by bot/richmenu.py; ids and JSON are in LINE's own
camelCase shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from linebot.v3.messaging import (
    ApiResponse,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    CreateRichMenuAliasRequest,
    RichMenuBulkLinkRequest,
    RichMenuRequest,
    UpdateRichMenuAliasRequest,
)

from bot.line_types import LineApiError


class RichMenuApi:
    """Rich-menu calls of the LINE Messaging API, mixed into LineGateway."""

    # Supplied by LineGateway.
    timeout_s: float
    _blob: AsyncMessagingApiBlob | None

    if TYPE_CHECKING:

        @property
        def _messaging(self) -> AsyncMessagingApi: ...

        async def _call(
            self, endpoint: str, send: Callable[[], Awaitable[ApiResponse]], retries: int | None = None
        ) -> ApiResponse: ...

    # ---- rich menus (driven by bot/richmenu.py; ids and JSON in LINE's own camelCase shape) ----------------

    async def _rich_menu_call(
        self, endpoint: str, method: Callable[..., Awaitable[ApiResponse]], *args: Any,
        retries: int | None = None,
    ) -> ApiResponse:
        return await self._call(endpoint, lambda: method(*args, _request_timeout=self.timeout_s), retries)

    async def create_rich_menu(self, menu: dict[str, Any]) -> str:
        """Create a rich menu from its LINE JSON; returns the new rich menu id."""
        request = RichMenuRequest.from_dict(menu)
        api = self._messaging
        response = await self._rich_menu_call("richmenu.create", api.create_rich_menu_with_http_info, request)
        return str(response.data.rich_menu_id)

    async def upload_rich_menu_image(self, rich_menu_id: str, image: bytes, content_type: str) -> None:
        """Attach the image (JPEG or PNG) on the data API host; LINE accepts one image per menu, once."""
        if self._blob is None:
            raise RuntimeError("LineGateway.start() was not awaited")
        blob = self._blob
        headers = {"Content-Type": content_type}
        await self._call("richmenu.image", lambda: blob.set_rich_menu_image_with_http_info(
            rich_menu_id, bytes(image), _headers=headers, _request_timeout=self.timeout_s))

    async def list_rich_menus(self) -> list[dict[str, Any]]:
        """Every rich menu of the channel, as LINE JSON (richMenuId, name, size, areas, ...)."""
        api = self._messaging
        response = await self._rich_menu_call("richmenu.list", api.get_rich_menu_list_with_http_info)
        return [menu.to_dict() for menu in response.data.richmenus]

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        api = self._messaging
        await self._rich_menu_call("richmenu.delete", api.delete_rich_menu_with_http_info, rich_menu_id)

    async def set_default_rich_menu(self, rich_menu_id: str) -> None:
        api = self._messaging
        await self._rich_menu_call("richmenu.default", api.set_default_rich_menu_with_http_info, rich_menu_id)

    async def list_rich_menu_aliases(self) -> dict[str, str]:
        """Alias id -> rich menu id."""
        api = self._messaging
        response = await self._rich_menu_call("richmenu.aliases", api.get_rich_menu_alias_list_with_http_info)
        return {alias.rich_menu_alias_id: alias.rich_menu_id for alias in response.data.aliases}

    async def get_rich_menu_alias(self, alias_id: str) -> str | None:
        """The rich menu id an alias points to, or None when the alias does not exist."""
        api = self._messaging
        try:
            response = await self._rich_menu_call(
                "richmenu.alias", api.get_rich_menu_alias_with_http_info, alias_id, retries=1)
        except LineApiError as error:
            if error.status in (400, 404):  # LINE answers an unknown alias with a client error
                return None
            raise
        return str(response.data.rich_menu_id)

    async def create_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        request = CreateRichMenuAliasRequest(rich_menu_alias_id=alias_id, rich_menu_id=rich_menu_id)
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.alias_create", api.create_rich_menu_alias_with_http_info, request)

    async def update_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        request = UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id)
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.alias_update", api.update_rich_menu_alias_with_http_info, alias_id, request)

    async def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        """Show this menu to one user (replaces any menu linked before; takes effect at once)."""
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.link", api.link_rich_menu_id_to_user_with_http_info, user_id, rich_menu_id)

    async def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: Sequence[str]) -> None:
        """Bulk link (at most 500 users per call; LINE applies it asynchronously)."""
        request = RichMenuBulkLinkRequest(rich_menu_id=rich_menu_id, user_ids=list(user_ids))
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.bulk_link", api.link_rich_menu_id_to_users_with_http_info, request)

    async def unlink_rich_menu(self, user_id: str) -> None:
        """Back to the default menu for this user."""
        api = self._messaging
        await self._rich_menu_call(
            "richmenu.unlink", api.unlink_rich_menu_id_from_user_with_http_info, user_id)

    async def get_user_rich_menu(self, user_id: str) -> str | None:
        """The menu linked to this user, or None (LINE answers 404 when only the default applies)."""
        api = self._messaging
        try:
            response = await self._rich_menu_call(
                "richmenu.user", api.get_rich_menu_id_of_user_with_http_info, user_id)
        except LineApiError as error:
            if error.status == 404:
                return None
            raise
        return str(response.data.rich_menu_id)
