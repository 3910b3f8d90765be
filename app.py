"""Composition root: the FastAPI webhook adapter and the `thongthin` CLI. Nothing imports this module.

The command groups live next to the code they drive (knowledge/cli.py, nlu/cli.py, bot/admin_cli.py,
bot/escalation_cli.py); only what needs handlers/ (the root router: serve, worker, chat) stays here, because
bot/ never imports handlers/.
"""
from __future__ import annotations

import os

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")  # fail loudly instead of downloading at run time
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from typing import TYPE_CHECKING  # noqa: E402

import typer  # noqa: E402

from fastapi import FastAPI, Request, Response  # noqa: E402 - route signatures are resolved from module globals

from bot.admin_cli import admin_cli, db_cli, mentor_cli, officer_cli, richmenu_cli  # noqa: E402
from bot.escalation_cli import lao_away, suggestions_cli  # noqa: E402
from knowledge.cli import kb_cli, lao_cli  # noqa: E402
from nlu.cli import nlu_cli  # noqa: E402

if TYPE_CHECKING:
    from pathlib import Path

    from bot.settings import Settings


def _nlu_cache_dir() -> Path:
    """The NLU commands cache under the bot's data folder; nlu/ cannot read bot settings itself."""
    from bot.settings import Settings

    return Settings().data_dir / "cache"


cli = typer.Typer(help="Thongthin: a LINE assistant for Thai local government.", no_args_is_help=True)
# Typer lists a group's commands before its subgroups, each in the order they are added: keep this order.
cli.add_typer(kb_cli, name="kb")
cli.add_typer(lao_cli, name="lao")
cli.add_typer(nlu_cli, name="nlu", context_settings={"obj": _nlu_cache_dir})
cli.add_typer(db_cli, name="db")
cli.add_typer(officer_cli, name="officer")
cli.add_typer(mentor_cli, name="mentor")
cli.add_typer(admin_cli, name="admin")
cli.add_typer(richmenu_cli, name="richmenu")
kb_cli.add_typer(suggestions_cli, name="suggestions")
lao_cli.command("away")(lao_away)  # `lao list` reads knowledge; `lao away` writes the runtime's database

# ---- section: runtime (serve, worker, chat) ---------------------------------------------------------------


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> FastAPI:
    """The thin web layer: /callback, /healthz, /metrics. With embedded Redis the worker runs in-process."""
    from contextlib import asynccontextmanager

    from bot.settings import Settings

    settings = settings or Settings()
    in_process = settings.embedded_redis if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        from bot.runtime import build_edge, build_full
        from bot.webhook import WebhookReceiver

        _log_mode(settings)
        rt = await (build_full(settings, _root_router()) if in_process else build_edge(settings))
        app.state.rt = rt
        app.state.receiver = WebhookReceiver(settings.line_channel_secret, rt.queue)
        stop, task = _start_worker(rt) if in_process else (None, None)
        yield
        if stop is not None:
            stop.set()
            await task
        await rt.aclose()

    app = FastAPI(title="Thongthin", lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.post("/callback")
    async def callback(request: Request) -> Response:
        from bot.webhook import InvalidSignature, MalformedBody, NotConfigured

        body = await _read_limited(request, settings.max_body_bytes)
        if body is None:
            return _json(413, {"message": "request body too large"})
        try:
            accepted = await request.app.state.receiver.receive(body, request.headers.get("x-line-signature", ""))
        except InvalidSignature:
            return _json(400, {"message": "invalid signature"})
        except MalformedBody as exc:
            return _json(400, {"message": f"malformed webhook body: {exc}"})
        except NotConfigured:
            return _json(503, {"message": "LINE channel not configured (local mode); try `thongthin chat`"})
        return _json(200, {"received": accepted.received, "duplicates": accepted.duplicates})

    @app.get("/healthz")
    async def healthz(request: Request) -> Response:
        checks = await request.app.state.rt.healthy()
        return _json(200 if all(checks.values()) else 503, checks)

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        from bot.metrics import REGISTRY

        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app


def _json(status: int, payload: dict) -> Response:
    from fastapi.responses import JSONResponse

    return JSONResponse(payload, status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """Read the raw body (the signature covers exact bytes), giving up past `limit`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _root_router():  # noqa: ANN202
    from handlers import build_root_router

    return build_root_router()


def _start_worker(rt):  # noqa: ANN001, ANN202
    import asyncio

    from bot.sla import run_escalation_loops

    stop = asyncio.Event()
    return stop, asyncio.gather(rt.make_worker().run(stop), run_escalation_loops(rt, stop))  # + SLA timers


def _log_mode(settings: Settings) -> None:
    import logging

    log = logging.getLogger("thongthin")
    if settings.local_mode:
        log.warning("LOCAL MODE: LINE_CHANNEL_SECRET/LINE_CHANNEL_ACCESS_TOKEN not set; /callback answers 503, "
                    "replies are not sent. Use `thongthin chat` to talk to the bot.")
    log.warning("redis: %s; database: %s", "embedded (in-process)" if settings.embedded_redis else "external",
                settings.effective_database_url.split("@")[-1])


def _setup_logging(level: str = "INFO") -> None:
    import logging

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000, worker: bool = typer.Option(
        None, "--worker/--no-worker", help="Run the event worker in this process (default: only with "
                                             "embedded Redis)")) -> None:
    """Run the LINE webhook server."""
    import uvicorn

    _setup_logging()
    uvicorn.run(create_app(run_worker=worker), host=host, port=port, log_level="info")


@cli.command("worker")
def worker_cmd(name: str = typer.Option(None, help="Consumer name (default host-pid)")) -> None:
    """Run an event worker (scale out: start N of them against one Redis)."""
    import asyncio
    import signal

    from bot.runtime import build_full
    from bot.settings import Settings

    _setup_logging()
    settings = Settings()
    if settings.embedded_redis:
        typer.echo("REDIS_URL is not set: a separate worker needs a shared Redis (serve runs one in-process).")
        raise typer.Exit(2)

    async def main() -> None:
        rt = await build_full(settings, _root_router())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            from bot.sla import run_escalation_loops

            await asyncio.gather(rt.make_worker(name).run(stop), run_escalation_loops(rt, stop))
        finally:
            await rt.aclose()

    asyncio.run(main())


@cli.command()
def chat(role: str = typer.Option("citizen", help="citizen | officer | mentor"),
         user: str = typer.Option("Ulocalchat000000000000000000000001", help="LINE user id to play")) -> None:
    """Talk to the bot in the terminal through the same pipeline (no LINE account needed)."""
    import asyncio

    from bot.console import run_console

    _setup_logging("WARNING")
    asyncio.run(run_console(_root_router(), role=role, user_id=user))


# ---- end section: runtime ---------------------------------------------------------------------------------

if __name__ == "__main__":
    cli()
