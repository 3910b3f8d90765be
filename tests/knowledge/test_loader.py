"""Loading: the real knowledge base (whatever state its content is in) and the KnowledgeBase helpers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.export import iter_examples
from knowledge.loader import PACKAGE_ROOT, collect, load_knowledge
from knowledge.problems import KnowledgeError, errors_only
from knowledge.responses import MissingParameter, UnknownResponse
from knowledge.stats import stats_report
from tests.knowledge.conftest import BASE, REAL_ROOT, MakeKb

# ---- the real knowledge base: structural facts only (content authors are still writing) ----


def test_package_root_is_the_knowledge_folder() -> None:
    assert PACKAGE_ROOT == REAL_ROOT
    assert (PACKAGE_ROOT / "topics.yaml").is_file()


def test_real_knowledge_collects_and_problems_point_at_real_lines() -> None:
    kb, problems = collect()
    assert len(kb.topics) >= 40 and len(kb.regions) == 77
    for p in problems:
        file = REAL_ROOT / p.path
        if p.message.startswith("file is missing"):
            assert not file.exists() and p.line == 1
            continue
        assert file.is_file(), p
        assert 1 <= p.line <= max(1, len(file.read_text(encoding="utf-8").splitlines())), p


def test_real_knowledge_loads_exactly_when_check_finds_no_errors() -> None:
    _, problems = collect()
    errors = errors_only(problems)
    if errors:
        with pytest.raises(KnowledgeError) as caught:
            load_knowledge()
        assert len(caught.value.problems) == len(errors)
    else:
        assert load_knowledge().root == REAL_ROOT


def test_real_knowledge_topics_are_valid_or_reported() -> None:
    kb, problems = collect()
    reported = {(p.path, p.line) for p in problems if "unknown topic" in p.message}
    for intent_id, intent in kb.intents.items():
        if intent.topic not in kb.topics:
            origin = kb.origins[f"intent:{intent_id}"]
            assert any(path == origin.path for path, _ in reported), intent_id


def test_real_knowledge_intents_have_answers_that_resolve_or_are_reported() -> None:
    kb, problems = collect()
    for intent in kb.intents.values():
        ref = intent.answer.ref
        if intent.answer.kind == "service" and ref not in kb.services:
            assert any(f"unknown service '{ref}'" in p.message for p in problems)
        if intent.answer.kind == "article" and ref not in kb.articles:
            assert any(f"unknown article '{ref}'" in p.message for p in problems)


# ---- KnowledgeBase on the fixture ----


@pytest.fixture
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge(BASE)


def test_intents_come_from_services_and_intent_files(kb) -> None:  # type: ignore[no-untyped-def]
    pay = kb.intents["land_tax.pay"]
    assert (pay.audience, pay.topic, pay.answer.kind, pay.answer.ref) == (
        "citizen",
        "land_building_tax",
        "service",
        "land_tax_pay",
    )
    assert kb.intents["conversation.greeting"].answer.action == "greeting"
    assert set(kb.intents_for("citizen")) == {"land_tax.pay", "conversation.greeting"}
    assert set(kb.intents_for("officer")) == {"conversation.greeting"}
    assert kb.topics == {
        "land_building_tax": "citizen_services",
        "garbage": "citizen_services",
        "complaint_road_light": "citizen_reports",
        "officer_login_account": "officer_helpdesk",
        "greeting": "conversation",
    }


def test_effective_service_applies_the_lao_override(kb) -> None:  # type: ignore[no-untyped-def]
    national = kb.effective_service("land_tax_pay")
    assert national is kb.services["land_tax_pay"] and national.channels.online == "no"
    local = kb.effective_service("land_tax_pay", "05900104")
    assert local.applied_lao == "05900104"
    assert [f.source for f in local.fees] == ["src_lao_page"]
    assert local.local_note == "รับชำระผ่านธนาคารด้วย"
    assert local.channels.online == "yes"  # land_tax_pay is in the LAO's online_services
    assert local.deadlines == national.deadlines  # not overridden: national default kept
    assert kb.effective_service("land_tax_pay", "P-5201") is national  # an LAO without overrides
    with pytest.raises(KeyError, match="unknown LAO code"):
        kb.effective_service("land_tax_pay", "P-000000")
    with pytest.raises(KeyError, match="unknown service"):
        kb.effective_service("no_such_service")


def test_overrides_kept_apart_from_the_directory_entry(make_kb: MakeKb) -> None:
    calendar = (
        "overrides:\n  P-5201:\n    land_tax_pay:\n      deadlines:\n"
        "        - {label: x, month: 6, day: 30, source: src_lao_page}\n"
    )
    kb = load_knowledge(make_kb(files={"laos/calendar.yaml": calendar}))
    local = kb.effective_service("land_tax_pay", "P-5201")
    assert [(d.month, d.day) for d in local.deadlines] == [(6, 30)]
    assert kb.origins["override:P-5201/land_tax_pay"].path == "laos/calendar.yaml"


def test_fact_as_of_falls_back_to_the_source(kb) -> None:  # type: ignore[no-untyped-def]
    fact = kb.services["land_tax_pay"].fees[0]
    assert fact.as_of is None and kb.fact_as_of(fact) == date(2019, 3, 12)
    assert kb.fact_as_of(fact.model_copy(update={"as_of": date(2024, 1, 2)})) == date(2024, 1, 2)


def test_lao_lookup_and_regions(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb.lao_by_code("05900104").name.endswith("เกาะแต้ว")
    assert kb.lao_by_code("nope") is None
    assert kb.regions == {"ลำปาง": "north", "สงขลา": "south"}


def test_responses_say(kb) -> None:  # type: ignore[no-untyped-def]
    assert kb.responses.say("greeting.citizen", name="X") == "สวัสดีค่ะ X น้องท้องถิ่นยินดีช่วยค่ะ"
    assert kb.responses.variants("greeting.variants")[1] == "ยินดีต้อนรับค่ะ"
    with pytest.raises(UnknownResponse, match="no response 'greeting.nope'.*greeting.citizen"):
        kb.responses.say("greeting.nope")
    with pytest.raises(MissingParameter, match="name"):
        kb.responses.say("greeting.citizen")


def test_fingerprint_follows_file_contents(make_kb: MakeKb) -> None:
    root = make_kb()
    first = load_knowledge(root).fingerprint
    assert load_knowledge(root).fingerprint == first
    path: Path = root / "responses.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "bye: ลาก่อนค่ะ\n", encoding="utf-8")
    assert load_knowledge(root).fingerprint != first


def test_export_and_stats(kb) -> None:  # type: ignore[no-untyped-def]
    rows = list(iter_examples(kb))
    assert len(rows) == 24 and set(rows[0]) == {"text", "intent", "topic"}
    report = stats_report(kb)
    assert "citizen services: 1   officer entries (helpdesk articles): 0" in report
    assert "topics with no intent yet (3): garbage, complaint_road_light, officer_login_account" in report
    assert "intents with fewer than 12 examples (0): -" in report
