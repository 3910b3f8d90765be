"""`thongthin officer|mentor|admin|richmenu|db` commands: role administration, rich menus, migrations.

The logic is in bot/admin.py. An invite code is printed once, here, and stored only as a hash. app.py mounts
these groups on the root CLI; bot modules are imported inside the commands so that `thongthin --help` is
fast.
"""
from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer

T = TypeVar("T")

officer_cli = typer.Typer(help="LAO officers: invite codes and direct registration.", no_args_is_help=True)
mentor_cli = typer.Typer(help="Mentors (staff of a mentor LAO): invite codes and direct registration.",
                         no_args_is_help=True)
admin_cli = typer.Typer(help="Administrators of the bot.", no_args_is_help=True)
richmenu_cli = typer.Typer(help="Per-role LINE rich menus.", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)

_LAO_OPTION = typer.Option(..., "--lao", help="LAO code (see `thongthin lao list`).")
_USER_OPTION = typer.Option(..., "--user", help="LINE user id (U + 32 hex digits, from the webhook).")
_DAYS_OPTION = typer.Option(7, "--days", help="Days the code stays valid.")
_OUT_OPTION = typer.Option(Path("var/richmenu"), "--out", help="Folder for the images.")


def _admin_run(coroutine: Coroutine[Any, Any, T]) -> T:
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
    from knowledge.cli import load_for_command

    kb = load_for_command(None, strict=False)
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


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations (SQLite or PostgreSQL, from DATABASE_URL)."""
    from bot import db
    from bot.settings import Settings

    url = Settings().effective_database_url
    db.upgrade(url, revision)
    typer.echo(f"database at {url.split('@')[-1]} is at {revision}")
