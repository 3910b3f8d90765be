"""`thongthin kb` and `thongthin lao` commands: lint, export and count the knowledge base; list LAOs.

app.py mounts these groups on the root CLI (and adds the runtime's `kb suggestions` and `lao away` to them).
knowledge modules are imported inside the commands so that `thongthin --help` and other commands start fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

kb_cli = typer.Typer(help="Knowledge base tools.", no_args_is_help=True)
lao_cli = typer.Typer(help="LAO directory.", no_args_is_help=True)

_ROOT_OPTION = typer.Option(None, "--root", help="Knowledge folder (default: the knowledge package itself).")


def _shown_path(root: Path, rel: str) -> str:
    """A problem's file as a path relative to the working directory where possible (clickable in editors)."""
    full = (root / rel).resolve()
    try:
        return str(full.relative_to(Path.cwd()))
    except ValueError:
        return str(full)


def load_for_command(root: Path | None, strict: bool) -> KnowledgeBase:
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

    for row in iter_examples(load_for_command(root, strict=True)):
        typer.echo(json.dumps(row, ensure_ascii=False))


@kb_cli.command("stats")
def kb_stats(root: Path | None = _ROOT_OPTION) -> None:
    """Counts per audience and topic; intents with too few examples; topics without intents."""
    from knowledge.stats import stats_report

    typer.echo(stats_report(load_for_command(root, strict=False)))  # useful while content still has errors


@lao_cli.command("list")
def lao_list(
    mentors: bool = typer.Option(False, "--mentors", help="Only the mentor LAOs."),
    province: str | None = typer.Option(None, "--province", help="Only this province (Thai name)."),
    root: Path | None = _ROOT_OPTION,
) -> None:
    """One LAO per line: code, Thai name, type, province, region (tab-separated)."""
    from knowledge.directory import format_laos, list_laos, province_name

    kb = load_for_command(root, strict=False)
    if province and province_name(province) not in kb.regions:
        typer.echo(f"unknown province: {province} (use the Thai name, e.g. ลำปาง)", err=True)
        raise typer.Exit(1)
    laos = list_laos(kb, mentors_only=mentors, province=province)
    if laos:
        typer.echo(format_laos(laos))
