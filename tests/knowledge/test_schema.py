"""Each kind of schema error is reported with the file and the line it is on."""

from __future__ import annotations

import re

import pytest

from knowledge.loader import collect, load_knowledge
from knowledge.problems import KnowledgeError
from knowledge.schema import Answer, Deadline
from tests.knowledge.conftest import BASE, MakeKb

SOURCE_OK = "sources:\n  - id: src_x\n    title: X\n    url: https://example.go.th/x\n    as_of: 2025-01-01\n"
INTENT_HEAD = "intents:\n  - id: extra.one\n    audience: citizen\n    topic: garbage\n"
EXAMPLES = "    examples: [a1, b2, c3, d4, e5, f6, g7, h8, i9, j10, k11, l12]\n"
SERVICE = (BASE / "services" / "land_tax_pay.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


CASES = [
    # (file, content, line, message fragment)
    ("sources/extra.yaml", SOURCE_OK + "    pubisher: typo\n", 6, "unknown key 'pubisher'"),
    (
        "sources/extra.yaml",
        "sources:\n  - id: src_x\n    title: X\n    as_of: 2025-01-01\n",
        2,
        "missing key 'url'",
    ),
    ("sources/extra.yaml", SOURCE_OK.replace("2025-01-01", "2025-13-01"), 5, "month must be in 1..12"),
    ("sources/extra.yaml", SOURCE_OK.replace("2025-01-01", "next week"), 5, "as_of"),
    ("sources/extra.yaml", SOURCE_OK.replace("https://example.go.th/x", "example.go.th/x"), 4, "url"),
    (
        "intents/extra.yaml",
        INTENT_HEAD.replace("citizen", "citizens") + "    answer: {kind: report}\n" + EXAMPLES,
        3,
        "audience",
    ),
    (
        "intents/extra.yaml",
        INTENT_HEAD + "    answer: {kind: redirect, text: go}\n" + EXAMPLES,
        5,
        "answer kind 'redirect' needs: source",
    ),
    (
        "intents/extra.yaml",
        INTENT_HEAD + "    answer: {kind: action, action: greeting, text: hi}\n" + EXAMPLES,
        5,
        "answer kind 'action' does not use: text",
    ),
    (
        "intents/extra.yaml",
        INTENT_HEAD + "    answer: {kind: report}\n    examples: []\n",
        6,
        "at least 1 item",
    ),
    (
        "intents/extra.yaml",
        INTENT_HEAD.replace("extra.one", "Extra One") + "    answer: {kind: report}\n" + EXAMPLES,
        2,
        "id",
    ),
    (
        "intents/extra.yaml",
        INTENT_HEAD + "    answer: {kind: report}\n" + EXAMPLES + "    answr: x\n",
        7,
        "unknown key 'answr'",
    ),
    (
        "services/land_tax_pay.yaml",
        SERVICE.replace("month: 4, day: 30", "month: 2, day: 30"),
        _line_of(SERVICE, "month: 4"),
        "30/2 is not a day of the year",
    ),
    ("services/land_tax_pay.yaml", SERVICE.replace("division: กองคลัง\n", ""), 1, "missing key 'division'"),
    (
        "laos/test.yaml",
        'laos:\n  - code: "12345"\n    name: x\n    type: sao\n    province: x\n    region: east\n',
        2,
        "code",
    ),
    (
        "laos/test.yaml",
        "laos:\n  - code: P-5201\n    name: x\n    type: town\n    province: x\n    region: east\n",
        4,
        "type",
    ),
    (
        "helpdesk/a.yaml",
        "articles:\n  - id: a\n    topic: garbage\n    title: t\n    answer: x\n    source: src_tax_act\n"
        "    intent: {id: officer.a, examples: [x]}\n",
        2,
        "missing key 'verified'",
    ),
    ("intents/extra.yaml", "intents:\n  - id: x\n    examples: [a, b\n", 3, "YAML syntax"),
    (
        "intents/extra.yaml",
        INTENT_HEAD + "    topic: garbage\n",
        5,
        "duplicate key 'topic' (first on line 4)",
    ),
    ("topics.yaml", "conversation:\n  greeting: hello\n bad line\n", 3, "expected 'group:'"),
]


@pytest.mark.parametrize(("rel", "text", "line", "fragment"), CASES)
def test_schema_error_names_file_and_line(
    make_kb: MakeKb, rel: str, text: str, line: int, fragment: str
) -> None:
    root = make_kb(files={rel: text})
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    lines = str(caught.value).splitlines()[1:]
    assert any(entry.startswith(f"{rel}:{line}: ") and fragment in entry for entry in lines), lines


def test_every_problem_line_has_path_line_message(make_kb: MakeKb) -> None:
    root = make_kb(files={"sources/extra.yaml": SOURCE_OK + "    pubisher: typo\n    colour: red\n"})
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    entries = str(caught.value).splitlines()[1:]
    assert len(entries) == 2
    assert all(re.match(r"^[\w/.-]+\.yaml:\d+: \S", entry) for entry in entries)


def test_duplicate_intent_id_across_files(make_kb: MakeKb) -> None:
    text = INTENT_HEAD.replace("extra.one", "land_tax.pay") + "    answer: {kind: report}\n" + EXAMPLES
    _, problems = collect(make_kb(files={"intents/extra.yaml": text}))
    assert [str(p) for p in problems if "duplicate intent" in p.message] == [
        "intents/extra.yaml:2: error: duplicate intent id 'land_tax.pay' "
        "(first in services/land_tax_pay.yaml:25)"
    ]


def test_broken_item_does_not_hide_the_rest_of_the_file(make_kb: MakeKb) -> None:
    good = "  - id: src_y\n    title: Y\n    url: https://example.go.th/y\n    as_of: 2025-01-01\n"
    kb, problems = collect(make_kb(files={"sources/extra.yaml": SOURCE_OK + "    pubisher: typo\n" + good}))
    assert "src_y" in kb.sources and "src_x" not in kb.sources
    assert len([p for p in problems if p.severity == "error"]) == 1


def test_yaml_yes_no_become_online_values() -> None:
    from knowledge.schema import Channels

    assert Channels(online=True).online == "yes"
    assert Channels(online=False).online == "no"


def test_answer_and_deadline_models_directly() -> None:
    assert Answer(kind="report").category is None
    with pytest.raises(ValueError, match="needs: ref"):
        Answer(kind="service")
    assert Deadline(label="x", month=2, day=29, source="s").day == 29


def test_fields_set_by_effective_service_are_not_written_in_files(make_kb: MakeKb) -> None:
    service = SERVICE.replace("division: กองคลัง\n", "division: กองคลัง\nlocal_note: x\n")
    with pytest.raises(KnowledgeError, match=r"services/land_tax_pay.yaml:6: 'local_note' is set from LAO"):
        load_knowledge(make_kb(files={"services/land_tax_pay.yaml": service}))
