"""knowledge/topics.yaml is the project's own copy of ../shared/topics.yaml and must stay equal to it."""

from __future__ import annotations

import pytest

from knowledge.lint import check_topics_copy, default_shared
from knowledge.topics import parse_topics
from tests.knowledge.conftest import REAL_ROOT

SHARED_TOPICS = default_shared(REAL_ROOT) / "topics.yaml"


@pytest.mark.skipif(
    not SHARED_TOPICS.is_file(), reason="../shared/topics.yaml is not next to this repository"
)
def test_topics_copy_equals_shared() -> None:
    assert (REAL_ROOT / "topics.yaml").read_bytes() == SHARED_TOPICS.read_bytes()
    assert check_topics_copy(REAL_ROOT, SHARED_TOPICS.parent) == []


def test_topics_file_reads_every_group() -> None:
    table = parse_topics((REAL_ROOT / "topics.yaml").read_text(encoding="utf-8"))
    assert table.problems == []
    assert set(table.groups) == {"citizen_services", "citizen_reports", "officer_helpdesk", "conversation"}
    assert table.topic_groups()["out_of_scope"] == "conversation"
    # a description with ": " inside (not strict YAML) and one continued on the next line are read whole
    assert table.groups["officer_helpdesk"]["officer_other_systems"].endswith("systems: where to ask")
    assert table.groups["citizen_reports"]["public_order"].endswith("graffiti, homeless people")
