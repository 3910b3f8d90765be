"""Contract tests for the event queue and worker, run against the embedded store and a real Redis."""
from __future__ import annotations

import asyncio
import random

from bot.kv import Keys
from bot.queue import EventQueue, QueuedEvent, chat_key, decode_entry, event_identity
from bot.worker import Worker
from tests.factories import text_event, user_id


def make_queue(redis_client, prefix: str) -> EventQueue:
    return EventQueue(redis_client, Keys(prefix), dedupe_ttl_s=60)


async def run_workers(workers: list[Worker], until, timeout: float = 15.0) -> None:
    """Run workers until `until()` is true (or time out), then stop them."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        async with asyncio.timeout(timeout):
            while not await until():
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_enqueue_deduplicates_by_webhook_event_id(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    event = text_event("สวัสดีครับ")
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert await queue.enqueue([event]) == [1]
    assert await queue.enqueue([event, redelivered]) == [0, 0]
    assert await queue.backlog() == 1


async def test_sequence_numbers_are_per_chat(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    a, b = user_id("a"), user_id("b")
    seqs = await queue.enqueue([text_event("1", a), text_event("1", b), text_event("2", a)])
    assert seqs == [1, 1, 2]


def test_chat_key_prefers_group_and_identity_falls_back_to_hash():
    event = text_event("x", user_id(1))
    assert chat_key(event) == user_id(1)
    event["source"] = {"type": "group", "groupId": "Cgroup", "userId": user_id(1)}
    assert chat_key(event) == "Cgroup"
    assert chat_key({}) == "unknown"
    no_id = {"type": "message"}
    assert event_identity(no_id) == event_identity(dict(no_id)) and event_identity(no_id).startswith("h")


async def test_two_workers_keep_per_chat_order_and_lose_nothing(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    users = [user_id(f"order{n}") for n in range(8)]
    expected = {u: [f"{u}-{i}" for i in range(12)] for u in users}
    for i in range(12):
        await queue.enqueue([text_event(f"{u}-{i}", u) for u in users])
    seen: dict[str, list[str]] = {u: [] for u in users}

    async def handle(event: QueuedEvent) -> None:
        await asyncio.sleep(random.uniform(0, 0.01))  # interleave the two workers
        seen[event.chat].append(event.payload["message"]["text"])

    workers = [Worker(queue, handle, name=f"w{n}", reclaim_idle_ms=5_000) for n in range(2)]

    async def all_done() -> bool:
        return sum(map(len, seen.values())) >= 96 and await queue.backlog() == 0

    await run_workers(workers, all_done)
    assert seen == expected


async def test_a_dead_consumers_entry_is_reclaimed_and_completed(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    await queue.ensure_group()
    await queue.enqueue([text_event("ค้างไว้", user_id("crash"))])
    # A consumer takes the entry and dies without acknowledging it.
    taken = await redis_client.xreadgroup(queue.keys.group, "dead", {queue.keys.stream: ">"}, count=1)
    assert taken and taken[0][1]
    handled: list[str] = []

    async def handle(event: QueuedEvent) -> None:
        handled.append(event.event_id)

    worker = Worker(queue, handle, name="alive", reclaim_idle_ms=200)

    async def done() -> bool:
        return bool(handled) and await queue.backlog() == 0

    await run_workers([worker], done)
    assert len(handled) == 1
    assert await queue.pending_count() == 0


async def test_poison_event_is_dead_lettered_and_the_chat_moves_on(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    user = user_id("poison")
    await queue.enqueue([text_event("พัง", user), text_event("ต่อ", user)])
    handled: list[str] = []

    async def handle(event: QueuedEvent) -> None:
        if event.payload["message"]["text"] == "พัง":
            raise RuntimeError("boom")
        handled.append(event.payload["message"]["text"])

    worker = Worker(queue, handle, name="w", reclaim_idle_ms=100, max_attempts=2)

    async def done() -> bool:
        return handled == ["ต่อ"]

    await run_workers([worker], done)
    dead = await redis_client.xrange(queue.keys.dead_letter)
    assert len(dead) == 1 and "failed" in dead[0][1]["reason"]


async def test_completed_event_run_again_is_skipped(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    await queue.ensure_group()
    await queue.enqueue([text_event("ครั้งเดียว", user_id("once"))])
    [(_, [(entry_id, fields)])] = await redis_client.xreadgroup(
        queue.keys.group, "w", {queue.keys.stream: ">"}, count=1)
    event = decode_entry(entry_id, fields)
    await queue.complete(event)
    calls: list[str] = []

    async def handle(e: QueuedEvent) -> None:
        calls.append(e.event_id)

    worker = Worker(queue, handle, name="w2")
    await worker._process(event)  # a re-run after completion (e.g. a late reclaim)
    assert calls == []
    assert await queue.done_seq(event.chat) == 1


async def test_empty_enqueue_is_a_no_op(redis_client, prefix):
    assert await make_queue(redis_client, prefix).enqueue([]) == []


async def test_concurrent_enqueues_are_grouped_but_each_caller_gets_its_own_result(redis_client, prefix):
    queue = make_queue(redis_client, prefix)
    user = user_id("group-commit")
    events = [text_event(f"ข้อความ {i}", user) for i in range(40)]
    results = await asyncio.gather(*(queue.enqueue([e]) for e in events), queue.enqueue([events[0]]))
    seqs = [r[0] for r in results[:-1]]
    assert sorted(seqs) == list(range(1, 41))  # every event stored once, in one chat sequence
    assert results[-1] == [0]  # the repeat of event 0 (same webhookEventId) is a duplicate
    assert await queue.backlog() == 40
