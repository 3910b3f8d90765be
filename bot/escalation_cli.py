"""`thongthin kb suggestions list|approve|reject` and `thongthin lao away`: the escalation commands.

Reviewing knowledge suggestions (helpful mentor answers). Approved ones are stored in the database and picked
up by every worker within THONGTHIN_LEARNING_POLL_S seconds (bot/learning.py); the YAML files are not touched.
The `kb` and `lao` groups live in knowledge/cli.py; app.py mounts `suggestions_cli` under `kb` and `lao_away`
under `lao`, so that the knowledge package stays free of runtime code.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Action = Callable[[Any, "AsyncSession"], Awaitable[T]]  # (knowledge base, session) -> result

suggestions_cli = typer.Typer(help="Knowledge suggestions from helpful ticket answers.", no_args_is_help=True)


def _escalation_run(action: Action[T]) -> T:
    """Run `action` in one transaction; a refused review becomes a message on stderr and exit code 1."""
    import asyncio

    from bot.admin import opened
    from bot.learning import ReviewError
    from bot.settings import Settings

    async def main() -> T:
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

    choices = [s.value for s in SuggestionStatus]
    if status != "all" and status not in choices:  # a clear answer, not a traceback
        typer.echo(f"error: --status must be one of {', '.join([*choices, 'all'])}", err=True)
        raise typer.Exit(2)
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


def lao_away(code: str = typer.Argument(..., help="Mentor LAO code (see `thongthin lao list --mentors`)."),
             back: bool = typer.Option(False, "--back", help="Take tickets again.")) -> None:
    """Mark a mentor LAO as away: new tickets and SLA re-routes skip it until `--back`."""
    from bot import repo

    async def action(kb: Any, session: AsyncSession) -> bool:
        lao = kb.lao_by_code(code)
        return lao is not None and lao.is_mentor and await repo.set_lao_away(session, code, not back)

    if not _escalation_run(action):
        typer.echo(f"error: {code} is not a mentor LAO; see `thongthin lao list --mentors`", err=True)
        raise typer.Exit(1)
    typer.echo(f"{code}: {'taking tickets' if back else 'away'}")
