from __future__ import annotations

from pathlib import Path

from nlu.engine import NluEngine
from nlu.evaluation import Prediction, Row, engine_predictor, measure, read_tsv, run

LABELLED = Path(__file__).parent / "fixtures" / "labelled.tsv"
TOP1_FLOOR = 0.75  # fixture knowledge (8 examples an intent) + own labelled questions; measured 0.83
OOS_FLOOR = 1.0


def _rows() -> list[Row]:
    return [Row("1", "citizen", "garbage", "q1"), Row("2", "citizen", "water", "q2"),
            Row("3", "none", "out_of_scope", "q3"), Row("4", "none", "out_of_scope", "q4")]


def test_metric_definitions() -> None:
    predictions = {
        "q1": Prediction("garbage", "clarify", ("garbage", "water")),  # top1 hit, not answered
        "q2": Prediction("garbage", "answer", ("garbage", "water")),  # confidently wrong, top3 hit
        "q3": Prediction("garbage", "answer", ("garbage",)),  # out of scope answered: wrong, not rejected
        "q4": Prediction(None, "fallback", ()),  # rejected
    }
    m = measure(_rows(), lambda row: predictions[row.question])
    assert (m.top1, m.top3, m.answered) == (0.5, 1.0, 0.5)
    assert m.conf_wrong == 2 / 4
    assert m.oos_rej == 0.5
    assert m.confused[("water", "garbage")] == 1
    fell_back = measure(_rows()[:1], lambda row: Prediction(None, "fallback", ("water",)))
    assert fell_back.confused[("garbage", "water (fallback)")] == 1


def test_fallback_is_a_miss_everywhere() -> None:
    m = measure(_rows()[:1], lambda row: Prediction("garbage", "fallback", ("garbage",)))
    assert (m.top1, m.top3, m.answered, m.conf_wrong) == (0.0, 0.0, 0.0, 0.0)


def test_out_of_scope_topic_counts_as_rejected() -> None:
    m = measure(_rows()[2:3], lambda row: Prediction("out_of_scope", "answer", ("out_of_scope",)))
    assert (m.oos_rej, m.conf_wrong) == (1.0, 0.0)


def test_accuracy_floor_on_labelled_file(engine: NluEngine) -> None:
    rows = read_tsv(LABELLED)


    m = measure(rows, engine_predictor(engine))
    assert m.top1 >= TOP1_FLOOR, m.confused
    assert m.oos_rej >= OOS_FLOOR
    assert m.conf_wrong <= 0.05


def test_report_has_both_columns(engine: NluEngine, fixture_examples: list) -> None:
    from nlu.baseline import Baseline

    report = run(engine, read_tsv(LABELLED), Baseline(fixture_examples))
    assert report.splitlines()[0].split() == ["metric", "nlu", "baseline"]
    for name in ("top1", "top3", "answered", "conf_wrong", "oos_rej", "most confused (nlu)"):
        assert name in report
