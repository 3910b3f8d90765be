"""The `thongthin officer|mentor|admin|richmenu` commands: an invite printed by the CLI works once in chat, direct
grants link the role's menu, and `richmenu sync` builds the menus on the fake LINE API (and changes nothing
when run again)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bot import repo
from bot.db import ensure_schema
from knowledge.loader import load_knowledge
from tests.conftest import REPO
from tests.fakeline import FakeLine
from tests.handlers.escalation_harness import running_bot, texts

KOH_TAEO = "05900104"
USER = "U" + "5" * 32


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


@pytest.fixture(scope="module")
def line() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, line: FakeLine) -> dict[str, str]:
    line.reset()
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    ensure_schema(url)
    return {"DATABASE_URL": url, "THONGTHIN_DATA_DIR": str(tmp_path), "REDIS_URL": "",
            "LINE_CHANNEL_SECRET": "secret", "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
            "LINE_API_BASE_URL": line.base_url}


def thongthin(env: dict[str, str], *args: str) -> Any:
    from app import cli

    return CliRunner().invoke(cli, list(args), env=env)


def test_invite_prints_only_the_code_on_stdout(env: dict[str, str]) -> None:
    """The real entry point, as an admin runs it."""
    done = subprocess.run([sys.executable, "-m", "app", "officer", "invite", "--lao", KOH_TAEO], cwd=REPO,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert len(code) == 11 and code[5] == "-" and "\n" not in code
    assert code not in done.stderr and "one-time" in done.stderr


async def test_a_printed_code_works_once_in_chat(env: dict[str, str], kb: Any) -> None:
    result = await asyncio.to_thread(thongthin, env, "officer", "invite", "--lao", KOH_TAEO)
    code = result.stdout.strip().splitlines()[0]
    async with running_bot(kb, env["DATABASE_URL"], {}) as bot:
        first = await bot.send("officer", code)
        second = await bot.send("someone", code)
        async with bot.ctx.storage.transaction() as session:
            officer = await repo.get_user(session, bot.uid("officer"))
    assert kb.responses.say("officer.invite_ok", lao_name="เทศบาลตำบลเกาะแต้ว") in texts(first)
    assert texts(second) == kb.responses.say("officer.invite_used")
    assert officer is not None and (officer.role.value, officer.lao_code) == ("officer", KOH_TAEO)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("officer", "invite", "--lao", "NOPE"), "unknown LAO code"),
        (("mentor", "invite", "--lao", "ORG-burapha_university"), "not a mentor LAO"),
        (("admin", "add", "--user", "Ushort"), "not a LINE user id"),
        (("officer", "invite", "--lao", KOH_TAEO, "--days", "0"), "at least one day"),
    ],
)
def test_refused_requests_say_why(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = thongthin(env, *args)
    assert result.exit_code == 1 and message in result.stderr and result.stdout == ""


def test_sync_builds_the_menus_then_changes_nothing(env: dict[str, str], line: FakeLine) -> None:
    first = thongthin(env, "richmenu", "sync")
    assert first.exit_code == 0, first.output
    assert [row.split("\t")[2] for row in first.stdout.splitlines()[:3]] == ["created"] * 3
    menus = dict(line.rich_menu_aliases())
    assert set(menus) == {"thongthin-citizen", "thongthin-officer", "thongthin-mentor"}
    assert line.default_rich_menu() == menus["thongthin-citizen"]
    second = thongthin(env, "richmenu", "sync")
    assert [row.split("\t")[2] for row in second.stdout.splitlines()[:3]] == ["unchanged"] * 3
    assert line.rich_menu_aliases() == menus and len(line.rich_menus()) == 3
    assert [c for c in line.calls() if c.status >= 400] == []


def test_direct_grants_link_the_roles_menu(env: dict[str, str], line: FakeLine) -> None:
    assert thongthin(env, "richmenu", "sync").exit_code == 0
    added = thongthin(env, "mentor", "add", "--lao", KOH_TAEO, "--user", USER)
    assert added.exit_code == 0 and "rich menu linked" in added.stdout
    assert line.linked_rich_menu(USER) == line.rich_menu_aliases()["thongthin-mentor"]
    httpx.delete(f"{line.base_url}/v2/bot/user/{USER}/richmenu",  # the link got lost: `richmenu link` repairs it
                 headers={"Authorization": f"Bearer {line.access_token}"}).raise_for_status()
    assert line.linked_rich_menu(USER) is None
    assert thongthin(env, "richmenu", "link", "--user", USER).exit_code == 0
    assert line.linked_rich_menu(USER) == line.rich_menu_aliases()["thongthin-mentor"]


def test_render_writes_the_images(env: dict[str, str], tmp_path: Path) -> None:
    result = thongthin(env, "richmenu", "render", "--out", str(tmp_path / "menus"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "menus").iterdir()) == ["citizen.png", "mentor.png", "officer.png"]
