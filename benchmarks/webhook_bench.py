"""Webhook acknowledgement benchmark: Thongthin's /callback (signature check + durable enqueue to a real Redis)
side by side with a bare FastAPI endpoint, same machine, same run, same load generator.

    .venv/bin/python benchmarks/webhook_bench.py [--seconds 10] [--rate 200] [--redis redis://127.0.0.1:6379/15]

Prints: maximum acknowledgements/s (closed loop, 32 connections) and p50/p99 latency at a fixed offered rate
(open loop). Each server runs as one uvicorn process; the load generator is one aiohttp process.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.factories import body, sign, text_event, user_id  # noqa: E402

SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(kind: str, port: int, redis_url: str, data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": redis_url, "LINE_CHANNEL_SECRET": SECRET,
           "LINE_CHANNEL_ACCESS_TOKEN": "bench-token", "THONGTHIN_STREAM_PREFIX": f"bench{uuid.uuid4().hex[:6]}",
           "THONGTHIN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    if kind == "bare":
        cmd = [sys.executable, "-m", "uvicorn", "benchmarks._bare_app:app", "--port", str(port),
               "--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "2"]
    else:
        cmd = [sys.executable, "-m", "uvicorn", "app:create_app", "--factory", "--port", str(port),
               "--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "2"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def requests(n: int) -> list[tuple[bytes, str]]:
    """Distinct, realistic signed webhook bodies (a Thai text message each; distinct ids so none dedupe)."""
    out = []
    for i in range(n):
        raw = body(text_event("สอบถามเรื่องภาษีที่ดินค่ะ จ่ายออนไลน์ได้ไหม", user_id(i % 500)))
        out.append((raw, sign(raw, SECRET)))
    return out


async def post(session: aiohttp.ClientSession, url: str, raw: bytes, sig: str) -> float:
    started = time.perf_counter()
    async with session.post(url, data=raw, headers={"X-Line-Signature": sig,
                                                    "Content-Type": "application/json"}) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"status {resp.status}")
    return time.perf_counter() - started


async def closed_loop(url: str, seconds: float, connections: int = 32) -> float:
    """Maximum throughput: `connections` clients posting back to back."""
    reqs = requests(int(seconds * 6000))  # more than can be sent: every request is a new event
    done = 0
    deadline = time.perf_counter() + seconds
    conn = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=conn) as session:
        async def client(k: int) -> None:
            nonlocal done
            i = k
            while time.perf_counter() < deadline:
                raw, sig = reqs[i % len(reqs)]
                await post(session, url, raw, sig)
                done += 1
                i += connections
        started = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(connections)))
        return done / (time.perf_counter() - started)


async def open_loop(url: str, rate: float, seconds: float) -> list[float]:
    """Latency at a fixed offered rate: requests start on schedule whether or not earlier ones finished."""
    total = int(rate * seconds)
    reqs = requests(total)
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        tasks = []
        for i, (raw, sig) in enumerate(reqs):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(session, url, raw, sig)))
        latencies = list(await asyncio.gather(*tasks))
    return latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def measure(kind: str, args: argparse.Namespace, data_dir: Path) -> dict[str, float]:
    port = free_port()
    proc = start(kind, port, args.redis, data_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base)
        await closed_loop(base + "/callback", 1.0)  # warm-up
        throughput = await closed_loop(base + "/callback", args.seconds)
        latencies = await open_loop(base + "/callback", args.rate, args.seconds)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return {"rps": throughput, "p50": pct(latencies, 50), "p99": pct(latencies, 99),
            "mean": statistics.mean(latencies) * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    args = parser.parse_args()
    data_dir = ROOT / "var" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    bare = await measure("bare", args, data_dir)
    ours = await measure("thongthin", args, data_dir)
    print(f"\nwebhook ack benchmark — {os.cpu_count()} cores, {args.seconds:.0f} s per phase, "
          f"open-loop rate {args.rate:.0f} req/s, Redis {args.redis}")
    print(f"{'endpoint':<34}{'acks/s (max)':>14}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, r in (("bare FastAPI POST", bare), ("thongthin /callback (signed+Redis)", ours)):
        print(f"{name:<34}{r['rps']:>14.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['mean']:>10.2f}")
    print(f"thongthin / bare throughput: {ours['rps'] / bare['rps']:.0%}  (target >= 50%); "
          f"p99 at {args.rate:.0f} req/s: {ours['p99']:.1f} ms (target <= 25 ms)")


if __name__ == "__main__":
    asyncio.run(main())
