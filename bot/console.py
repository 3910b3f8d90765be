"""`thongthin chat`: a terminal LINE client. Typed lines become signed-off webhook events that go through the
same queue, worker, dispatcher and handlers as LINE traffic; replies are rendered as plain text.

It uses the same settings as every other command, so by default the same SQLite file (`var/thongthin.db` under
the working directory, or DATABASE_URL): a code printed by `thongthin officer invite` can be typed here. Lines
piped in (a scripted demo, a test) are echoed after the prompt, so the output reads like the conversation."""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.messages import OutMessage, QuickReply
from bot.null_gateway import NullGateway
from bot.replies import render_plain
from bot.routing import Router
from bot.runtime import build_full
from bot.settings import Settings
from bot.sla import run_escalation_loops

ME = "me"  # the player the session starts as; `/as me` comes back to them
_counter = itertools.count(1)


def text_event(user_id: str, text: str) -> dict[str, Any]:
    return _event(user_id, "message", message={"id": str(next(_counter)), "type": "text", "text": text,
                                               "quoteToken": uuid.uuid4().hex})


def postback_event(user_id: str, data: str) -> dict[str, Any]:
    return _event(user_id, "postback", postback={"data": data})


def _event(user_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        **extra,
    }


def special_event(user_id: str, line: str) -> dict[str, Any] | None:
    """Slash commands that stand in for non-text LINE messages."""
    command, _, rest = line.partition(" ")
    mid = str(next(_counter))
    if command == "/sticker":
        return _event(user_id, "message", message={"id": mid, "type": "sticker", "packageId": "446",
                                                   "stickerId": "1988", "stickerResourceType": "STATIC",
                                                   "quoteToken": uuid.uuid4().hex})
    if command == "/image":
        return _event(user_id, "message", message={"id": mid, "type": "image", "quoteToken": uuid.uuid4().hex,
                                                   "contentProvider": {"type": "line"}})
    if command == "/location":
        return _event(user_id, "message", message={"id": mid, "type": "location", "latitude": 13.7563,
                                                   "longitude": 100.5018, "address": rest or None})
    return None


def choice_event(user_id: str, line: str, choices: list[QuickReply]) -> dict[str, Any] | None:
    """A number picks a quick reply: its postback data or its message text, as LINE would send."""
    if not line.isdigit() or not 1 <= int(line) <= len(choices):
        return None
    picked = choices[int(line) - 1]
    if picked.data:
        return postback_event(user_id, picked.data)
    return text_event(user_id, picked.text or picked.label)


def last_choices(messages: list[OutMessage]) -> list[QuickReply]:
    return list(messages[-1].quick_replies) if messages else []


async def run_console(root: Router, *, role: str, user_id: str, settings: Settings | None = None) -> None:
    settings = settings or Settings(REDIS_URL="", THONGTHIN_STREAM_PREFIX=f"chat{uuid.uuid4().hex[:6]}")
    gateway = NullGateway()
    rt = await build_full(settings, root, gateway=gateway)
    await rt.dispatcher.ctx.storage.set_user_role(user_id, role)
    stop = asyncio.Event()
    # The worker, plus the SLA timers and learned-knowledge poller every worker process runs.
    worker = asyncio.gather(rt.make_worker("console").run(stop), run_escalation_loops(rt, stop))
    print(rt.dispatcher.ctx.kb.responses.say("console.help"))
    try:
        await _loop(rt, gateway, user_id)
    finally:
        stop.set()
        await worker
        await rt.aclose()


async def _loop(rt: Any, gateway: NullGateway, user_id: str) -> None:
    responses = rt.dispatcher.ctx.kb.responses
    players = Players(user_id, {user_id: ME})
    while True:
        line = await asyncio.to_thread(_read_line, players.prompt(responses.say("console.me")))
        if line is None or line.strip() == "/quit":
            return
        line = line.strip()
        if not line:
            continue
        if line.startswith("/as "):
            print(await players.switch(rt, line))
            continue
        me = players.current
        choices = players.choices.get(me, [])
        event = choice_event(me, line, choices) or special_event(me, line) or text_event(me, line)
        messages = await send_and_wait(rt, gateway, event)
        # Everything sent since the last prompt, also pushes made by the SLA timers meanwhile.
        batches, players.printed = gateway.sent[players.printed:], len(gateway.sent)
        print(players.render(batches) if messages else responses.say("console.no_reply"))
        for batch in batches:  # a pushed answer's buttons are there when the terminal switches to its reader
            players.choices[batch.to] = last_choices(batch.messages)


@dataclass
class Players:
    """Who the terminal speaks as. `/as NAME [ROLE] [LAO]` switches (giving NAME that role), so one session
    plays both sides of a ticket: an officer asks, `/as m1 mentor P-420301` claims and answers, `/as me`
    rates the answer."""

    current: str
    names: dict[str, str]  # LINE user id -> name
    choices: dict[str, list[QuickReply]] = field(default_factory=dict)
    printed: int = 0  # messages already shown

    async def switch(self, rt: Any, line: str) -> str:
        name, role, lao = (line.split()[1:] + [None, None])[:3]
        user = next((uid for uid, known in self.names.items() if known == name), None)
        user = user or "U" + hashlib.md5(f"chat:{name}".encode()).hexdigest()
        if role:
            await rt.dispatcher.ctx.storage.set_user_role(user, role, lao_code=lao)
        self.names[user], self.current = name, user
        return f"[as {name}{f' ({role})' if role else ''}]"

    def prompt(self, me: str) -> str:
        """Who types next: `me` (the session's own player, in the terminal's language) or the /as name."""
        name = self.names.get(self.current, ME)
        return f"{me if name == ME else name}> "

    def render(self, batches: list[Any]) -> str:
        """Answers to the current player as they are; messages pushed to the others marked with their name."""
        out = []
        for batch in batches:
            text = render_plain(batch.messages)
            name = self.names.get(batch.to, batch.to)
            out.append(text if batch.to == self.current else f"[-> {name}]\n{text}")
        return "\n".join(out)


async def send_and_wait(rt: Any, gateway: NullGateway, event: dict[str, Any], timeout: float = 30) -> list:
    """Enqueue like the webhook does, wait until the worker has finished it, return what was sent."""
    before = len(gateway.sent)
    [seq] = await rt.queue.enqueue([event])
    chat = event["source"]["userId"]
    deadline = time.monotonic() + timeout
    while await rt.queue.done_seq(chat) < seq and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return [m for outgoing in gateway.sent[before:] for m in outgoing.messages]


def _read_line(prompt: str) -> str | None:
    try:
        line = input(prompt)
    except EOFError:
        print()  # end the last prompt's line
        return None
    finally:
        sys.stdout.flush()
    if not sys.stdin.isatty():  # a terminal shows what is typed; piped lines would otherwise be invisible
        print(line, flush=True)
    return line
