"""The event worker: reads the stream as one consumer of the group, keeps per-chat order, reclaims the pending
entries of crashed workers, and dead-letters events that keep failing. Run any number of these against one Redis.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable

from bot import metrics
from bot.queue import EventQueue, QueuedEvent, decode_entry

log = logging.getLogger(__name__)

Handler = Callable[[QueuedEvent], Awaitable[None]]


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Worker:
    def __init__(
        self,
        queue: EventQueue,
        handle: Handler,
        *,
        name: str | None = None,
        concurrency: int = 32,
        reclaim_idle_ms: int = 30_000,
        max_attempts: int = 5,
        turn_timeout_s: float = 300.0,
        block_ms: int = 500,
    ) -> None:
        self.queue = queue
        self.handle = handle
        self.name = name or default_consumer_name()
        self.reclaim_idle_ms = reclaim_idle_ms
        self.max_attempts = max_attempts
        self.turn_timeout_s = turn_timeout_s
        self.block_ms = block_ms
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight: dict[str, QueuedEvent] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def redis(self):  # noqa: ANN201 - the queue's client
        return self.queue.redis

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set, then let in-flight events finish."""
        await self.queue.ensure_group()
        # Register explicitly: a blocking read on an empty stream does not, and operators (and tests) look
        # at XINFO CONSUMERS to see which workers are up.
        await self.redis.xgroup_createconsumer(self.queue.keys.stream, self.queue.keys.group, self.name)
        loops = [self._read_loop(stop), self._reclaim_loop(stop), self._heartbeat_loop(stop)]
        try:
            await asyncio.gather(*loops)
        finally:
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=10)

    async def _read_loop(self, stop: asyncio.Event) -> None:
        keys = self.queue.keys
        while not stop.is_set():
            await self._slots.acquire()  # only read what we can start now; the rest stays for other workers
            self._slots.release()
            try:
                reply = await self.redis.xreadgroup(
                    keys.group, self.name, {keys.stream: ">"}, count=16, block=self.block_ms
                )
            except Exception:  # noqa: BLE001 - a Redis hiccup must not kill the worker
                log.exception("reading the event stream failed; retrying")
                await asyncio.sleep(1)
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    self._spawn(decode_entry(entry_id, fields))

    async def _reclaim_loop(self, stop: asyncio.Event) -> None:
        interval = max(self.reclaim_idle_ms / 2000, 0.05)
        while not stop.is_set():
            try:
                await self.reclaim_once()
            except Exception:  # noqa: BLE001
                log.exception("reclaiming pending events failed")
            await _sleep_or_stop(stop, interval)

    async def reclaim_once(self) -> int:
        """Take over entries idle longer than the reclaim time (their worker died). Returns how many."""
        keys, start, claimed_total = self.queue.keys, "0-0", 0
        while True:
            result = await self.redis.xautoclaim(
                keys.stream, keys.group, self.name, self.reclaim_idle_ms, start_id=start, count=50
            )
            start, claimed = result[0], result[1]
            for entry_id, fields in claimed:
                if entry_id in self._inflight or not fields:
                    continue
                claimed_total += 1
                await self._retry_or_dead_letter(decode_entry(entry_id, fields))
            if start in ("0-0", b"0-0"):
                return claimed_total

    async def _retry_or_dead_letter(self, event: QueuedEvent) -> None:
        attempts = await self._delivery_count(event.entry_id)
        if attempts > self.max_attempts:
            log.error("event %s failed %d times; dead-lettered", event.event_id, attempts - 1)
            metrics.EVENTS_DEAD.inc()
            await self.queue.dead_letter(event, f"failed {attempts - 1} times")
            return
        log.warning("reclaimed event %s (delivery %d)", event.event_id, attempts)
        self._spawn(event)

    async def _delivery_count(self, entry_id: str) -> int:
        keys = self.queue.keys
        rows = await self.redis.xpending_range(keys.stream, keys.group, min=entry_id, max=entry_id, count=1)
        return int(rows[0]["times_delivered"]) if rows else 1

    async def _heartbeat_loop(self, stop: asyncio.Event) -> None:
        """Re-claim our own in-flight entries so they never look idle to other workers while we work."""
        interval = max(self.reclaim_idle_ms / 3000, 0.05)
        keys = self.queue.keys
        while not stop.is_set():
            ids = list(self._inflight)
            if ids:
                try:
                    await self.redis.xclaim(keys.stream, keys.group, self.name, 0, ids, justid=True)
                except Exception:  # noqa: BLE001
                    log.exception("heartbeat failed")
            await _sleep_or_stop(stop, interval)

    def _spawn(self, event: QueuedEvent) -> None:
        self._inflight[event.entry_id] = event
        task = asyncio.create_task(self._process(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, event: QueuedEvent) -> None:
        kind = str(event.payload.get("type", "unknown"))[:32]
        try:
            # Waiting for the turn holds no slot: the chat's earlier event may need one to finish.
            if not await self._wait_turn(event):
                return
            async with self._slots:
                started = time.perf_counter()
                await self.handle(event)
                await self.queue.complete(event)
                metrics.PROCESSING_SECONDS.observe(time.perf_counter() - started)
                metrics.EVENTS_PROCESSED.labels(kind).inc()
        except Exception:  # noqa: BLE001 - left pending; another attempt comes through reclaim
            metrics.EVENTS_FAILED.labels(kind).inc()
            log.exception("processing event %s failed; it stays pending for a retry", event.event_id)
        finally:
            self._inflight.pop(event.entry_id, None)

    async def _wait_turn(self, event: QueuedEvent) -> bool:
        """Wait until the chat's previous event is done. False when this one was already done (a re-run)."""
        deadline = time.monotonic() + self.turn_timeout_s
        delay = 0.005
        while True:
            done = await self.queue.done_seq(event.chat)
            if done >= event.seq:
                await self.queue.complete(event)
                return False
            if done == event.seq - 1:
                return True
            if time.monotonic() > deadline:
                log.error("event %s waited %ss for its turn; processing out of order", event.event_id,
                          self.turn_timeout_s)
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
