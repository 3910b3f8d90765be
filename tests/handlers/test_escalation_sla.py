"""SLA timers through the handlers: re-routing unclaimed tickets, telling admins about unanswered ones, once,
across "restarts" (a second bot on the same database) and with two workers ticking at once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot import repo
from bot.models import TicketStatus
from bot.sla import policy_for, tick
from bot.tickets import Push
from tests.handlers.escalation_harness import Bot, choices, running_bot, texts
from tests.handlers.test_escalation import (  # noqa: F401 - fixtures
    CHIANG_KHAN,
    LAMPANG,
    TABLE,
    TUESDAY_10,
    _staff,
    _ticket,
    _wipe,
    database_url,
    kb,
    open_ticket,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


@pytest.fixture
async def bot(kb: Any, database_url: str) -> AsyncIterator[Bot]:  # noqa: F811
    async with running_bot(kb, database_url, TABLE, THONGTHIN_BUSINESS_HOLIDAYS=False) as running:
        await running.at(TUESDAY_10)
        await _staff(running)
        yield running
    await _wipe(database_url)


async def run_timers(bot: Bot, when: datetime) -> list[Push]:
    """Move the clock and let one worker fire whatever is due; returns what it sent."""
    await bot.at(when)
    sent: list[Push] = []

    async def deliver(key: str, push: Push) -> None:
        sent.append(push)

    await tick(bot.ctx, policy_for(bot.ctx.settings), deliver)
    return sent


def to(bot: Bot, sent: list[Push], name: str) -> str:
    return "\n".join(texts(list(p.messages)) for p in sent if p.to == bot.uid(name))


async def test_unclaimed_ticket_moves_to_the_next_mentor_lao_after_two_business_hours(bot: Bot) -> None:
    number = await open_ticket(bot)
    assert await run_timers(bot, at("2026-11-24T11:59:00")) == []
    sent = await run_timers(bot, at("2026-11-24T12:00:00"))
    [card] = [m for p in sent if p.to == bot.uid("m3") for m in p.messages]
    assert f"#{number}" in texts([card]) and choices([card])["รับเรื่อง"] == f"action=claim&ticket={number}"
    for first in ("m1", "m2"):
        assert "ยังไม่มีผู้รับ" in to(bot, sent, first) and "เทศบาลนครลำปาง" in to(bot, sent, first)
    ticket = await _ticket(bot, number)
    assert (ticket.assignee_lao_code, ticket.reroute_count, ticket.sla_outcome) == (LAMPANG, 1, "rerouted")
    assert ticket.sla_due_at == at("2026-11-24T14:00:00")  # the next claim window
    assert "เฉพาะ" in texts(await bot.postback("m1", f"action=claim&ticket={number}"))
    assert "รับเรื่อง #" in texts(await bot.postback("m3", f"action=claim&ticket={number}"))
    await bot.send("m3", f"#{number} ตอบแล้วค่ะ")
    assert (await _ticket(bot, number)).sla_outcome == "met_after_reroute"


async def test_unanswered_for_a_business_day_tells_the_admins_once(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.postback("m1", f"action=claim&ticket={number}")
    assert await run_timers(bot, at("2026-11-25T09:59:00")) == []
    sent = await run_timers(bot, at("2026-11-25T10:00:00"))
    assert f"#{number}" in to(bot, sent, "admin") and [p.to for p in sent] == [bot.uid("admin")]
    assert await run_timers(bot, at("2026-11-26T10:00:00")) == []
    ticket = await _ticket(bot, number)
    assert (ticket.sla_outcome, ticket.sla_due_at, ticket.status) == ("breached", None, TicketStatus.CLAIMED)
    await bot.send("m1", f"#{number} ขอโทษที่ช้าค่ะ")
    assert (await _ticket(bot, number)).sla_outcome == "breached"


async def test_business_hours_skip_the_weekend(bot: Bot) -> None:
    await bot.at(at("2026-11-27T16:00:00"))  # Friday, half an hour before closing
    number = await open_ticket(bot)
    assert (await _ticket(bot, number)).sla_due_at == at("2026-11-30T10:00:00")  # Monday
    assert await run_timers(bot, at("2026-11-28T12:00:00")) == []


async def test_two_workers_ticking_together_fire_each_timer_once(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.at(at("2026-11-24T12:30:00"))
    sent: list[Push] = []

    async def deliver(key: str, push: Push) -> None:
        sent.append(push)

    policy = policy_for(bot.ctx.settings)
    await asyncio.gather(*(tick(bot.ctx, policy, deliver) for _ in range(4)))
    assert len([p for p in sent if p.to == bot.uid("m3")]) == 1
    async with bot.ctx.storage.transaction() as session:
        assert len(await repo.list_audit(session, ticket_id=number, action="ticket.reroute")) == 1


async def test_timers_survive_a_restart(kb: Any, database_url: str, bot: Bot) -> None:  # noqa: F811
    number = await open_ticket(bot)
    async with running_bot(kb, database_url, TABLE, THONGTHIN_BUSINESS_HOLIDAYS=False) as restarted:
        sent = await run_timers(restarted, at("2026-11-24T12:05:00"))
    assert f"#{number}" in to(bot, sent, "m3")
    assert (await _ticket(bot, number)).assignee_lao_code == LAMPANG


async def test_reopening_restarts_the_answer_clock(bot: Bot) -> None:
    number = await open_ticket(bot)
    await bot.postback("m1", f"action=claim&ticket={number}")
    await bot.send("m1", f"#{number} ลองใหม่ค่ะ")
    await bot.at(at("2026-11-25T09:00:00"))
    await bot.postback("officer", f"action=rate&ticket={number}&ok=0")
    ticket = await _ticket(bot, number)
    assert ticket.assignee_lao_code == CHIANG_KHAN and ticket.sla_due_at == at("2026-11-26T09:00:00")
