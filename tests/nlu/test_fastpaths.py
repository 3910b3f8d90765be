"""The speed-ups must never change a result: trie regexes, skip pre-checks, the n-gram tables, ranking.

Each test compares a fast path with the slow form it replaced, on generated text that is dense in what
the path looks for (digits, month names, spaces, repeats...), so the pre-checks are exercised both ways.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import dates, entities, normalize, pii
from nlu.engine import rank_topics
from nlu.fastscore import GramCoder
from nlu.index import IntentIndex
from nlu.literals import trie_pattern
from nlu.normalize import Normalizer
from nlu.policy import Ranked

ALWAYS = re.compile("")  # a pre-check that always says "may match": the slow path


class _AlwaysFinds:
    """A pattern that is also used for real lookups: its own match where there is one, else an empty one."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) or ALWAYS.search(text)


def _texts(pieces: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


# ---- trie regexes ----------------------------------------------------------------------------------
WORDS = st.lists(st.text(alphabet="ab.c*", min_size=1, max_size=5), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.text(alphabet="ab.c* x", max_size=40))
def test_trie_matches_like_longest_first_alternation(words: list[str], text: str) -> None:
    plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    trie = re.compile(trie_pattern(words))
    assert [m.group() for m in trie.finditer(text)] == [m.group() for m in plain.finditer(text)]
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_trie_refuses_an_empty_word() -> None:
    with pytest.raises(ValueError):
        trie_pattern(["a", ""])


# ---- normaliser --------------------------------------------------------------------------------------
NORMALIZE_PIECES = [" ", "  ", "\t", "\u00a0", "\u3000", "\n", "\u200b", "๑", "๒๕", "3", "ครับบบ",
                    "ค้าบบ", "บบ", "บ", "ค่าาา", "ถถถ", "555", "มากกกก", "กกก", "กกกก", "กก", "ๆ",
                    "ฮ่าฮ่า", "!!!", "..", "เเ", "่่", "ภ.ด.ส.3", "ภดส๓", "ม.39 ทวิ", "อบต.", "อบต",
                    "e-service", "LINE", "ขอ", "น้ำ"]


def _old_thai_repeat(text: str) -> str:
    old = re.compile(r"([\u0e01-\u0e4e])\1{3,}|([\u0e01-\u0e4e])\2{2,}(?![\u0e01-\u0e4e])")
    return old.sub(lambda m: m.group(1) or m.group(2), text)


@settings(max_examples=300, deadline=None)
@given(_texts(NORMALIZE_PIECES))
def test_thai_repeat_as_one_alternation(text: str) -> None:
    assert normalize._THAI_REPEAT.sub(r"\1", text) == _old_thai_repeat(text)


@settings(max_examples=300, deadline=None)
@given(text=_texts(NORMALIZE_PIECES))
def test_normalizer_prechecks_change_nothing(nlu_data, text: str) -> None:  # noqa: ANN001
    fast = Normalizer(nlu_data)
    slow = Normalizer(nlu_data)
    slow._spelling_any = ALWAYS
    expected = fast(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(normalize, "_NOT_ONE_SPACE", ALWAYS)
        patch.setattr(normalize, "_THAI_DIGIT", ALWAYS)
        assert slow(text) == expected


# ---- entities and PII ------------------------------------------------------------------------------
ENTITY_PIECES = [*list(dates.MONTH_FORMS)[::3], "เดือน", "ปี", "พ.ศ.", " ", "/", "12", "3", "2567", "67",
                 "1,500", ".50", "บาท", "฿", "บ.", "ห้าร้อย", "สองพัน", "ภ.ด.ส.", "ข.", "มาตรา 39 ทวิ",
                 "วันนี้", "ขอ", "ตำบล", "อำเภอ", "เชียงใหม่", "๑๒", "0812345678", "1103702071811", "a@b.co",
                 "@", "x"]


@settings(max_examples=400, deadline=None)
@given(_texts(ENTITY_PIECES))
def test_date_amount_and_form_code_prechecks_change_nothing(text: str) -> None:
    fast = (dates.find_dates(text), dates.find_amounts(text), entities.EntityExtractor._form_codes(text))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "DIGIT", ALWAYS)  # entities' form-code pre-check reads it too
        patch.setattr(dates, "_ANY_MONTH", _AlwaysFinds(dates._ANY_MONTH))
        slow = (dates.find_dates(text), dates.find_amounts(text), entities.EntityExtractor._form_codes(text))
    assert fast == slow


@settings(max_examples=400, deadline=None)
@given(_texts(ENTITY_PIECES + ["๐๘๑๒๓๔๕๖๗๘", "+66 81 234 5678", "02-123-4567", "Ab.C@Example.COM", "٣"]))
def test_pii_precheck_changes_nothing(text: str) -> None:
    fast = pii.find_pii(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pii, "_MAY_HOLD_PII", ALWAYS)
        assert pii.find_pii(text) == fast


def test_pii_precheck_sees_thai_digits_and_at_signs() -> None:
    assert [s.kind for s in pii.find_pii("โทร ๐๘๑๒๓๔๕๖๗๘ หรือ a@b.co")] == ["phone", "email"]


# ---- n-gram tables -----------------------------------------------------------------------------------
def _reference_ids(vocab: dict[str, int], signal: str) -> list[int]:
    """Every 3-gram of the padded signal in order, then every 4-gram, as term ids where they are terms."""
    padded = f" {signal} "
    grams = [padded[i : i + n] for n in (3, 4) for i in range(len(padded) - n + 1)]
    return [vocab[g] for g in grams if g in vocab]


VOCAB_TERMS = [" ขอ", "ขอ ", " ขอ ", "ขอบ", "ขอบค", "อบค", "บคุ", "บคุณ", " a.", "a.b", "a.b ", "ab ", " ab",
               " ab ", "ถนน", "ถนน ", "นน "]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ขอบคุณถน ab.😀x\u0e4f", max_size=30))
def test_gram_coder_yields_ids_in_gram_order(signal: str) -> None:
    vocab = {t: i for i, t in enumerate(sorted(set(VOCAB_TERMS)))}
    assert GramCoder(vocab).ids_of(signal).tolist() == _reference_ids(vocab, signal)


def test_gram_coder_refuses_huge_alphabets() -> None:
    with pytest.raises(ValueError):
        GramCoder({chr(0x4E00 + i) * 3: i for i in range(5000)})


# ---- ranking -----------------------------------------------------------------------------------------
def _reference_rank(scores: np.ndarray, index: IntentIndex, keep: int = 4) -> list[Ranked]:
    """rank_topics as it was: numpy argsort (stable) over the per-topic maxima."""
    grouped = scores[index.by_topic]
    best = np.maximum.reduceat(grouped, index.topic_starts)
    ranked = []
    for t in np.argsort(-best, kind="stable")[:keep].tolist():
        if not np.isfinite(best[t]):
            break
        start, end = index.topic_starts[t], index.topic_ends[t]
        i = int(index.by_topic[start + int(np.argmax(grouped[start:end]))])
        ranked.append(Ranked(index.intent_ids[i], index.topics[i], float(scores[i])))
    return ranked


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([-np.inf, -1.0, -0.0, 0.0, 0.25, 1.0, 2.0])),
                min_size=1, max_size=30))
def test_rank_topics_equals_the_argsort_ranking(rows: list[tuple[int, float]]) -> None:
    index = IntentIndex([f"i{n}" for n in range(len(rows))], [f"t{t}" for t, _ in rows], ["any"] * len(rows),
                        scorer=None)  # type: ignore[arg-type] - ranking never touches the scorer
    scores = np.array([s for _, s in rows], dtype=np.float32)
    assert rank_topics(scores, index) == _reference_rank(scores, index)
