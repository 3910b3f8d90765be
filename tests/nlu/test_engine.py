from __future__ import annotations

import json
from pathlib import Path

from nlu.engine import NluEngine
from nlu.types import NluResult, TrainingExample

CONTRACT_KEYS = {"text", "intent", "topic", "confidence", "decision", "candidates"}


def test_result_carries_the_whole_pipeline(engine: NluEngine) -> None:
    r = engine.classify("ขยะหน้าบ้านไม่มีใครมาเก็บเลยค่ะ โทร 0812345678 ตำบลเกาะยาวน้อย")
    assert isinstance(r, NluResult)
    assert r.topic == "garbage" and r.decision in ("answer", "clarify")
    assert r.normalized.startswith("ขยะหน้าบ้าน")
    assert "ค่ะ" not in r.tokens
    assert ("subdistrict", "820201") in [(e.kind, e.value) for e in r.entities]
    assert [p.kind for p in r.pii] == ["phone"]
    assert len({c.topic for c in r.candidates}) == len(r.candidates)  # one candidate per topic


def test_contract_json(engine: NluEngine) -> None:
    payload = json.loads(json.dumps(engine.classify("เบี้ยยังชีบเดือนนี้เข้ายัง").contract_dict(),
                                    ensure_ascii=False))
    assert set(payload) == CONTRACT_KEYS
    assert payload["topic"] == "elderly_allowance"
    assert all(set(c) == {"intent", "topic", "confidence"} for c in payload["candidates"])
    assert 0.0 <= payload["confidence"] <= 1.0


def test_out_of_scope_is_not_answered(engine: NluEngine) -> None:
    r = engine.classify("ราคาทองคำวันนี้เท่าไหร่คะ")
    assert r.decision == "fallback"
    assert r.topic in (None, "out_of_scope")


def test_nonsense_falls_back(engine: NluEngine) -> None:
    for text in ("", "😀😀😀", "qwxzv", "ๆๆๆ"):
        r = engine.classify(text)
        assert r.decision == "fallback" and r.intent is None


def test_audience_filter(engine: NluEngine) -> None:
    as_citizen = engine.classify("ลืมรหัสผ่านเข้าระบบท้องถิ่นดิจิทัล", audience="citizen")
    as_officer = engine.classify("ลืมรหัสผ่านเข้าระบบท้องถิ่นดิจิทัล", audience="officer")
    assert as_officer.topic == "officer_login_account"
    assert as_citizen.topic != "officer_login_account"


def test_staff_get_officer_answers_first_and_citizen_services_otherwise(engine: NluEngine) -> None:
    own = engine.classify("ลืมรหัสผ่านเข้าระบบท้องถิ่นดิจิทัล", audience="staff")
    assert (own.decision, own.topic) == ("answer", "officer_login_account")
    service = engine.classify("เบี้ยยังชีบเดือนนี้เข้ายัง", audience="staff")
    assert service.topic == "elderly_allowance" and service.decision != "fallback"
    assert engine.classify("ราคาทองคำวันนี้เท่าไหร่คะ", audience="staff").decision == "fallback"
    assert engine.classify("", audience="staff").decision == "fallback"


def test_index_is_cached_and_reused(tmp_path: Path, fixture_examples: list[TrainingExample]) -> None:
    first = NluEngine.from_examples(fixture_examples, cache_dir=tmp_path)
    cached = list(tmp_path.glob("nlu-index-*.pickle"))
    assert len(cached) == 1
    second = NluEngine.from_examples(fixture_examples, cache_dir=tmp_path)
    assert second.index.intent_ids == first.index.intent_ids
    assert list(tmp_path.glob("nlu-index-*.pickle")) == cached


def test_changed_knowledge_rebuilds_the_cache(tmp_path: Path, fixture_examples: list[TrainingExample]) -> None:
    NluEngine.from_examples(fixture_examples, cache_dir=tmp_path)
    more = [*fixture_examples, TrainingExample("ขอใบอนุญาตก่อสร้างบ้าน", "permit.build", "building_permit")]
    engine = NluEngine.from_examples(more, cache_dir=tmp_path)
    assert "permit.build" in engine.index.intent_ids
    assert len(list(tmp_path.glob("nlu-index-*.pickle"))) == 1  # the stale one was removed


def test_corrupt_cache_is_rebuilt(tmp_path: Path, fixture_examples: list[TrainingExample]) -> None:
    NluEngine.from_examples(fixture_examples, cache_dir=tmp_path)
    for path in tmp_path.glob("nlu-index-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert NluEngine.from_examples(fixture_examples, cache_dir=tmp_path).index.intent_ids


class _KB:
    """The slice of KnowledgeBase the engine reads."""

    def __init__(self, examples: list[TrainingExample], fingerprint: str) -> None:
        from types import SimpleNamespace

        grouped: dict[str, list[TrainingExample]] = {}
        for e in examples:
            grouped.setdefault(e.intent, []).append(e)
        self.intents = {i: SimpleNamespace(id=i, topic=es[0].topic, audience=es[0].audience,
                                           examples=[e.text for e in es]) for i, es in grouped.items()}
        self.laos: dict = {}
        self.fingerprint = fingerprint
        self.root = None


def test_from_knowledge_and_reload(tmp_path: Path, fixture_examples: list[TrainingExample]) -> None:
    engine = NluEngine.from_knowledge(_KB(fixture_examples, "v1"), tmp_path)
    assert "permit.build" not in engine.index.intent_ids
    extra = [TrainingExample(t, "permit.build", "building_permit", "citizen")
             for t in ("ขออนุญาตก่อสร้างบ้าน", "ต่อเติมบ้านต้องขออนุญาตไหม", "ขอใบอนุญาตรื้อถอนอาคาร")]
    engine.reload(_KB(fixture_examples + extra, "v2"), tmp_path)
    assert "permit.build" in engine.index.intent_ids
    assert engine.classify("จะต่อเติมบ้านต้องขออนุญาตไหมคะ").topic == "building_permit"
