"""Every YAML transcript under tests/conversations/ runs through the real HTTP endpoint (see runner.py)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conversations.runner import ConversationServer
from tests.conversations.transcript import load_transcript

ROOT = Path(__file__).resolve().parent
PATHS = sorted(ROOT.rglob("*.yaml"))
IDS = [p.relative_to(ROOT).as_posix() for p in PATHS]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConversationServer]:
    with ConversationServer.started(tmp_path_factory.mktemp("conversations")) as running:
        yield running


def test_every_transcript_is_well_formed() -> None:
    """Format errors show up here at once, without starting a server."""
    titles = [load_transcript(path, ROOT).title for path in PATHS]
    assert all(title.strip() for title in titles)


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_transcript(path: Path, server: ConversationServer) -> None:
    transcript = load_transcript(path, ROOT)
    if transcript.clock is not None and not server.can_move_clock:
        pytest.skip("fixed clock needs TEST_REDIS_URL: the embedded store lives inside the server process")
    server.run(transcript)
