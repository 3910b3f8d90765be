"""`thongthin chat` the way the README shows it: the real commands, run in a fresh working directory with
no settings in the environment (embedded Redis stand-in, SQLite under ./var). A code printed by `thongthin
officer invite` there is typed into the chat, so both must use the same database by default."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge.loader import load_knowledge

KOH_TAEO, KOH_TAEO_NAME = "05900104", "เทศบาลตำบลเกาะแต้ว"
CITIZEN_LINES = ["ภาษีที่ดิน ทต.เกาะแต้ว จ่ายที่ไหนคะ", "ต้องใช้เอกสารอะไรบ้าง", "กี่บาท"]
OFFICER = "somchai"


@pytest.fixture(scope="module")
def kb() -> Any:
    return load_knowledge(None)


def thongthin(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in `cwd`, with every deployment setting (DATABASE_URL, REDIS_URL, LINE_*, THONGTHIN_*)
    unset."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("THONGTHIN_", "LINE_")) and k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run([sys.executable, "-m", "app", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done


def turns(output: str, prompts: list[str]) -> list[tuple[str, str]]:
    """(typed line, what the chat printed before the next prompt); piped lines are echoed after the prompt."""
    names = "|".join(re.escape(p) for p in prompts)
    parts = re.split(rf"^(?:{names})> (.*)$", output.rstrip(), flags=re.MULTILINE)  # the last prompt met EOF
    return list(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.slow
def test_citizen_follow_ups_then_an_officer_registers_with_a_printed_code(tmp_path: Path, kb: Any) -> None:
    code = thongthin(tmp_path, "officer", "invite", "--lao", KOH_TAEO).stdout.strip()
    lines = [*CITIZEN_LINES, f"/as {OFFICER}", code, "สมัคร Digital ID ยังไงคะ", "1", "/quit"]
    chat = thongthin(tmp_path, "chat", stdin="\n".join(lines) + "\n")
    say = kb.responses.say
    said = dict(turns(chat.stdout, [say("console.me"), OFFICER]))
    assert list(said) == lines  # every line got its turn, under the right player's prompt
    assert say("service_card.for_lao", lao_name=KOH_TAEO_NAME) in said[CITIZEN_LINES[0]]
    assert "1) เอกสาร" in said[CITIZEN_LINES[0]]  # the card's buttons, as numbered choices
    assert "หนังสือแจ้งการประเมินภาษี" in said[CITIZEN_LINES[1]] and "ค่าธรรมเนียม" in said[CITIZEN_LINES[2]]
    assert said[f"/as {OFFICER}"].strip() == f"[as {OFFICER}]"
    assert say("officer.invite_ok", lao_name=KOH_TAEO_NAME) in said[code]
    assert say("helpdesk.feedback_ask") in said["สมัคร Digital ID ยังไงคะ"]
    assert "1) " + say("helpdesk.helpful_label") in said["สมัคร Digital ID ยังไงคะ"]
    assert say("helpdesk.helpful_reply") in said["1"]
    assert _staff(tmp_path) == [("officer", KOH_TAEO)]


def _staff(cwd: Path) -> list[tuple[str, str]]:
    """Role and LAO of everyone who is not a citizen, in the default database both commands used."""
    with sqlite3.connect(cwd / "var" / "thongthin.db") as db:
        return db.execute("SELECT role, lao_code FROM line_users WHERE role != 'citizen'").fetchall()
