"""The contract commands on the real knowledge base."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.nlu.test_engine import CONTRACT_KEYS

LABELLED = Path(__file__).parent / "fixtures" / "labelled.tsv"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201 - typer.Typer
    monkeypatch.setenv("THONGTHIN_DATA_DIR", str(tmp_path))
    from app import cli

    return cli


def test_classify_writes_one_json_object_per_line(cli) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["nlu", "classify"], input="ขยะไม่มีคนมาเก็บ\n\n😀\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    assert all(set(line) == CONTRACT_KEYS for line in lines)
    assert lines[0]["text"] == "ขยะไม่มีคนมาเก็บ" and lines[0]["topic"] == "garbage"
    assert lines[1]["decision"] == "fallback" and lines[1]["intent"] is None


def test_eval_prints_the_contract_figures(cli) -> None:  # noqa: ANN001
    result = CliRunner().invoke(cli, ["nlu", "eval", str(LABELLED)])
    assert result.exit_code == 0, result.output
    for name in ("top1", "top3", "answered", "conf_wrong", "oos_rej", "baseline"):
        assert name in result.stdout
