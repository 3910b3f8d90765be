"""bot.db: URL mapping, engine set-up, health ping and alembic migrations on SQLite and PostgreSQL."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import (
    create_engine_from_url,
    create_sync_engine,
    downgrade,
    ensure_schema,
    make_async_url,
    make_sync_url,
    ping,
    upgrade,
)
from bot.models import Base

HEAD = "0001_initial"
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/thongthin.db", "sqlite+aiosqlite:///var/thongthin.db"),
        ("sqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgres://u@h/d?sslmode=require", "postgresql+psycopg://u@h/d?sslmode=require"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_make_async_url_maps_to_async_driver(url: str, expected: str) -> None:
    assert make_async_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_make_sync_url_maps_to_sync_driver(url: str, expected: str) -> None:
    assert make_sync_url(url) == expected


def test_make_async_url_rejects_other_databases() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        make_async_url("mysql://u@h/d")


async def test_sqlite_engine_creates_directory_and_sets_pragmas(tmp_path: Path) -> None:
    engine = create_engine_from_url(f"sqlite:///{tmp_path}/nested/dir/t.db")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert (tmp_path / "nested" / "dir" / "t.db").exists()
        assert (journal, foreign_keys, busy) == ("wal", 1, 10_000)
    finally:
        await engine.dispose()


async def test_ping_answers_true_for_a_live_database(db_engine: AsyncEngine) -> None:
    assert await ping(db_engine) is True


async def test_ping_answers_false_when_the_database_is_unreachable() -> None:
    engine = create_engine_from_url("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert await ping(engine, timeout_s=2.0) is False
    finally:
        await engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _table_names(url: str) -> set[str]:
    engine = create_sync_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _schema_diff(url: str) -> list[object]:
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table_and_is_repeatable(empty_database_url: str) -> None:
    assert _revision(empty_database_url) is None
    ensure_schema(empty_database_url)
    ensure_schema(empty_database_url)  # start-up runs it every time
    assert _revision(empty_database_url) == HEAD
    assert _table_names(empty_database_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_models(migrated_database_url: str) -> None:
    assert _schema_diff(migrated_database_url) == []


def test_schema_comparison_notices_a_missing_index(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    engine = create_sync_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_tickets_status_sla_due_at"))
    engine.dispose()
    diff = _schema_diff(empty_database_url)
    assert [entry[0] for entry in diff] == ["add_index"]  # type: ignore[index]


def test_downgrade_to_base_removes_every_table(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    downgrade(empty_database_url, "base")
    assert _table_names(empty_database_url) <= {"alembic_version"}
    assert _revision(empty_database_url) is None


def test_concurrent_upgrades_from_several_processes_all_succeed(empty_database_url: str) -> None:
    # `serve` and each `worker` run ensure_schema at start-up, possibly at the same moment.
    script = "import sys; from bot.db import ensure_schema; ensure_schema(sys.argv[1])"
    processes = [subprocess.Popen([sys.executable, "-c", script, empty_database_url], cwd=REPO,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in processes]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert _revision(empty_database_url) == HEAD
