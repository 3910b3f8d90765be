"""NLU test setup: offline PyThaiNLP, and an engine built from our own small fixture knowledge."""
from __future__ import annotations

import os

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from nlu.types import TrainingExample  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_knowledge() -> tuple[list[TrainingExample], list[SimpleNamespace]]:
    data = yaml.safe_load((FIXTURES / "intents.yaml").read_text(encoding="utf-8"))
    examples = [TrainingExample(text, i["id"], i["topic"], i["audience"])
                for i in data["intents"] for text in i["examples"]]
    laos = [SimpleNamespace(**lao) for lao in data["laos"]]
    return examples, laos


@pytest.fixture(scope="session")
def fixture_examples() -> list[TrainingExample]:
    return fixture_knowledge()[0]


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - NluEngine
    from nlu.calibrate import calibrate
    from nlu.engine import NluEngine

    examples, laos = fixture_knowledge()
    chosen = calibrate(examples, kb=None)
    return NluEngine.from_examples(examples, laos=laos, cache_dir=tmp_path_factory.mktemp("nlu-cache"),
                                   thresholds=chosen.thresholds, weights=chosen.weights)


@pytest.fixture(scope="session")
def nlu_data():  # noqa: ANN201 - NluData
    from nlu.resources import load_nlu_data

    return load_nlu_data()
