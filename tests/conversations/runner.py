"""Runs YAML transcripts (see transcript.py) through the real webhook → worker → LINE API path.

One server per test module: `serve --worker` as a real process, the fake LINE API, a fresh database. With
TEST_REDIS_URL set it uses that Redis (and transcripts may fix and move the clock); otherwise REDIS_URL is unset
and the server runs the embedded store with its worker in-process, where the clock key cannot be reached from
here, so transcripts with `clock:` are skipped. A step is done when its interaction row is in the database
(the dispatcher writes it after delivering every message of the turn). The transcript's users and invites are
written straight to the database before the first step.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text

from tests.conftest import real_service_url
from tests.conversations.expect import Outcome, check, choices, report, ticket_numbers
from tests.conversations.transcript import (
    INVITE_PLACEHOLDER,
    InviteSpec,
    Step,
    Transcript,
    TranscriptError,
    parse_duration,
)
from tests.databases import POSTGRES_URL, fresh_database
from tests.e2e.stack import Stack
from tests.factories import (
    follow_event,
    group_text_event,
    image_event,
    location_event,
    postback_event,
    sticker_event,
    text_event,
    unfollow_event,
    user_id,
)
from tests.fakeline.server import FakeLine

STEP_TIMEOUT_S = 20.0  # a turn normally takes well under a second; this only bounds a hung worker
PUSH_GRACE_S = 3.0  # pushes made outside a turn (timers) may arrive a little after the step
FAKE_JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048 + b"\xff\xd9"


class _Stack(Stack):
    """A Stack that also works with the embedded store (REDIS_URL unset: nothing to clean in Redis)."""

    def stop(self) -> None:
        if self.redis_url:
            super().stop()
        elif self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(15)


@dataclass
class _Run:
    transcript: Transcript
    ids: dict[str, str]  # user key -> LINE user id
    now: datetime | None = None
    ticket: str = ""  # the latest "#<number>" the bot wrote
    last: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user key -> their last reply
    invites: dict[str, str] = field(default_factory=dict)  # invite key -> plain code

    def fill(self, value: Any) -> Any:
        """Substitute {ticket} and {invite:KEY} in strings (also inside lists and mappings)."""
        if isinstance(value, str):
            value = value.replace("{ticket}", self.ticket)
            return INVITE_PLACEHOLDER.sub(lambda found: self.invites[found[1]], value)
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value


class ConversationServer:
    def __init__(self, line: FakeLine, stack: _Stack, database_url: str) -> None:
        self.line = line
        self.stack = stack
        self.database_url = database_url
        self.db = create_engine(_sync_url(database_url))

    @classmethod
    @contextmanager
    def started(cls, directory: Path) -> Iterator[ConversationServer]:
        redis_url = real_service_url("TEST_REDIS_URL") or ""
        backend = "postgres" if POSTGRES_URL else "sqlite"
        with FakeLine() as line, fresh_database(backend, directory) as database_url:
            stack = _Stack(line_base_url=line.base_url, line_token=line.access_token, redis_url=redis_url,
                           database_url=database_url, data_dir=directory)
            server = None
            try:
                stack.serve(worker=True, timeout=180)
                server = cls(line, stack, database_url)
                yield server
            finally:
                stack.stop()
                if server is not None:
                    server.db.dispose()

    @property
    def can_move_clock(self) -> bool:
        return bool(self.stack.redis_url)

    def run(self, transcript: Transcript) -> None:
        ids = {key: user_id(f"{transcript.rel}:{key}") for key in transcript.users}
        codes = asyncio.run(self._setup(transcript, ids))
        run = _Run(transcript, ids, now=transcript.clock, invites=codes)
        if run.now is not None:
            self._set_clock(run.now)
        try:
            for step in transcript.steps:
                self._step(run, step)
        finally:
            if transcript.clock is not None:
                self._set_clock(None)

    # ---- setup -----------------------------------------------------------------------------------------------

    async def _setup(self, transcript: Transcript, ids: dict[str, str]) -> dict[str, str]:
        """The users' roles and LAOs, then the invites; returns invite key -> plain code."""
        from bot import db
        from bot.storage import Storage

        engine = db.create_engine_from_url(self.database_url, pool_size=1)
        try:
            storage = Storage(db.session_factory(engine))
            for key, spec in transcript.users.items():
                await storage.set_user_role(ids[key], spec.role, lao_code=spec.lao)
            async with storage.transaction() as session:
                return {key: await _issue_invite(session, transcript, spec)
                        for key, spec in transcript.invites.items()}
        finally:
            await engine.dispose()

    def _set_clock(self, when: datetime | None) -> None:
        client = redis.Redis.from_url(self.stack.redis_url, decode_responses=True)
        key = f"{self.stack.prefix}:clock:now"
        try:
            client.set(key, when.astimezone(UTC).isoformat()) if when else client.delete(key)
        finally:
            client.close()

    # ---- one step ----------------------------------------------------------------------------------------------

    def _step(self, run: _Run, step: Step) -> None:
        sent_from, calls_from = len(self.line.sent()), len(self.line.calls())
        if step.action == "advance":
            run.now = run.now + parse_duration(step.value)
            self._set_clock(run.now)
        else:
            self._post_and_wait(run, step, self._event(run, step))
        expect = run.fill(step.expect)
        outcome = self._outcome(run, step, sent_from, calls_from)
        problems = check(step, outcome, expect)
        deadline = time.monotonic() + PUSH_GRACE_S
        while problems and expect.get("push_contains") and time.monotonic() < deadline:
            time.sleep(0.1)
            outcome = self._outcome(run, step, sent_from, calls_from)
            problems = check(step, outcome, expect)
        numbers = ticket_numbers(outcome.reply) + [n for m in outcome.pushes.values() for n in ticket_numbers(m)]
        run.ticket = numbers[-1] if numbers else run.ticket
        if outcome.reply:
            run.last[step.user] = outcome.reply
        for user, pushed in outcome.pushes.items():  # a pushed card's buttons can be tapped by its reader
            run.last[user] = pushed
        if problems:
            raise AssertionError(report(run.transcript.rel, run.transcript.title, step, outcome, problems))

    def _event(self, run: _Run, step: Step) -> dict[str, Any]:
        user, value = run.ids[step.user], run.fill(step.value)
        kind = step.action
        if kind == "send" and step.group:
            group = "C" + user_id(f"{run.transcript.rel}:group:{step.group}")[1:]
            return group_text_event(str(value), group, user, mention_self=step.mention)
        if kind == "tap":
            return self._tap(run, step, str(value))
        if kind == "location":
            return location_event(float(value["lat"]), float(value["lon"]), value.get("address"), user)
        if kind in ("video", "audio", "file"):
            return _media_event(kind, user)
        makers = {"send": lambda: text_event(str(value), user), "postback": lambda: postback_event(str(value), user),
                  "sticker": lambda: sticker_event(user), "image": lambda: image_event(user),
                  "follow": lambda: follow_event(user), "unfollow": lambda: unfollow_event(user)}
        return makers[kind]()

    def _tap(self, run: _Run, step: Step, label: str) -> dict[str, Any]:
        actions = choices(run.last.get(step.user, []))
        exact = [a for a in actions if a.get("label") == label]
        near = exact or [a for a in actions if label in str(a.get("label", ""))]
        if len(near) != 1:
            shown = " | ".join(str(a.get("label")) for a in actions) or "(no choices)"
            raise AssertionError(f"{run.transcript.rel}: {step.describe()}: cannot tap {label!r}; "
                                 f"choices of the last reply: {shown}")
        action, user = near[0], run.ids[step.user]
        if action.get("type") == "postback":
            return postback_event(str(action["data"]), user)
        if action.get("type") == "message":
            return text_event(str(action["text"]), user)
        raise AssertionError(f"{run.transcript.rel}: {step.describe()}: {label!r} is a {action.get('type')} "
                             "action; use a location: or image: step instead")

    def _post_and_wait(self, run: _Run, step: Step, event: dict[str, Any]) -> None:
        if event.get("replyToken"):
            self.line.register_reply_token(event["replyToken"], event["source"]["userId"])
        if event.get("message", {}).get("type") == "image":
            self.line.add_content(event["message"]["id"], FAKE_JPEG, "image/jpeg")
        answer = self.stack.post(event)
        assert answer.status_code == 200, f"{run.transcript.rel}: {step.describe()}: webhook said {answer.text}"
        event_id = event["webhookEventId"]
        if not self.line.wait_for(lambda: self._recorded(event_id), timeout=STEP_TIMEOUT_S, interval=0.02):
            raise AssertionError(f"{run.transcript.rel}: {step.describe()}: no answer within {STEP_TIMEOUT_S}s\n"
                                 + self.stack.log_text("server")[-4000:])

    def _recorded(self, event_id: str) -> bool:
        with self.db.connect() as conn:
            query = text("SELECT 1 FROM interactions WHERE webhook_event_id = :id")
            return conn.execute(query, {"id": event_id}).first() is not None

    def _outcome(self, run: _Run, step: Step, sent_from: int, calls_from: int) -> Outcome:
        me, others = run.ids[step.user], {v: k for k, v in run.ids.items() if k != step.user}
        outcome = Outcome()
        for sent in self.line.sent()[sent_from:]:
            for to in sent.to:
                if to == me:
                    outcome.reply += sent.messages
                elif to in others:
                    outcome.pushes.setdefault(others[to], []).extend(sent.messages)
        outcome.rejected = [f"{c.path} {c.status} {c.response}" for c in self.line.calls()[calls_from:]
                            if c.status >= 400 and c.path.startswith("/v2/bot/message/")]
        return outcome


