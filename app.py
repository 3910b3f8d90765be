"""Composition root: the FastAPI webhook adapter and the `thongthin` CLI. Nothing imports this module."""
from __future__ import annotations

import os

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")  # fail loudly instead of downloading at run time
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from typing import TYPE_CHECKING  # noqa: E402

import typer  # noqa: E402

from fastapi import FastAPI, Request, Response  # noqa: E402 - route signatures are resolved from module globals

if TYPE_CHECKING:
    from bot.settings import Settings

cli = typer.Typer(help="Thongthin: a LINE assistant for Thai local government.", no_args_is_help=True)
kb_cli = typer.Typer(help="Knowledge base tools.", no_args_is_help=True)
lao_cli = typer.Typer(help="LAO directory.", no_args_is_help=True)
nlu_cli = typer.Typer(help="Thai NLU tools.", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
cli.add_typer(kb_cli, name="kb")
cli.add_typer(lao_cli, name="lao")
cli.add_typer(nlu_cli, name="nlu")
cli.add_typer(db_cli, name="db")

# ---- section: kb / lao commands (knowledge) -------------------------------------------------------------
# knowledge modules are imported inside the commands so that `thongthin --help` and other commands start fast.
from pathlib import Path  # noqa: E402

_ROOT_OPTION = typer.Option(None, "--root", help="Knowledge folder (default: the knowledge package itself).")


def _shown_path(root: Path, rel: str) -> str:
    """A problem's file as a path relative to the working directory where possible (clickable in editors)."""
    full = (root / rel).resolve()
    try:
        return str(full.relative_to(Path.cwd()))
    except ValueError:
        return str(full)


def _load_knowledge(root: Path | None, strict: bool):  # -> knowledge.base.KnowledgeBase
    """Strict: exit 1 with the problem list on errors. Lenient: warn on stderr and use what loaded."""
    from knowledge.loader import collect
    from knowledge.problems import KnowledgeError, errors_only

    kb, problems = collect(root)
    if errors := errors_only(problems):
        if strict:
            typer.echo(str(KnowledgeError(errors)), err=True)
            raise typer.Exit(1)
        message = f"warning: the knowledge base has {len(errors)} error(s); see `thongthin kb check`"
        typer.echo(message, err=True)
    return kb


@kb_cli.command("check")
def kb_check(root: Path | None = _ROOT_OPTION) -> None:
    """Lint the knowledge base; exit 1 when there is any error."""
    from knowledge.lint import check
    from knowledge.loader import PACKAGE_ROOT

    base = root or PACKAGE_ROOT
    problems = check(base)
    for p in problems:
        typer.echo(f"{_shown_path(base, p.path)}:{p.line}: {p.severity}: {p.message}")
    errors = sum(p.severity == "error" for p in problems)
    typer.echo(f"kb check: {errors} error(s), {len(problems) - errors} warning(s)")
    raise typer.Exit(1 if errors else 0)


@kb_cli.command("export")
def kb_export(root: Path | None = _ROOT_OPTION) -> None:
    """Every example as a JSON line {"text", "intent", "topic"}."""
    import json

    from knowledge.export import iter_examples

    for row in iter_examples(_load_knowledge(root, strict=True)):
        typer.echo(json.dumps(row, ensure_ascii=False))


@kb_cli.command("stats")
def kb_stats(root: Path | None = _ROOT_OPTION) -> None:
    """Counts per audience and topic; intents with too few examples; topics without intents."""
    from knowledge.stats import stats_report

    typer.echo(stats_report(_load_knowledge(root, strict=False)))  # useful while content still has errors


@lao_cli.command("list")
def lao_list(
    mentors: bool = typer.Option(False, "--mentors", help="Only the mentor LAOs."),
    province: str | None = typer.Option(None, "--province", help="Only this province (Thai name)."),
    root: Path | None = _ROOT_OPTION,
) -> None:
    """One LAO per line: code, Thai name, type, province, region (tab-separated)."""
    from knowledge.directory import format_laos, list_laos, province_name

    kb = _load_knowledge(root, strict=False)
    if province and province_name(province) not in kb.regions:
        typer.echo(f"unknown province: {province} (use the Thai name, e.g. ลำปาง)", err=True)
        raise typer.Exit(1)
    laos = list_laos(kb, mentors_only=mentors, province=province)
    if laos:
        typer.echo(format_laos(laos))


# ---- end section: kb / lao --------------------------------------------------------------------------------

# ---- section: nlu commands --------------------------------------------------------------------------------

def _nlu_knowledge():  # noqa: ANN202 - the KnowledgeBase type lives in knowledge/
    """The knowledge base; with lint errors elsewhere (not in intents) the NLU still runs, with a warning."""
    from knowledge.loader import collect
    from knowledge.problems import errors_only

    kb, problems = collect()
    if errors := errors_only(problems):
        typer.echo(f"warning: knowledge has {len(errors)} error(s); run `thongthin kb check`", err=True)
    return kb


def _nlu_cache_dir():  # noqa: ANN202
    from bot.settings import Settings

    return Settings().data_dir / "cache"


@nlu_cli.command("classify")
def nlu_classify(audience: str = typer.Option(None, help="citizen | officer | staff (default: any intent)")) -> None:
    """Read UTF-8 lines on stdin; write one JSON object per line (text, intent, topic, confidence,
    decision, candidates)."""
    import json
    import sys

    from nlu.engine import NluEngine

    engine = NluEngine.from_knowledge(_nlu_knowledge(), _nlu_cache_dir())
    for line in sys.stdin:
        result = engine.classify(line.rstrip("\r\n"), audience)
        sys.stdout.write(json.dumps(result.contract_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()


@nlu_cli.command("eval")
def nlu_eval(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="TSV: id, role, topic, question, source_url"),
    baseline: bool = typer.Option(True, help="also train and score the TF-IDF + LinearSVC baseline"),
) -> None:
    """Print top1, top3, answered, conf_wrong, oos_rej, a per-topic table and the most confused pairs."""
    from nlu.engine import NluEngine
    from nlu.evaluation import read_tsv, run, training_examples

    kb = _nlu_knowledge()
    engine = NluEngine.from_knowledge(kb, _nlu_cache_dir())
    base = None
    if baseline:
        from nlu.baseline import Baseline, MissingExtra

        try:
            base = Baseline(training_examples(kb))
        except MissingExtra as exc:
            typer.echo(f"baseline skipped: {exc}", err=True)
    typer.echo(run(engine, read_tsv(file), base))


@nlu_cli.command("calibrate")
def nlu_calibrate(
    write: bool = typer.Option(False, help="write knowledge/nlu/thresholds.yaml (default: only print)"),
) -> None:
    """Choose the score weights and decision thresholds by cross-validation on the knowledge examples."""
    from nlu.calibrate import calibrate, write_thresholds
    from nlu.evaluation import training_examples

    kb = _nlu_knowledge()
    result = calibrate(training_examples(kb), kb)
    typer.echo(result.summary())
    if write:
        path = write_thresholds(result, kb)
        typer.echo(f"wrote {path}")


# ---- end section: nlu -------------------------------------------------------------------------------------

# ---- section: officer / mentor / admin / richmenu commands ------------------------------------------------
# Role administration and rich menus; the logic is in bot/admin.py. An invite code is printed once, here, and
# stored only as a hash.
officer_cli = typer.Typer(help="LAO officers: invite codes and direct registration.", no_args_is_help=True)
mentor_cli = typer.Typer(help="Mentors (staff of a mentor LAO): invite codes and direct registration.",
                         no_args_is_help=True)
admin_cli = typer.Typer(help="Administrators of the bot.", no_args_is_help=True)
richmenu_cli = typer.Typer(help="Per-role LINE rich menus.", no_args_is_help=True)
cli.add_typer(officer_cli, name="officer")
cli.add_typer(mentor_cli, name="mentor")
cli.add_typer(admin_cli, name="admin")
cli.add_typer(richmenu_cli, name="richmenu")

_LAO_OPTION = typer.Option(..., "--lao", help="LAO code (see `thongthin lao list`).")
_USER_OPTION = typer.Option(..., "--user", help="LINE user id (U + 32 hex digits, from the webhook).")
_DAYS_OPTION = typer.Option(7, "--days", help="Days the code stays valid.")
_OUT_OPTION = typer.Option(Path("var/richmenu"), "--out", help="Folder for the images.")


def _admin_run(coroutine):  # noqa: ANN001, ANN202 - returns the coroutine's result
    """Run an admin coroutine; a refused request becomes a message on stderr and exit code 1."""
    import asyncio
    import logging

    from bot.admin import AdminError

    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(coroutine)
    except AdminError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _invite(role: str, lao: str | None, days: int) -> None:
    from bot.admin import issue_invite
    from bot.models import Role
    from bot.settings import Settings

    code = _admin_run(issue_invite(Settings(), Role(role), lao, days))
    typer.echo(code)
    typer.echo(f"one-time {role} code, valid {days} day(s); the person sends it to the bot in a 1:1 chat. "
               "It is not shown again.", err=True)


def _add(role: str, user: str, lao: str | None) -> None:
    from bot.admin import give_role
    from bot.models import Role
    from bot.settings import Settings

    linked = _admin_run(give_role(Settings(), user, Role(role), lao))
    where = f" of {lao}" if lao else ""
    typer.echo(f"{user} is now {role}{where}" + ("; rich menu linked" if linked else ""))


@officer_cli.command("invite")
def officer_invite(lao: str = _LAO_OPTION, days: int = _DAYS_OPTION) -> None:
    """Print a one-time code that makes whoever sends it in chat an officer of LAO."""
    _invite("officer", lao, days)


@officer_cli.command("add")
def officer_add(lao: str = _LAO_OPTION, user: str = _USER_OPTION) -> None:
    """Make a LINE user an officer of LAO directly."""
    _add("officer", user, lao)


@mentor_cli.command("invite")
def mentor_invite(lao: str = _LAO_OPTION, days: int = _DAYS_OPTION) -> None:
    """Print a one-time code that makes whoever sends it in chat a mentor of a mentor LAO."""
    _invite("mentor", lao, days)


@mentor_cli.command("add")
def mentor_add(lao: str = _LAO_OPTION, user: str = _USER_OPTION) -> None:
    """Make a LINE user a mentor of a mentor LAO directly."""
    _add("mentor", user, lao)


@admin_cli.command("invite")
def admin_invite(days: int = _DAYS_OPTION) -> None:
    """Print a one-time code that makes whoever sends it in chat an administrator."""
    _invite("admin", None, days)


@admin_cli.command("add")
def admin_add(user: str = _USER_OPTION) -> None:
    """Make a LINE user an administrator directly."""
    _add("admin", user, None)


@richmenu_cli.command("sync")
def richmenu_sync() -> None:
    """Create or update the citizen, officer and mentor menus on LINE (safe to run again)."""
    from bot.admin import sync_menus
    from bot.settings import Settings

    report = _admin_run(sync_menus(Settings()))
    for role, menu_id in report.menus.items():
        typer.echo(f"{role}\t{menu_id}\t{'created' if role in report.created else 'unchanged'}")
    typer.echo(f"default: citizen; deleted {len(report.deleted)} old menu(s); "
               f"re-linked {report.relinked} user(s)")


@richmenu_cli.command("render")
def richmenu_render(out: Path = _OUT_OPTION) -> None:
    """Draw the menu images into a folder to look at them (nothing is sent to LINE)."""
    from bot.richmenu import build_menus

    kb = _load_knowledge(None, strict=False)
    out.mkdir(parents=True, exist_ok=True)
    for menu in build_menus(kb.responses):
        path = out / f"{menu.spec.role}.{menu.content_type.split('/')[1]}"
        path.write_bytes(menu.image)
        typer.echo(f"{path}\t{len(menu.image)} bytes")


@richmenu_cli.command("link")
def richmenu_link(user: str = _USER_OPTION) -> None:
    """Link the menu of the user's current role again."""
    from bot.admin import relink
    from bot.settings import Settings

    role = _admin_run(relink(Settings(), user))
    typer.echo(f"{user}: {role} menu linked")


# ---- end section: officer / mentor / admin / richmenu -----------------------------------------------------

# ---- section: escalation commands -------------------------------------------------------------------------
# Reviewing knowledge suggestions (helpful mentor answers). Approved ones are stored in the database and picked up
# by every worker within THONGTHIN_LEARNING_POLL_S seconds (bot/learning.py); the YAML files are not touched.
suggestions_cli = typer.Typer(help="Knowledge suggestions from helpful ticket answers.", no_args_is_help=True)
kb_cli.add_typer(suggestions_cli, name="suggestions")


def _escalation_run(action):  # noqa: ANN001, ANN202 - action(kb, session) -> result
    """Run `action` in one transaction; a refused review becomes a message on stderr and exit code 1."""
    import asyncio

    from bot.admin import opened
    from bot.learning import ReviewError
    from bot.settings import Settings

    async def main():  # noqa: ANN202
        async with opened(Settings()) as (kb, storage), storage.transaction() as session:
            return await action(kb, session)

    try:
        return asyncio.run(main())
    except ReviewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@suggestions_cli.command("list")
def suggestions_list(status: str = typer.Option("pending", help="pending | approved | rejected | all")) -> None:
    """One suggestion per line: id, status, ticket, intent, topic, question, answer (tab-separated)."""
    from bot import repo
    from bot.learning import format_suggestion
    from bot.models import SuggestionStatus

    wanted = None if status == "all" else SuggestionStatus(status)
    rows = _escalation_run(lambda kb, session: repo.list_suggestions(session, status=wanted))
    for row in rows:
        typer.echo(format_suggestion(row))
    typer.echo(f"{len(rows)} suggestion(s)", err=True)


@suggestions_cli.command("approve")
def suggestions_approve(
    suggestion: int = typer.Argument(..., help="Suggestion id (see `list`)."),
    as_: str = typer.Option("article", "--as", help="article: a new verified helpdesk entry; examples: the "
                                                   "question becomes an example of an existing intent"),
    intent: str = typer.Option(None, "--intent", help="With --as examples: the intent (default: the suggested)."),
    topic: str = typer.Option(None, "--topic", help="With --as article: the topic (default: the suggested)."),
) -> None:
    """Approve a suggestion; every worker answers with it once its NLU is rebuilt (seconds), no restart."""
    from bot.learning import approve, format_suggestion

    if as_ not in ("article", "examples"):
        typer.echo("error: --as is article or examples", err=True)
        raise typer.Exit(2)
    row = _escalation_run(lambda kb, session: approve(session, kb, suggestion, as_examples=as_ == "examples",
                                                       intent=intent, topic=topic))
    typer.echo(format_suggestion(row))


@suggestions_cli.command("reject")
def suggestions_reject(suggestion: int = typer.Argument(..., help="Suggestion id (see `list`).")) -> None:
    """Reject a suggestion (it stays in the list with status rejected)."""
    from bot.learning import format_suggestion, reject

    typer.echo(format_suggestion(_escalation_run(lambda kb, session: reject(session, suggestion))))


@lao_cli.command("away")
def lao_away(code: str = typer.Argument(..., help="Mentor LAO code (see `thongthin lao list --mentors`)."),
             back: bool = typer.Option(False, "--back", help="Take tickets again.")) -> None:
    """Mark a mentor LAO as away: new tickets and SLA re-routes skip it until `--back`."""
    from bot import repo

    async def action(kb, session):  # noqa: ANN001, ANN202
        lao = kb.lao_by_code(code)
        return lao is not None and lao.is_mentor and await repo.set_lao_away(session, code, not back)

    if not _escalation_run(action):
        typer.echo(f"error: {code} is not a mentor LAO; see `thongthin lao list --mentors`", err=True)
        raise typer.Exit(1)
    typer.echo(f"{code}: {'taking tickets' if back else 'away'}")


# ---- end section: escalation commands -----------------------------------------------------------------------

# ---- section: runtime (serve, worker, chat, db) -----------------------------------------------------------


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


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    from bot import db
    from bot.settings import Settings

    url = Settings().effective_database_url
    db.upgrade(url, revision)
    typer.echo(f"database at {url.split('@')[-1]} is at {revision}")

# ---- end section: runtime ---------------------------------------------------------------------------------

if __name__ == "__main__":
    cli()
