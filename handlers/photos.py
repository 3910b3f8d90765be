"""A report's photo: fetched from LINE when the case is created (LINE keeps content only for a while) and kept
as a file under the data folder; the database keeps the content id, size and type, never the bytes."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from bot.turn import Turn

log = logging.getLogger(__name__)
PHOTO_DIR = "report-photos"
_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG", "image/png", "png"),
               (b"GIF8", "image/gif", "gif"), (b"RIFF", "image/webp", "webp"))


def sniff(data: bytes) -> tuple[str, str]:
    """(MIME type, file extension) from the first bytes; LINE serves JPEG for photos from the app."""
    for magic, mime, ext in _SIGNATURES:
        if data.startswith(magic):
            return mime, ext
    return "application/octet-stream", "bin"


async def keep(turn: Turn, message_id: str) -> dict[str, Any]:
    """Fetch and store the content; on failure the case is still created, with the id only."""
    try:
        data = await _fetch(turn, message_id)
    except Exception as exc:  # noqa: BLE001 - a photo must never stop a report
        log.warning("could not fetch content %s: %s", message_id, exc)
        return {"id": message_id, "error": type(exc).__name__}
    mime, ext = sniff(data)
    path = Path(turn.ctx.settings.data_dir) / PHOTO_DIR / f"{message_id}.{ext}"
    await asyncio.to_thread(_write, path, data)
    return {"id": message_id, "size": len(data), "type": mime, "path": str(path)}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _fetch(turn: Turn, message_id: str) -> bytes:
    gateway = getattr(turn.ctx, "gateway", None)
    if gateway is not None:
        return await gateway.get_content(message_id)
    # The turn context has no gateway yet: a short-lived client for this one download.
    from bot.line_api import gateway_from_settings

    client = gateway_from_settings(turn.ctx.settings)
    await client.start()
    try:
        return await client.get_content(message_id)
    finally:
        await client.aclose()
