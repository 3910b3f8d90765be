"""Durable event queue on a Redis stream with a consumer group, deduplication and per-chat sequence numbers.

Each accepted event gets the next sequence number of its chat (user, group or room). Workers process an event
only after the chat's previous one is done, so order holds with any number of workers, and a crashed worker's
event stays pending until another worker reclaims it (XAUTOCLAIM).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from bot.kv import Keys

# Dedupe, sequence and enqueue in one atomic round trip: a redelivered webhook can never get a second entry,
# and a crash can never leave a dedupe mark without its entry.
_ENQUEUE = """
local ttl = tonumber(ARGV[1])
local out = {}
local n = (#KEYS - 1) / 3
for i = 1, n do
  local b = (i - 1) * 3
  local dk, sk, dnk = KEYS[b + 2], KEYS[b + 3], KEYS[b + 4]
  if redis.call('SET', dk, '1', 'NX', 'EX', ttl) then
    local s = redis.call('INCR', sk)
    if s == 1 then redis.call('SET', dnk, 0) end
    redis.call('EXPIRE', sk, ttl)
    redis.call('EXPIRE', dnk, ttl)
    redis.call('XADD', KEYS[1], '*', 'e', ARGV[b + 2], 'c', ARGV[b + 3], 's', s, 'i', ARGV[b + 4])
    out[i] = s
  else
    out[i] = 0
  end
end
return out
"""

# Mark an event done and remove it from the stream in one step, so "done" and "acked" never disagree.
_COMPLETE = """
local d = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > d then redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end
redis.call('XACK', KEYS[2], ARGV[2], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
return 1
"""


_MAX_BATCH = 64  # webhook bodies per Redis call; bounds the script's size


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """One stream entry: the raw LINE event plus its queue bookkeeping."""

    entry_id: str
    event_id: str
    chat: str
    seq: int
    payload: dict[str, Any]


def chat_key(event: dict[str, Any]) -> str:
    """The ordering key: the group or room for group chats, else the user."""
    source = event.get("source") or {}
    for field in ("groupId", "roomId", "userId"):
        value = source.get(field)
        if isinstance(value, str) and value:
            return value
    return "unknown"


def event_identity(event: dict[str, Any]) -> str:
    """LINE's webhookEventId; a content hash for hand-made events that lack one (still deduplicated)."""
    event_id = event.get("webhookEventId")
    if isinstance(event_id, str) and event_id:
        return event_id
    raw = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    return "h" + hashlib.sha256(raw).hexdigest()[:32]


class EventQueue:
    """Producer and consumer-side primitives for the event stream."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, dedupe_ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.dedupe_ttl_s = dedupe_ttl_s
        self._enqueue = redis.register_script(_ENQUEUE)
        self._complete = redis.register_script(_COMPLETE)
        self._waiting: list[tuple[list[dict[str, Any]], asyncio.Future[list[int]]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def enqueue(self, events: list[dict[str, Any]]) -> list[int]:
        """Enqueue events durably; returns each one's chat sequence number, or 0 for a duplicate.

        Concurrent callers are grouped into one Redis call (group commit): each caller still waits until its
        own events are stored, but a busy webhook pays one round trip per batch instead of per request.
        """
        if not events:
            return []
        done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._waiting.append((events, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:_MAX_BATCH], self._waiting[_MAX_BATCH:]
            try:
                seqs = await self._store([e for events, _ in batch for e in events])
            except Exception as exc:  # noqa: BLE001 - every caller of the batch gets the error
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            start = 0
            for events, done in batch:
                if not done.done():
                    done.set_result(seqs[start:start + len(events)])
                start += len(events)

    async def _store(self, events: list[dict[str, Any]]) -> list[int]:
        keys: list[str] = [self.keys.stream]
        args: list[Any] = [self.dedupe_ttl_s]
        for event in events:
            chat, event_id = chat_key(event), event_identity(event)
            keys += [self.keys.dedupe(event_id), self.keys.seq(chat), self.keys.done(chat)]
            args += [json.dumps(event, ensure_ascii=False), chat, event_id]
        return [int(s) for s in await self._enqueue(keys=keys, args=args)]

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.keys.stream, self.keys.group, id="0", mkstream=True)
        except aioredis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def done_seq(self, chat: str) -> int:
        return int(await self.redis.get(self.keys.done(chat)) or 0)

    async def complete(self, event: QueuedEvent) -> None:
        await self._complete(
            keys=[self.keys.done(event.chat), self.keys.stream],
            args=[event.seq, self.keys.group, event.entry_id],
        )

    async def dead_letter(self, event: QueuedEvent, reason: str) -> None:
        """Park an event that keeps failing, and let the chat move on."""
        await self.redis.xadd(
            self.keys.dead_letter,
            {"e": json.dumps(event.payload, ensure_ascii=False), "i": event.event_id, "reason": reason[:500]},
            maxlen=10_000,
            approximate=True,
        )
        await self.complete(event)

    async def pending_count(self) -> int:
        info = await self.redis.xpending(self.keys.stream, self.keys.group)
        return int(info["pending"] if isinstance(info, dict) else info[0])

    async def backlog(self) -> int:
        return int(await self.redis.xlen(self.keys.stream))


def decode_entry(entry_id: str, fields: dict[str, str]) -> QueuedEvent:
    return QueuedEvent(
        entry_id=entry_id,
        event_id=fields["i"],
        chat=fields["c"],
        seq=int(fields["s"]),
        payload=json.loads(fields["e"]),
    )
