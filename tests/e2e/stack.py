"""A running Thongthin deployment for end-to-end tests: webhook server and workers as real processes, a real
Redis and database, and the fake LINE API. Tests talk to it only over HTTP, like LINE does."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis

from tests.factories import body, sign

REPO = Path(__file__).resolve().parents[2]
SECRET = "e2e-channel-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, *, line_base_url: str, line_token: str, redis_url: str, database_url: str,
                 data_dir: Path, reclaim_idle_ms: int = 1500) -> None:
        self.prefix = f"e2e{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        self.env = {
            **os.environ,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": line_token,
            "LINE_API_BASE_URL": line_base_url,
            "REDIS_URL": redis_url,
            "DATABASE_URL": database_url,
            "THONGTHIN_DATA_DIR": str(data_dir),
            "THONGTHIN_STREAM_PREFIX": self.prefix,
            "THONGTHIN_RECLAIM_IDLE_MS": str(reclaim_idle_ms),
            "THONGTHIN_LINE_BACKOFF_BASE_S": "0.05",
            "THONGTHIN_ALLOW_CLOCK_OVERRIDE": "1",  # tests move time through Redis (bot/clock.py)
            "PYTHONUNBUFFERED": "1",
            "PYTHAINLP_OFFLINE": "1",
            "PYTHAINLP_READ_ONLY": "1",
        }
        self.base_url = ""
        self.server: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self.logs = data_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{self.prefix}-{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)

    def serve(self, *, worker: bool = False, timeout: float = 60) -> str:
        port = free_port()
        flag = "--worker" if worker else "--no-worker"
        self.server = self._spawn("server", "serve", "--port", str(port), flag)
        self.base_url = f"http://127.0.0.1:{port}"
        ready = lambda: httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200  # noqa: E731
        self._wait(self.server, ready, timeout, "server")
        return self.base_url

    def start_worker(self, name: str, *, timeout: float = 60) -> subprocess.Popen:
        proc = self._spawn(name, "worker", "--name", name)
        self.workers[name] = proc
        self._wait(proc, lambda: name in self.consumers(), timeout, f"worker {name}")
        return proc

    def consumers(self) -> set[str]:
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        try:
            return {c["name"] for c in client.xinfo_consumers(f"{self.prefix}:events", f"{self.prefix}:workers")}
        except redis.ResponseError:
            return set()
        finally:
            client.close()

    def kill_worker(self, name: str) -> None:
        self.workers[name].send_signal(signal.SIGKILL)
        self.workers[name].wait(10)

    def post(self, *events: dict, signature: str | None = None, raw: bytes | None = None) -> httpx.Response:
        payload = raw if raw is not None else body(*events)
        sig = signature if signature is not None else sign(payload, SECRET)
        return httpx.post(self.base_url + "/callback", content=payload, timeout=5,
                          headers={"X-Line-Signature": sig, "Content-Type": "application/json"})

    def log_text(self, name: str) -> str:
        return (self.logs / f"{self.prefix}-{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in [*self.workers.values(), self.server]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in [*self.workers.values(), self.server]:
            if proc is not None:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        client = redis.Redis.from_url(self.redis_url)
        for key in client.scan_iter(match=f"{self.prefix}:*", count=1000):
            client.delete(key)
        client.close()

    def _wait(self, proc: subprocess.Popen, ready, timeout: float, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited early:\n" + self._all_logs())
            try:
                if ready():
                    return
            except (httpx.HTTPError, redis.RedisError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{what} not ready after {timeout}s:\n" + self._all_logs())

    def _all_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob(f"{self.prefix}-*.log"))
