"""`thongthin nlu` commands: classify stdin, evaluate on a labelled TSV, calibrate the thresholds.

nlu/ must not import bot/, so the folder for the NLU's caches (under the bot's data folder) comes from the
composition root: app.py mounts this group with `context_settings={"obj": <callable returning the folder>}`.
Without it the commands still work, only without a persistent index cache.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

nlu_cli = typer.Typer(help="Thai NLU tools.", no_args_is_help=True)


def _nlu_knowledge() -> KnowledgeBase:
    """The knowledge base; with lint errors elsewhere (not in intents) the NLU still runs, with a warning."""
    from knowledge.cli import load_for_command

    return load_for_command(None, strict=False)


def _cache_dir(ctx: typer.Context) -> Path | None:
    """The cache folder the composition root passed as the context object (see the module docstring)."""
    return ctx.obj() if callable(ctx.obj) else None


@nlu_cli.command("classify")
def nlu_classify(
    ctx: typer.Context,
    audience: str = typer.Option(None, help="citizen | officer | staff (default: any intent)"),
) -> None:
    """Read UTF-8 lines on stdin; write one JSON object per line (text, intent, topic, confidence,
    decision, candidates)."""
    import json
    import sys

    from nlu.engine import NluEngine

    engine = NluEngine.from_knowledge(_nlu_knowledge(), _cache_dir(ctx))
    for line in sys.stdin:
        result = engine.classify(line.rstrip("\r\n"), audience)
        sys.stdout.write(json.dumps(result.contract_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()


@nlu_cli.command("eval")
def nlu_eval(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="TSV: id, role, topic, question, source_url"),
    baseline: bool = typer.Option(True, help="also train and score the TF-IDF + LinearSVC baseline"),
) -> None:
    """Print top1, top3, answered, conf_wrong, oos_rej, a per-topic table and the most confused pairs."""
    from nlu.engine import NluEngine
    from nlu.evaluation import read_tsv, run, training_examples

    kb = _nlu_knowledge()
    engine = NluEngine.from_knowledge(kb, _cache_dir(ctx))
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
