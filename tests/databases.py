"""Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database on TEST_DATABASE_URL."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from tests.conftest import real_service_url

POSTGRES_URL = real_service_url("TEST_DATABASE_URL")


def _libpq_url(url: str, database: str | None = None) -> str:
    """The URL psycopg accepts (no SQLAlchemy driver suffix), optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{(directory / f'thongthin-{uuid.uuid4().hex[:8]}.db').as_posix()}"
        return
    assert POSTGRES_URL
    name = f"thongthin_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq_url(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _libpq_url(POSTGRES_URL, name)
    finally:
        with psycopg.connect(_libpq_url(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
