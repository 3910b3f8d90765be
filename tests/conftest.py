"""Shared test setup: offline Thai NLP, and access to the real Redis/PostgreSQL the machine provides."""
from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def real_service_url(var: str) -> str | None:
    """The URL of a real service for tests; in CI a missing one is an error, not a skip."""
    url = os.environ.get(var)
    if not url and IN_CI:
        raise RuntimeError(f"{var} must be set when CI=true (.ci/run sets it)")
    return url


def redis_params() -> list:
    """Parametrize over the embedded store and, where available, a real Redis."""
    url = real_service_url("TEST_REDIS_URL")
    real = pytest.param(url, id="redis", marks=pytest.mark.redis) if url else pytest.param(
        None, id="redis", marks=pytest.mark.skip(reason="TEST_REDIS_URL not set"))
    return [pytest.param("", id="embedded"), real]


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=redis_params())
async def redis_client(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator:
    """A Redis client (embedded or real); keys under the test's unique `prefix` are removed afterwards."""
    from bot.kv import make_redis
    from bot.settings import Settings

    client = make_redis(Settings(REDIS_URL=request.param))
    yield client
    async for key in client.scan_iter(match=f"{prefix}:*", count=500):
        await client.delete(key)
    await client.aclose()
