"""Fixtures for the citizen handler tests: the real knowledge base and settings, turns built around them, and a
fresh SQLite database with the LAO directory, as the runtime prepares it."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot import db
from bot.events import InboundEvent
from bot.settings import Settings
from bot.state import ConversationState
from bot.storage import Storage
from bot.turn import AppContext, Turn, UserInfo
from knowledge.loader import load_knowledge
from nlu.types import NluResult
from tests.handlers.citizen.helpers import NOW, USER, event


@pytest.fixture(scope="session")
def kb() -> Any:
    return load_knowledge()


@pytest.fixture
def make_turn(kb: Any, tmp_path: Path) -> Callable[..., Turn]:
    settings = Settings(THONGTHIN_DATA_DIR=str(tmp_path), REDIS_URL="", DATABASE_URL="")

    def build(ev: InboundEvent | None = None, *, role: str = "citizen", lao: str | None = None,
              nlu: NluResult | None = None, state: ConversationState | None = None, now: datetime = NOW,
              storage: Any = None) -> Turn:
        ctx = AppContext(settings=settings, kb=kb, nlu=None, storage=storage, clock=None)
        return Turn(event=ev or event(text=nlu.text if nlu else "สวัสดี"), user=UserInfo(USER, role, lao),
                    state=state or ConversationState(), ctx=ctx, nlu=nlu, now=now)

    return build


@pytest.fixture
async def storage(kb: Any, tmp_path: Path) -> AsyncIterator[Storage]:
    """A migrated SQLite database with the LAO directory, as the runtime prepares it."""
    url = f"sqlite:///{(tmp_path / 'handlers.db').as_posix()}"
    db.ensure_schema(url)
    engine = db.create_engine_from_url(url)
    store = Storage(db.session_factory(engine))
    await store.sync_laos(kb.laos.values())
    try:
        yield store
    finally:
        await engine.dispose()

