"""Each lint rule on a fixture that breaks exactly that rule; the base fixture is clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.lint import check
from knowledge.problems import Problem
from knowledge.textnorm import normalize
from tests.knowledge.conftest import BASE, REPO, SHARED, MakeKb


def _errors(problems: list[Problem]) -> list[str]:
    return [f"{p.path}:{p.line}: {p.message}" for p in problems if p.severity == "error"]


def test_base_fixture_is_clean() -> None:
    assert check(BASE, SHARED) == []


CASES = [
    # (case folder, the one error expected: "path:line: message fragment")
    (
        "duplicate_example",
        "intents/extra.yaml:18: example also under 'land_tax.pay' (services/land_tax_pay.yaml:27)",
    ),
    ("near_duplicate", "intents/extra.yaml:18: example is a near-duplicate of one under 'land_tax.pay'"),
    ("few_examples", "intents/extra.yaml:6: intent 'report.road' has 3 examples; at least 12 are needed"),
    ("unknown_topic", "intents/extra.yaml:4: unknown topic 'no_such_topic'"),
    ("unknown_source", "intents/extra.yaml:5: unknown source 'no_such_source'"),
    ("unknown_lao", "laos/calendar.yaml:3: overrides for unknown LAO 'P-999999'"),
    ("unknown_url", "intents/extra.yaml:5: URL 'https://unknown.example.go.th/page' is in no source record"),
    ("fact_without_source", "services/land_tax_pay.yaml:17: fees[0].source: missing key 'source'"),
]


@pytest.mark.parametrize(("case", "expected"), CASES)
def test_rule_reports_file_line_and_cause(make_kb: MakeKb, case: str, expected: str) -> None:
    errors = _errors(check(make_kb(case), SHARED))
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


def test_line_limits(make_kb: MakeKb) -> None:
    errors = _errors(check(make_kb("line_limit"), SHARED))
    assert errors == [
        "helpdesk/login.yaml:5: article answer is 1619 characters; LINE limit here is 1500",
        "responses.yaml:5: label 'menu.labels.tax' is 31 graphemes; LINE allows 20",
    ]


def test_step_title_and_summary_limits(make_kb: MakeKb) -> None:
    service = (BASE / "services" / "land_tax_pay.yaml").read_text(encoding="utf-8")
    service = service.replace("title: รับใบแจ้งการประเมินภาษี", "title: " + "ก" * 61)
    service = service.replace("summary: ชำระภาษี", "summary: " + "ข" * 400 + "ชำระภาษี")
    errors = _errors(check(make_kb(files={"services/land_tax_pay.yaml": service}), SHARED))
    assert any("step title is 61 characters" in e for e in errors)
    assert any("summary is 461 characters; LINE limit here is 400" in e for e in errors)


def test_dev_questions_must_not_be_examples(make_kb: MakeKb) -> None:
    errors = _errors(check(make_kb("dev_copy"), SHARED))
    assert errors[0].startswith("intents/extra.yaml:17: example copies dev question D002")
    assert errors[1].startswith("intents/extra.yaml:18: example is a near copy of dev question D003")
    assert len(errors) == 2


def test_dev_check_is_skipped_without_shared(make_kb: MakeKb, tmp_path: Path) -> None:
    assert _errors(check(make_kb("dev_copy"), tmp_path / "no-shared")) == []


def test_topics_copy_must_equal_shared(make_kb: MakeKb) -> None:
    root = make_kb()
    text = (root / "topics.yaml").read_text(encoding="utf-8").replace("garbage collection", "waste")
    (root / "topics.yaml").write_text(text, encoding="utf-8")
    errors = _errors(check(root, SHARED))
    assert len(errors) == 1 and errors[0].startswith("topics.yaml:5: differs from")


def test_repeated_example_inside_one_intent_is_a_warning(make_kb: MakeKb) -> None:
    service = (BASE / "services" / "land_tax_pay.yaml").read_text(encoding="utf-8")
    service = service.replace(
        "      - ภาษีที่ดินผ่อนได้ไหม\n", "      - ภาษีที่ดินผ่อนได้ไหม\n      - จ่ายภาษีแทนพ่อได้ไหม\n"
    )
    problems = check(make_kb(files={"services/land_tax_pay.yaml": service}), SHARED)
    assert [p.severity for p in problems] == ["warning"]
    assert "example repeated in 'land_tax.pay'" in problems[0].message


def test_example_cut_by_a_yaml_comment_is_an_error(make_kb: MakeKb) -> None:
    service = (BASE / "services" / "land_tax_pay.yaml").read_text(encoding="utf-8")
    service = service.replace("      - ภาษีที่ดินผ่อนได้ไหม\n", "      - ภาษีที่ดินผ่อนได้ไหม #3 งวด\n")
    root = make_kb(files={"services/land_tax_pay.yaml": service})
    errors = _errors(check(root, SHARED))
    assert len(errors) == 1 and "' #' starts a YAML comment" in errors[0], errors
    quoted = service.replace("      - ภาษีที่ดินผ่อนได้ไหม #3 งวด\n", '      - "ภาษีที่ดินผ่อนได้ไหม #3 งวด"\n')
    (root / "services" / "land_tax_pay.yaml").write_text(quoted, encoding="utf-8")
    assert _errors(check(root, SHARED)) == []


def test_provisional_code_must_match_its_place(make_kb: MakeKb) -> None:
    laos = (
        (BASE / "laos" / "test.yaml").read_text(encoding="utf-8").replace("code: P-901116", "code: P-901117")
    )
    errors = _errors(check(make_kb(files={"laos/test.yaml": laos}), SHARED))
    assert errors == [
        "laos/test.yaml:20: provisional code should be P-901116 (the geocode of the place named)"
    ]


def test_region_must_match_regions_file(make_kb: MakeKb) -> None:
    laos = (BASE / "laos" / "test.yaml").read_text(encoding="utf-8").replace("region: north", "region: east")
    errors = _errors(check(make_kb(files={"laos/test.yaml": laos}), SHARED))
    assert len(errors) == 1 and "region 'east' but regions.yaml puts" in errors[0]


def test_normaliser() -> None:
    assert normalize("จ่าย ภาษี\u200bที่ดิน ที่ไหนนะคะะ!!") == normalize("จ่ายภาษีที่ดินที่ไหน")
    assert normalize("ไฟดับ ๒ วันแล้วครับบบ") == normalize("ไฟดับ2วันแล้ว")
    assert normalize("ถนนพังงงงง") == normalize("ถนนพัง")
    assert normalize("HELLO") == "helo"
    assert normalize("ครับ") == "ครับ"  # a particle alone is kept: it is the whole text
    assert normalize("ที่ไหน") != normalize("ที่ไห")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "app.py"), *args], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_cli_kb_check_exit_code_and_format(make_kb: MakeKb) -> None:
    bad = _cli("kb", "check", "--root", str(make_kb("few_examples")))
    assert bad.returncode == 1
    first = bad.stdout.splitlines()[0]
    assert first.endswith(
        "intents/extra.yaml:6: error: intent 'report.road' has 3 examples; at least 12 are needed"
    )
    assert bad.stdout.splitlines()[-1].startswith("kb check: 1 error(s)")


def test_cli_kb_export_json_lines(make_kb: MakeKb) -> None:
    import json

    result = _cli("kb", "export", "--root", str(make_kb()))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(rows) == 24
    assert rows[0] == {"text": "จ่ายภาษีที่ดินที่ไหน", "intent": "land_tax.pay", "topic": "land_building_tax"}
    assert "\\u" not in result.stdout  # ensure_ascii=False


def test_label_keys() -> None:
    from knowledge.responses import is_label_key

    assert is_label_key("menu.tax_label") and is_label_key("menu.labels.tax")
    assert is_label_key("topic.garbage") and is_label_key("service.card.fee")
    assert not is_label_key("help.menu") and not is_label_key("greeting.citizen")


def test_topic_labels_must_cover_every_topic(make_kb: MakeKb) -> None:
    responses = (BASE / "responses.yaml").read_text(encoding="utf-8") + "topic:\n  garbage: ขยะ\n"
    problems = check(make_kb(files={"responses.yaml": responses}), SHARED)
    assert [p.message for p in problems] == [
        f"no label topic.{t} for topic '{t}'"
        for t in sorted(("land_building_tax", "complaint_road_light", "officer_login_account", "greeting"))
    ]
    assert {p.severity for p in problems} == {"warning"}


def test_bad_response_leaf_is_an_error(make_kb: MakeKb) -> None:
    problems = check(make_kb(files={"responses.yaml": "greeting:\n  citizen: 42\n"}), SHARED)
    assert _errors(problems) == [
        "responses.yaml:2: response 'greeting.citizen' must be a text or a list of texts"
    ]
