"""Lint rules on intent examples: enough of them, no duplicates across intents, no copies of the dev set."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.base import KnowledgeBase
from knowledge.problems import Problem, error, warning
from knowledge.textnorm import normalize

MIN_EXAMPLES = 12
DEV_SIMILARITY = 90  # rapidfuzz ratio on normalised text: at or above, an example is a near copy
DEV_PART_SIMILARITY = 95  # partial_ratio for long examples that copy a piece of a longer dev question
DEV_PART_MIN_LENGTH = 20
DEV_SHORT = 12  # below this many normalised characters a near match is only a warning: short phrases collide


@dataclass(frozen=True)
class Example:
    text: str
    norm: str
    intent: str
    path: str
    line: int


def iter_located_examples(kb: KnowledgeBase) -> Iterator[Example]:
    for intent_id, intent in kb.intents.items():
        origin = kb.origins[f"intent:{intent_id}"]
        for i, text in enumerate(intent.examples):
            yield Example(text, normalize(text), intent_id, origin.path, origin.line("examples", i))


def check_examples(kb: KnowledgeBase) -> list[Problem]:
    problems = []
    for intent_id, intent in kb.intents.items():
        if len(intent.examples) < MIN_EXAMPLES:
            origin = kb.origins[f"intent:{intent_id}"]
            problems.append(
                error(
                    origin.path,
                    origin.line("examples"),
                    f"intent '{intent_id}' has "
                    f"{len(intent.examples)} examples; at least {MIN_EXAMPLES} are needed",
                )
            )
    examples = list(iter_located_examples(kb))
    return problems + _duplicates(examples) + _cut_by_comment(examples, Path(kb.root))


def _cut_by_comment(examples: list[Example], root: Path) -> list[Problem]:
    """An unquoted example holding " #" loses the rest to a YAML comment ("เรื่อง #15 คืบหน้ายังคะ" loads as
    "เรื่อง"), silently: the loaded text has no "#" while its source line has one after a space."""
    lines: dict[str, list[str]] = {}
    problems = []
    for ex in examples:
        if "#" in ex.text:
            continue
        if ex.path not in lines:
            lines[ex.path] = (root / ex.path).read_text(encoding="utf-8").splitlines()
        source = lines[ex.path][ex.line - 1] if 0 < ex.line <= len(lines[ex.path]) else ""
        if " #" in source.split("- ", 1)[-1]:
            problems.append(error(ex.path, ex.line, f"' #' starts a YAML comment: quote the example ({source.strip()})"))
    return problems


def _duplicates(examples: list[Example]) -> list[Problem]:
    problems = []
    by_text: dict[str, Example] = {}
    by_norm: dict[str, Example] = {}
    for ex in examples:
        first = by_text.get(ex.text)
        if first and first.intent == ex.intent:
            problems.append(warning(ex.path, ex.line, f"example repeated in '{ex.intent}': {ex.text}"))
        elif first:
            problems.append(
                error(
                    ex.path,
                    ex.line,
                    f"example also under '{first.intent}' ({first.path}:{first.line}): {ex.text}",
                )
            )
        else:
            near = by_norm.get(ex.norm)
            if near and near.intent != ex.intent and ex.norm:
                problems.append(
                    error(
                        ex.path,
                        ex.line,
                        f"example is a near-duplicate of one under "
                        f"'{near.intent}' ({near.path}:{near.line}): {ex.text} ~ {near.text}",
                    )
                )
        by_text.setdefault(ex.text, ex)
        by_norm.setdefault(ex.norm, ex)
    return problems


def read_dev_questions(dev_file: Path) -> list[tuple[str, str]]:
    """(id, question) rows of shared/eval/dev.tsv."""
    with dev_file.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["id"], row["question"]) for row in rows if row.get("question")]


def check_dev_copies(kb: KnowledgeBase, dev_file: Path) -> list[Problem]:
    """Dev questions must never be examples: not verbatim, not after normalisation, not nearly."""
    questions = read_dev_questions(dev_file)
    dev_norm = [normalize(q) for _, q in questions]
    exact = {norm: qid for (qid, _), norm in zip(questions, dev_norm, strict=True)}
    grams = _gram_index(dev_norm)
    problems = []
    for ex in iter_located_examples(kb):
        if not ex.norm:
            continue
        if ex.norm in exact:
            message = f"example copies dev question {exact[ex.norm]}: {ex.text}"
            problems.append(error(ex.path, ex.line, message))
            continue
        close = process.extractOne(ex.norm, dev_norm, scorer=fuzz.ratio, score_cutoff=DEV_SIMILARITY)
        hit = (close[1], close[2]) if close else None
        if hit is None and len(ex.norm) >= DEV_PART_MIN_LENGTH:
            hit = _piece_of_longer(ex.norm, dev_norm, grams)
        if hit is not None:
            score, index = hit
            short = min(len(ex.norm), len(dev_norm[index])) < DEV_SHORT
            message = (
                f"example is a near copy of dev question {questions[index][0]} (similarity {score:.0f}): "
            )
            problems.append((warning if short else error)(ex.path, ex.line, message + ex.text))
    return problems


GRAM = 8  # a piece copied from a dev question shares at least one 8-character run with it


def _gram_index(dev_norm: list[str]) -> dict[str, set[int]]:
    index: dict[str, set[int]] = {}
    for i, text in enumerate(dev_norm):
        for start in range(len(text) - GRAM + 1):
            index.setdefault(text[start : start + GRAM], set()).add(i)
    return index


def _piece_of_longer(norm: str, dev_norm: list[str], grams: dict[str, set[int]]) -> tuple[float, int] | None:
    """A dev question, at least as long as the example, that contains (nearly) the whole example.

    partial_ratio is slow on long texts, so only dev questions sharing a run of GRAM characters are scored."""
    candidates = set()
    for start in range(len(norm) - GRAM + 1):
        candidates |= grams.get(norm[start : start + GRAM], set())
    best: tuple[float, int] | None = None
    for i in sorted(candidates):
        if len(dev_norm[i]) < len(norm):
            continue
        score = fuzz.partial_ratio(norm, dev_norm[i], score_cutoff=DEV_PART_SIMILARITY)
        if score and (best is None or score > best[0]):
            best = (score, i)
    return best
