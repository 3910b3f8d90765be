"""`thongthin kb check`: every problem in the knowledge base, as errors (CI fails) and warnings.

Rules: YAML syntax and schema (unknown/missing keys, wrong values); duplicate ids; unknown topics, sources,
services, articles and provinces; LAO region and provisional codes; intents with fewer than 12 examples; the
same example under two intents, or the same after normalisation; examples copied from ../shared/eval/dev.tsv;
LINE length limits; URLs that no source record backs; intent `focus` outside services; topics.yaml differing
from ../shared/topics.yaml; sources that nothing cites (warning).
"""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.lint_examples import check_dev_copies, check_examples
from knowledge.lint_laos import check_laos
from knowledge.lint_text import check_limits, check_topic_labels, check_urls
from knowledge.loader import PACKAGE_ROOT, collect
from knowledge.problems import Problem, error, warning
from knowledge.validate import walk


def default_shared(root: Path) -> Path:
    """The shared folder next to the repository (absent when the package is installed elsewhere)."""
    return root.resolve().parent.parent / "shared"


def check(root: Path | None = None, shared: Path | None = None) -> list[Problem]:
    """All problems, sorted by file and line. `shared` defaults to <repo>/../shared where that exists."""
    root = Path(root) if root is not None else PACKAGE_ROOT
    shared = shared if shared is not None else default_shared(root)
    kb, problems = collect(root)
    problems += check_examples(kb)
    problems += check_limits(kb)
    problems += check_urls(kb)
    problems += check_topic_labels(kb)
    problems += check_laos(kb)
    problems += _focus_outside_services(kb)
    problems += _unused_sources(kb)
    problems += check_topics_copy(root, shared)
    dev = shared / "eval" / "dev.tsv"
    if dev.is_file():
        problems += check_dev_copies(kb, dev)
    return sorted(set(problems))


def check_topics_copy(root: Path, shared: Path) -> list[Problem]:
    theirs = shared / "topics.yaml"
    ours = root / "topics.yaml"
    if not theirs.is_file() or not ours.is_file():
        return []
    a, b = ours.read_text(encoding="utf-8").splitlines(), theirs.read_text(encoding="utf-8").splitlines()
    if ours.read_bytes() == theirs.read_bytes():
        return []
    line = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False), start=1) if x != y), min(len(a), len(b)) + 1
    )
    return [
        error(
            "topics.yaml",
            line,
            f"differs from {theirs} (first difference on this line); copy the shared file unchanged",
        )
    ]


def _focus_outside_services(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for intent_id, intent in kb.intents.items():
        if intent.focus and intent.answer.kind != "service":
            origin = kb.origins[f"intent:{intent_id}"]
            problems.append(
                error(origin.path, origin.line("focus"), "focus is only for intents of a service")
            )
    return problems


def cited_sources(kb: KnowledgeBase) -> set[str]:
    cited: set[str] = set()
    for _, _, record, _ in kb.records("service", "article", "lao", "override", "intent"):
        for loc, value in walk(record):
            if (
                loc
                and isinstance(value, str)
                and (loc[-1] == "source" or (len(loc) > 1 and loc[-2] == "sources"))
            ):
                cited.add(value)
    return cited


def _unused_sources(kb: KnowledgeBase) -> list[Problem]:
    cited = cited_sources(kb)
    problems = []
    for source_id in kb.sources.keys() - cited:
        origin = kb.origins[f"source:{source_id}"]
        problems.append(warning(origin.path, origin.line("id"), f"source '{source_id}' is cited nowhere"))
    return problems