async def _issue_invite(session: Any, transcript: Transcript, spec: InviteSpec) -> str:
    """An invite as `thongthin <role> invite` issues it (same repo call and LAO rules), then aged or used up
    when the transcript asks. Times are the transcript's clock, or now: what the server will take as now."""
    from bot.models import Lao, Role
    from bot.repo.invites import create_invite, redeem_invite

    lao = await session.get(Lao, spec.lao) if spec.lao else None
    if spec.role == "mentor" and not (lao is not None and lao.is_mentor):  # bot.admin.check_target refuses it
        raise TranscriptError(f"{transcript.rel}: invites.{spec.key}: {spec.lao} is not a mentor LAO")
    now, ttl = transcript.clock or datetime.now(UTC), timedelta(days=spec.days)
    issued = now - ttl - timedelta(hours=1) if spec.expired else now
    code = await create_invite(session, Role(spec.role), lao_code=spec.lao, ttl=ttl, now=issued)
    if spec.used:  # redeemed by someone who is not in the transcript
        await redeem_invite(session, code, user_id(f"{transcript.rel}:invite:{spec.key}"), now=now)
    return code


def _sync_url(url: str) -> str:
    from bot.db import make_sync_url

    return make_sync_url(url)


def _media_event(kind: str, user: str) -> dict[str, Any]:
    """A video, audio or file message as LINE sends it (the factories cover text, sticker and image)."""
    event = image_event(user)
    fields = {"video": {"duration": 4000, "contentProvider": {"type": "line"}, "quoteToken": "q" + user[1:]},
              "audio": {"duration": 3000, "contentProvider": {"type": "line"}},
              "file": {"fileName": "คำร้อง.pdf", "fileSize": 20480}}[kind]
    event["message"] = {"id": event["message"]["id"], "type": kind, **fields}
    return event
