"""Fixtures for end-to-end tests: the fake LINE API, a fresh database, and a Stack of real processes."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import real_service_url
from tests.databases import fresh_database
from tests.e2e.stack import Stack
from tests.fakeline.server import FakeLine

REDIS_URL = real_service_url("TEST_REDIS_URL")
POSTGRES_URL = real_service_url("TEST_DATABASE_URL")


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    with FakeLine() as line:
        yield line


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared across the session so the NLU index is built once and then loaded from its cache."""
    return tmp_path_factory.mktemp("e2e-data")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgres" if POSTGRES_URL else "sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def stack(fake_line: FakeLine, database_url: str, data_dir: Path) -> Iterator[Stack]:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set: scale-out end-to-end tests need a real Redis")
    deployment = Stack(line_base_url=fake_line.base_url, line_token=fake_line.access_token,
                       redis_url=REDIS_URL, database_url=database_url, data_dir=data_dir)
    try:
        yield deployment
    finally:
        deployment.stop()
