"""The fake LINE Messaging API served over real HTTP on 127.0.0.1 from a background thread.

Real HTTP means the bot's own SDK client, and worker subprocesses pointed at `base_url` through
LINE_API_BASE_URL, talk to it exactly as they would to api.line.me.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakeline.state import FakeLineState
from tests.fakeline.validation import SPEC_PATH, RequestValidator

DEFAULT_TOKEN = "test-channel-access-token"


def build_app(state: FakeLineState) -> FastAPI:
    """One catch-all route: the state decides, so unknown paths are recorded and answered 404 too."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def any_call(request: Request) -> Response:
        raw = await request.body()
        answer, delay = state.handle(request.method, request.url.path, dict(request.headers), raw)
        if delay:
            # Processed already: a client that gives up meanwhile has still had its messages delivered.
            await asyncio.sleep(delay)
        if isinstance(answer.body, bytes):
            return Response(answer.body, answer.status, answer.headers, media_type=answer.media_type)
        return JSONResponse(answer.body, answer.status, answer.headers)

    return app


class FakeLine(FakeLineState):
    """Usage: `with FakeLine() as line: ... line.base_url ... line.replies()`."""

    def __init__(
        self,
        access_token: str = DEFAULT_TOKEN,
        *,
        spec_path: Path | None = SPEC_PATH,
        strict_tokens: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(access_token, RequestValidator(spec_path), strict_tokens)
        self.host = host
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("FakeLine is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def schema_checked(self) -> bool:
        """False when messaging-api.yml was not found: only the documented limits are checked then."""
        return self.validator.has_schema

    def start(self, timeout: float = 10.0) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))  # a free port chosen by the OS, known before the server runs
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"fakeline:{self.port}", daemon=True
        )
        self._thread.start()
        if not self.wait_for(lambda: bool(self._server and self._server.started), timeout):
            raise RuntimeError("FakeLine did not start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    async def wait_for_async(
        self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> bool:
        """`wait_for` for async tests: polls without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(interval)
        return True
