from __future__ import annotations

from nlu.policy import Ranked, Thresholds, decide

TH = Thresholds(slope=10.0, center=0.3, gap_weight=10.0, fallback_below=0.3, answer_from=0.8)


def test_clear_winner_is_answered() -> None:
    verdict = decide([Ranked("a.x", "garbage", 0.6), Ranked("b.y", "water", 0.2)], TH)
    assert verdict.decision == "answer"
    assert (verdict.intent, verdict.topic) == ("a.x", "garbage")


def test_close_runner_up_asks_which() -> None:
    verdict = decide([Ranked("a.x", "garbage", 0.36), Ranked("b.y", "water", 0.34)], TH)
    assert verdict.decision == "clarify"
    assert [c.topic for c in verdict.candidates] == ["garbage", "water"]


def test_nothing_fits_falls_back_with_no_intent() -> None:
    verdict = decide([Ranked("a.x", "garbage", 0.1), Ranked("b.y", "water", 0.09)], TH)
    assert (verdict.decision, verdict.intent, verdict.topic) == ("fallback", None, None)


def test_out_of_scope_falls_back_but_keeps_the_intent() -> None:
    verdict = decide([Ranked("oos.shop", "out_of_scope", 0.9), Ranked("b.y", "water", 0.1)], TH)
    assert (verdict.decision, verdict.intent, verdict.topic) == ("fallback", "oos.shop", "out_of_scope")


def test_no_candidates() -> None:
    assert decide([], TH).decision == "fallback"


def test_confidence_is_monotonic_and_bounded() -> None:
    values = [TH.confidence(s, 0.1) for s in (-5, 0.0, 0.2, 0.4, 1.0, 50)]
    assert values == sorted(values)
    assert all(0.0 <= v <= 1.0 for v in values)


def test_candidates_are_capped() -> None:
    ranked = [Ranked(f"i{i}", f"t{i}", 0.5 - i / 100) for i in range(6)]
    assert len(decide(ranked, TH).candidates) == TH.max_candidates


def test_thresholds_from_data_file() -> None:
    th = Thresholds.from_data({"calibration": {"slope": 3, "center": 0.2}, "decision": {"answer_from": 0.9}})
    assert (th.slope, th.center, th.answer_from) == (3.0, 0.2, 0.9)
