"""A report photo is fetched once, kept as a file under the data folder, and never stops a report."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from handlers import photos

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


class FakeGateway:
    def __init__(self, data: bytes | None) -> None:
        self.data = data

    async def get_content(self, message_id: str) -> bytes:
        if self.data is None:
            raise RuntimeError("content expired")
        return self.data


def test_sniff_knows_common_image_types():
    assert photos.sniff(JPEG) == ("image/jpeg", "jpg")
    assert photos.sniff(b"\x89PNG\r\n") == ("image/png", "png")
    assert photos.sniff(b"????") == ("application/octet-stream", "bin")


async def test_keep_writes_the_file_and_returns_its_size_and_type(make_turn: Any):
    turn = make_turn()
    turn.ctx.gateway = FakeGateway(JPEG)
    kept = await photos.keep(turn, "123")
    assert kept["size"] == len(JPEG) and kept["type"] == "image/jpeg"
    assert Path(kept["path"]).read_bytes() == JPEG


async def test_a_failed_download_keeps_only_the_id(make_turn: Any):
    turn = make_turn()
    turn.ctx.gateway = FakeGateway(None)
    assert await photos.keep(turn, "123") == {"id": "123", "error": "RuntimeError"}
