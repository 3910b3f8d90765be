"""NullGateway: the in-process stand-in for LINE used in local mode (no LINE channel configured).

It implements the same Gateway protocol as bot/line_api.py's LineGateway but keeps what would have been sent
in memory, so `thongthin chat`, the embedded server and tests can read the answers back. It lives apart
from the real client so that local mode and tests need none of the HTTP machinery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.line_types import (
    SENT_NOTHING,
    Delivery,
    DeliveryLedger,
    LineApiError,
    LineProfile,
    settled_or_fitted,
)
from bot.messages import OutMessage
from bot.replies import enforce_limits

LOCAL_MODE_NO_MENUS = "No rich menus in local mode (no LINE channel configured)"


@dataclass(frozen=True)
class Outgoing:
    """A batch of messages NullGateway would have sent."""

    to: str
    method: Literal["reply", "push"]
    messages: list[OutMessage]


class NullGateway:
    """Local mode (no LINE channel): same interface, keeps what would be sent in memory.

    `thongthin chat` and the embedded server read the answers back with `take()`.
    """

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.loading: list[str] = []

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def deliver(
        self,
        *,
        key: str,
        to: str,
        reply_token: str | None,
        event_time_ms: int | None,
        messages: Sequence[OutMessage],
        ledger: DeliveryLedger,
    ) -> Delivery:
        _, fitted, skipped = await settled_or_fitted(key, messages, ledger)
        if skipped is not None:
            return skipped
        method: Literal["reply", "push"] = "reply" if reply_token else "push"
        self.sent.append(Outgoing(to, method, fitted))
        await ledger.set(key, f"sent:{method}")
        return Delivery("replied" if method == "reply" else "pushed", method)

    async def push(self, to: str, messages: Sequence[OutMessage], retry_key: str | None = None) -> Delivery:
        fitted = enforce_limits(messages)
        if not fitted:
            return Delivery("skipped", detail=SENT_NOTHING)
        self.sent.append(Outgoing(to, "push", fitted))
        return Delivery("pushed", "push")

    async def show_loading(self, chat_id: str, seconds: int = 20) -> bool:
        if not chat_id.startswith("U"):
            return False
        self.loading.append(chat_id)
        return True

    async def get_profile(self, user_id: str) -> LineProfile | None:
        return None

    async def get_content(self, message_id: str) -> bytes:
        raise LineApiError("content", 404, "No message content in local mode")

    def take(self, to: str | None = None) -> list[OutMessage]:
        """Remove and return the messages sent so far (to one recipient, or to anyone)."""
        taken = [batch for batch in self.sent if to is None or batch.to == to]
        self.sent = [batch for batch in self.sent if not (to is None or batch.to == to)]
        return [message for batch in taken for message in batch.messages]

    # ---- rich menus: local mode has none; role changes still run through the same calls ---------------

    async def create_rich_menu(self, menu: dict[str, Any]) -> str:
        raise LineApiError("richmenu.create", None, LOCAL_MODE_NO_MENUS)

    async def upload_rich_menu_image(self, rich_menu_id: str, image: bytes, content_type: str) -> None:
        raise LineApiError("richmenu.image", None, LOCAL_MODE_NO_MENUS)

    async def list_rich_menus(self) -> list[dict[str, Any]]:
        return []

    async def delete_rich_menu(self, rich_menu_id: str) -> None:
        return None

    async def set_default_rich_menu(self, rich_menu_id: str) -> None:
        return None

    async def list_rich_menu_aliases(self) -> dict[str, str]:
        return {}

    async def get_rich_menu_alias(self, alias_id: str) -> str | None:
        return None

    async def create_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        return None

    async def update_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        return None

    async def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        return None

    async def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: Sequence[str]) -> None:
        return None

    async def unlink_rich_menu(self, user_id: str) -> None:
        return None

    async def get_user_rich_menu(self, user_id: str) -> str | None:
        return None
