"""Whatever arrives, classify() returns a valid result and never raises."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu.engine import NluEngine
from nlu.pii import redact
from nlu.types import NluResult

THAI = st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F)
EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid(result: NluResult, text: str) -> None:
    assert result.text == text
    assert result.decision in ("answer", "clarify", "fallback")
    assert 0.0 <= result.confidence <= 1.0
    assert (result.intent is None) == (result.topic is None)
    if result.decision != "fallback":
        assert result.intent is not None
    for span in result.pii:
        assert 0 <= span.start < span.end <= len(text)


@SETTINGS
@given(st.text())
def test_any_unicode(engine: NluEngine, text: str) -> None:
    _valid(engine.classify(text), text)


@SETTINGS
@given(st.text(alphabet=THAI, max_size=200))
def test_any_thai(engine: NluEngine, text: str) -> None:
    _valid(engine.classify(text), text)


@SETTINGS
@given(st.text(alphabet=EMOJI, min_size=1, max_size=50))
def test_emoji_only(engine: NluEngine, text: str) -> None:
    result = engine.classify(text)
    _valid(result, text)
    assert result.decision == "fallback"


@SETTINGS
@given(st.text())
def test_redact_never_raises(text: str) -> None:
    assert isinstance(redact(text), str)


def test_empty(engine: NluEngine) -> None:
    _valid(engine.classify(""), "")


def test_ten_thousand_characters(engine: NluEngine) -> None:
    text = ("ขยะล้นถังไม่มีคนมาเก็บ 555 " * 400)[:10_000]
    result = engine.classify(text)
    _valid(result, text)
    assert result.candidates[0].topic == "garbage"
