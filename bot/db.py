"""Database engines, sessions, health check and migrations (SQLite for local runs, PostgreSQL in production).

Application code uses the async engine (aiosqlite / psycopg); alembic runs on a sync engine with the same
drivers. Both go through `_configure_sqlite`, so SQLite behaves the same way for migrations and requests.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
PING_TIMEOUT_S = 3.0
DEFAULT_POOL_SIZE = 10
MIGRATION_LOCK_KEY = 7_460_001  # any constant; identifies "thongthin schema migration" among advisory locks

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _backend(url: str) -> str:
    """Return "sqlite" or "postgresql" for any spelling of the URL scheme."""
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise ValueError(f"unsupported database URL scheme: {scheme!r} (use sqlite:// or postgresql://)")


def _with_driver(url: str, driver: str) -> str:
    return driver + "://" + url.split("://", 1)[1]


def make_async_url(url: str) -> str:
    """Map a plain database URL to its async driver; URLs that already name an async driver are kept."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in ("sqlite+aiosqlite", "postgresql+psycopg", "postgresql+asyncpg"):
        return url
    return _with_driver(url, _ASYNC_DRIVERS[_backend(url)])


def make_sync_url(url: str) -> str:
    """Map any database URL to the sync driver alembic uses (sqlite:// or postgresql+psycopg://)."""
    return _with_driver(url, _SYNC_DRIVERS[_backend(url)])


def _sqlite_path(url: URL) -> Path | None:
    """The database file, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _engine_options(url: URL, pool_size: int) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql":
        return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": pool_size}
    path = _sqlite_path(url)
    if path is None:  # one shared connection, or every connection would see its own empty database
        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    path.parent.mkdir(parents=True, exist_ok=True)
    return {"pool_size": pool_size, "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}


def _switch_to_wal(cursor: Any) -> None:
    """PRAGMA journal_mode=WAL, retried: SQLite answers "database is locked" at once, without its busy
    handler, when another process holds a lock on a file that is not yet in WAL mode (two processes
    migrating a fresh database at start-up hit this about one time in ten)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # noqa: BLE001 - sqlite3's or the async driver's OperationalError
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _configure_sqlite(engine: Engine, url: URL) -> None:
    """Enable WAL, foreign keys and a busy timeout, and start every transaction with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes the write lock up front: with SQLite's default deferred transactions, a
    transaction that reads and then writes fails at once with "database is locked" when another writer
    got in between, instead of waiting. Taking over BEGIN needs the driver's own handling switched off.
    """
    wal = _sqlite_path(url) is not None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
        if wal:
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine_from_url(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> AsyncEngine:
    """Create the application's async engine for a SQLite or PostgreSQL URL.

    `pool_size` connections are kept (PostgreSQL may open as many again under load); size it to the
    worker's concurrency so event handlers do not queue for a connection.
    """
    parsed = make_url(make_async_url(url))
    engine = create_async_engine(parsed, **_engine_options(parsed, pool_size))
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine.sync_engine, parsed)
    return engine


def create_sync_engine(url: str) -> Engine:
    """Create a sync engine (migrations, CLI tools) configured like the async one."""
    parsed = make_url(make_sync_url(url))
    engine = create_engine(parsed, **_engine_options(parsed, pool_size=2))
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, parsed)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose loaded rows stay readable after commit (handlers use them after the transaction)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine, timeout_s: float = PING_TIMEOUT_S) -> bool:
    """Return True when the database answers a trivial query within the timeout."""
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; the reason goes to the log
        logger.warning("database ping failed", exc_info=True)
        return False


def alembic_config() -> Config:
    """Alembic configuration built in code, so migrations work from an installed package (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _run_alembic(url: str, action: str, revision: str) -> None:
    """Run one alembic command inside a single transaction on our own connection.

    On PostgreSQL a transaction-scoped advisory lock serialises concurrent upgraders (serve and workers
    start together); on SQLite BEGIN IMMEDIATE does the same. The loser then finds the schema current.
    """
    engine = create_sync_engine(url)
    try:
        with engine.begin() as connection:  # alembic joins this transaction; leaving the block commits
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Run alembic migrations up to `revision` (sync; call via asyncio.to_thread from async code)."""
    _run_alembic(url, "upgrade", revision)


def downgrade(url: str, revision: str) -> None:
    """Run alembic migrations down to `revision` ("base" removes every table)."""
    _run_alembic(url, "downgrade", revision)


def ensure_schema(url: str) -> None:
    """Bring the database to the newest schema (start-up step that makes the one-command local run work)."""
    upgrade(url, "head")
