"""Every YAML transcript under tests/conversations/ runs through the real HTTP endpoint (see runner.py)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conversations.runner import ConversationServer
from tests.conversations.transcript import InviteSpec, TranscriptError, load_transcript

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


def _load(directory: Path, invites: Any, send: str = "{invite:ofc}") -> Any:
    path = directory / "t.yaml"
    data = {"title": "t", "invites": invites, "steps": [{"send": send, "expect": {"reply_contains": [send]}}]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_transcript(path, directory)


def test_invites_are_read(tmp_path: Path) -> None:
    invites = {"ofc": {"role": "officer", "lao": "05900104", "days": 2, "used": True},
               "adm": {"role": "admin"}}
    transcript = _load(tmp_path, invites)
    assert transcript.invites == {"ofc": InviteSpec("ofc", "officer", "05900104", 2, used=True),
                                  "adm": InviteSpec("adm", "admin")}


OFC = {"role": "officer", "lao": "05900104"}


@pytest.mark.parametrize(
    ("invites", "send", "message"),
    [
        ({"ofc": {**OFC, "uses": 2}}, "x", "unknown keys"),
        ({"ofc": {"role": "citizen", "lao": "05900104"}}, "x", "role is one of"),
        ({"ofc": {"role": "officer"}}, "x", "lao is required"),
        ({"ofc": {"role": "admin", "lao": "05900104"}}, "x", "no lao for an admin"),
        ({"ofc": {**OFC, "days": 0}}, "x", "days"),
        ({"ofc": {**OFC, "days": "7"}}, "x", "days"),
        ({"ofc": {**OFC, "expired": True, "used": True}}, "x", "not both"),
        ({"ofc": {**OFC, "expired": "yes"}}, "x", "true/false"),
        ({"of c": OFC}, "x", "letters, digits"),
        ([OFC], "x", "a mapping"),
        ({"ofc": OFC}, "{invite:other}", "undeclared invites"),
        (None, "{invite:ofc}", "undeclared invites"),
    ],
)
def test_malformed_invites_are_refused(tmp_path: Path, invites: Any, send: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        _load(tmp_path, invites, send)


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_transcript(path: Path, server: ConversationServer) -> None:
    transcript = load_transcript(path, ROOT)
    if transcript.clock is not None and not server.can_move_clock:
        pytest.skip("fixed clock needs TEST_REDIS_URL: the embedded store lives inside the server process")
    server.run(transcript)
