"""End to end over real processes (webhook server, workers, Redis, the database, the fake LINE API):
officer question → not helpful → ticket → mentor LAO → claim race → draft → worker restart → answer → rating →
suggestion → approval on the command line → the bot answers the same question itself; redaction; permission
checks; SLA re-routing with a controllable clock."""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import create_engine, text

from bot.db import make_sync_url
from tests.e2e.stack import REPO, Stack
from tests.factories import postback_event, text_event, user_id
from tests.fakeline.server import FakeLine

SILA, CHIANG_KHAN, LAMPANG = "P-400114", "P-420301", "P-5201"
QUESTION = "สแกนหน้าไม่ผ่านตอนสมัคร DGA Digital ID เข้าระบบไม่ได้"  # the NLU answers it with a (verified) article
ANSWER = "ให้ถอดแว่นและแมสก์ ถ่ายในที่แสงสว่างพอ แล้วสแกนใหม่ในแอป ThaID ค่ะ"
TUESDAY_10 = datetime.fromisoformat("2026-12-01T10:00:00+07:00")
FAST_TIMERS = {"THONGTHIN_SLA_POLL_S": "0.2", "THONGTHIN_LEARNING_POLL_S": "0.3"}


class Chat:
    """Users talking to the deployment through signed webhooks; answers read back from the fake LINE API."""

    def __init__(self, stack: Stack, line: FakeLine) -> None:
        self.stack, self.line = stack, line

    @staticmethod
    def uid(name: str) -> str:
        return user_id(f"e2e-escalation:{name}")

    def send(self, name: str, message: str) -> list[dict[str, Any]]:
        return self._post(text_event(message, self.uid(name)))

    def postback(self, name: str, data: str) -> list[dict[str, Any]]:
        return self._post(postback_event(data, self.uid(name)))

    def tap(self, name: str, reply: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
        actions = {item["action"]["label"]: item["action"] for m in reply
                   for item in (m.get("quickReply") or {}).get("items", [])}
        assert label in actions, f"no {label!r} among {list(actions)} in {reply}"
        action = actions[label]
        if action["type"] == "postback":
            return self.postback(name, action["data"])
        return self.send(name, action["text"])

    def pushed(self, name: str) -> str:
        return "\n".join(_text(m) for s in self.line.pushes() if self.uid(name) in s.to for m in s.messages)

    def _post(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        token = event["replyToken"]
        self.line.register_reply_token(token, event["source"]["userId"])
        assert self.stack.post(event).status_code == 200
        replied = lambda: [s for s in self.line.replies() if s.reply_token == token]  # noqa: E731
        assert self.line.wait_for(replied, timeout=20), self.stack._all_logs()[-3000:]
        return [m for s in replied() for m in s.messages]


def _text(message: dict[str, Any]) -> str:
    if message.get("type") == "flex":
        return message.get("altText", "") + "\n" + str(message.get("contents"))
    return str(message.get("text", ""))


def texts(reply: list[dict[str, Any]]) -> str:
    return "\n".join(_text(m) for m in reply)


def set_roles(stack: Stack, database_url: str, roles: dict[str, tuple[str, str | None]]) -> None:
    from bot import db
    from bot.storage import Storage

    async def main() -> None:
        engine = db.create_engine_from_url(database_url, pool_size=1)
        storage = Storage(db.session_factory(engine))
        for name, (role, lao) in roles.items():
            await storage.set_user_role(Chat.uid(name), role, lao_code=lao)
        await engine.dispose()

    asyncio.run(main())


def set_clock(stack: Stack, when: datetime) -> None:
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    client.set(f"{stack.prefix}:clock:now", when.astimezone(UTC).isoformat())
    client.close()


def query(database_url: str, sql: str) -> list[Any]:
    engine = create_engine(make_sync_url(database_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        engine.dispose()


def number_in(reply: list[dict[str, Any]]) -> int:
    found = re.search(r"#(\d+)", texts(reply))
    assert found, texts(reply)
    return int(found[1])


STAFF = {"officer": ("officer", SILA), "officer2": ("officer", SILA), "m1": ("mentor", CHIANG_KHAN),
         "m2": ("mentor", CHIANG_KHAN), "m3": ("mentor", LAMPANG), "citizen": ("citizen", SILA),
         "admin": ("admin", None)}


def ask_mentor(chat: Chat) -> int:
    """The officer asks, taps ไม่ได้ผล, then ถามพี่เลี้ยง, checks what will be sent and confirms."""
    answer = chat.send("officer", QUESTION)
    offer = chat.tap("officer", answer, "ไม่ได้ผล")
    confirm = chat.tap("officer", offer, "ถามพี่เลี้ยง")
    assert QUESTION in texts(confirm)
    return number_in(chat.tap("officer", confirm, "ส่งเรื่องเลย"))


def test_officer_question_reaches_a_mentor_and_comes_back_as_knowledge(
        stack: Stack, fake_line: FakeLine, database_url: str) -> None:
    stack.env.update(FAST_TIMERS)
    stack.serve()
    stack.start_worker("w1")
    stack.start_worker("w2")
    set_roles(stack, database_url, STAFF)
    set_clock(stack, TUESDAY_10)
    chat = Chat(stack, fake_line)

    number = ask_mentor(chat)
    assert chat.line.wait_for(lambda: f"#{number}" in chat.pushed("m1") and f"#{number}" in chat.pushed("m2"))
    assert QUESTION in chat.pushed("m1") and not chat.pushed("m3")  # Chiang Khan: same region as Sila

    for outsider in ("m3", "officer2", "citizen"):  # another mentor LAO, an officer, a citizen
        assert "เฉพาะ" in texts(chat.postback(outsider, f"action=claim&ticket={number}"))

    with ThreadPoolExecutor(2) as pool:  # two mentors press [รับเรื่อง] at the same moment
        claim = lambda m: texts(chat.postback(m, f"action=claim&ticket={number}"))  # noqa: E731
        replies = list(pool.map(claim, ["m1", "m2"]))
    winner = ["m1", "m2"][[f"รับเรื่อง #{number} แล้ว" in r for r in replies].index(True)]
    assert sum("มีพี่เลี้ยงท่านอื่นรับไปแล้ว" in r for r in replies) == 1
    loser = "m2" if winner == "m1" else "m1"
    assert "เฉพาะ" in texts(chat.send(loser, f"#{number} ขอตอบแทน"))

    review = chat.send(winner, ANSWER)
    assert ANSWER in texts(review)
    for name in ("w1", "w2"):  # the deployment restarts between the draft and [ส่งคำตอบ]
        stack.kill_worker(name)
    stack.start_worker("w3")
    assert f"#{number}" in texts(chat.tap(winner, review, "ส่งคำตอบ"))
    assert fake_line.wait_for(lambda: ANSWER in chat.pushed("officer"))  # pushes follow the mentor's reply
    answer = [m for s in fake_line.pushes() if chat.uid("officer") in s.to for m in s.messages][-1]
    assert ANSWER in answer["text"]
    assert f"#{number}" in texts(chat.tap("officer", [answer], "แก้ปัญหาได้"))
    assert query(database_url, f"SELECT status, rating FROM tickets WHERE id = {number}") == [("closed", 1)]
    [(suggestion,)] = query(database_url, "SELECT id FROM knowledge_suggestions WHERE status = 'pending'")

    command = [sys.executable, "-m", "app", "kb", "suggestions", "approve", str(suggestion)]
    approve = subprocess.run(command, cwd=REPO, env=stack.env, capture_output=True, text=True, timeout=120,
                             check=False)
    assert approve.returncode == 0, approve.stderr
    assert fake_line.wait_for(lambda: "learned knowledge applied: 1" in stack.log_text("w3"), timeout=120)
    assert ANSWER in texts(chat.send("officer2", QUESTION))  # the bot now answers it itself


def test_citizen_ticket_reaches_lao_officers_with_personal_data_redacted(
        stack: Stack, fake_line: FakeLine, database_url: str) -> None:
    stack.env.update(FAST_TIMERS)
    stack.serve(worker=True)
    set_roles(stack, database_url, STAFF)
    chat = Chat(stack, fake_line)
    chat.send("citizen", "เทศบาลมีทุนการศึกษาให้เด็กในพื้นที่ไหมคะ โทรกลับ 081-234-5678 "
                         "หรืออีเมล somsri@example.com")
    confirm = chat.send("citizen", "ขอคุยกับเจ้าหน้าที่")
    assert "081-234-5678" not in texts(confirm) and "ทุนการศึกษา" in texts(confirm)
    number = number_in(chat.tap("citizen", confirm, "ส่งเรื่องเลย"))
    assert chat.line.wait_for(lambda: f"#{number}" in chat.pushed("officer"))
    card = chat.pushed("officer")
    assert "081-234-5678" not in card and "somsri@example.com" not in card and "[PHONE]" in card
    assert not chat.pushed("m1")  # citizens' questions stay with their own LAO


def test_unclaimed_ticket_is_rerouted_when_the_clock_passes_two_business_hours(
        stack: Stack, fake_line: FakeLine, database_url: str) -> None:
    stack.env.update(FAST_TIMERS)
    stack.serve(worker=True)
    set_roles(stack, database_url, STAFF)
    set_clock(stack, TUESDAY_10)
    chat = Chat(stack, fake_line)
    number = ask_mentor(chat)
    time.sleep(1.0)
    assert not chat.pushed("m3")
    set_clock(stack, datetime.fromisoformat("2026-12-01T12:01:00+07:00"))
    assert fake_line.wait_for(lambda: f"#{number}" in chat.pushed("m3"), timeout=10)
    assert "เทศบาลนครลำปาง" in chat.pushed("m1")
    sql = f"SELECT assignee_lao_code, reroute_count, sla_outcome FROM tickets WHERE id = {number}"
    rows = query(database_url, sql)
    assert rows == [(LAMPANG, 1, "rerouted")]
    assert "รับเรื่อง" in texts(chat.postback("m3", f"action=claim&ticket={number}"))
