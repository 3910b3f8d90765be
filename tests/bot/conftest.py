"""Database fixtures shared by the bot tests: every DB test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres); each test
session creates its own `thongthin_test_<random>` database there and drops it at the end. Without the
variable the PostgreSQL cases are skipped, except in CI, where that is an error (tests/conftest.py).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_engine_from_url, ensure_schema, session_factory
from bot.models import Base
from tests.conftest import real_service_url
from tests.databases import fresh_database
from tests.fakeline import FakeLine

POSTGRES_URL = real_service_url("TEST_DATABASE_URL")


def _backend_params() -> list[Any]:
    postgres_marks = [pytest.mark.postgres]
    if not POSTGRES_URL:
        postgres_marks.append(pytest.mark.skip(reason="TEST_DATABASE_URL not set (PostgreSQL tests)"))
    sqlite = pytest.param("sqlite", id="sqlite")
    return [sqlite, pytest.param("postgres", id="postgres", marks=postgres_marks)]


@pytest.fixture(scope="session", params=_backend_params())
def db_backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgres"; tests using the DB fixtures below run once per backend."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_database_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per test session and backend."""
    with fresh_database(db_backend, tmp_path_factory.mktemp("db")) as url:
        ensure_schema(url)
        yield url


@pytest.fixture
def empty_database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A new database with no tables (for migration tests)."""
    with fresh_database(db_backend, tmp_path) as url:
        yield url


async def _delete_all_rows(engine: AsyncEngine) -> None:
    tables = [table.name for table in Base.metadata.sorted_tables]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            return
        for name in reversed(tables):
            await connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def db_engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the migrated database; every row is deleted after the test."""
    engine = create_engine_from_url(migrated_database_url)
    try:
        yield engine
    finally:
        await _delete_all_rows(engine)
        await engine.dispose()


@pytest.fixture
def db_sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; use `async with db_sessions.begin() as session:` per transaction."""
    return session_factory(db_engine)


# ---- the fake LINE API, one server per test module, reset for each test ----------------------------------


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def line(fake_server: FakeLine) -> FakeLine:
    fake_server.reset()
    return fake_server
