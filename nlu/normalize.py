"""Step 1: put a message in one canonical form (Unicode, digits, case, repeats, spellings)."""
from __future__ import annotations

import re
import unicodedata

from pythainlp import thai_above_vowels, thai_below_vowels, thai_follow_vowels, thai_lead_vowels, thai_tonemarks
from pythainlp.util import normalize as thai_normalize

from nlu.literals import trie_regex
from nlu.resources import NluData

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Zero-width and format characters people paste from other apps; they split words invisibly.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_ODD_SPACE = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# What _ODD_SPACE would change (every character it lists is \s): whitespace other than " ", or two
# spaces. Most texts have neither; finding that out costs half the substitution.
_NOT_ONE_SPACE = re.compile(r"[^\S ]|  ")
_THAI_DIGIT = re.compile("[๐-๙]")
# A Thai letter typed 4+ times, or 3+ times at the end of a run (ครับบบ, มากกกก), is emphasis, not
# spelling. Three inside a run can be real: คะแนนนี่ = คะแนน + นี่.
# One alternation, so each letter is tried once: 4+ (the rest of the run), or exactly 3 before a non-letter.
_THAI_REPEAT = re.compile(r"([\u0e01-\u0e4e])\1\1(?:\1+|(?![\u0e01-\u0e4e]))")
# An elongated ค่า is always the particle ค่ะ, never the word "value" (ขอบคุณค่าาา).
_ELONGATED_KA = re.compile(r"(?:ค่า|คร่า|ค้า)า+")
# Final consonant doubled on a particle (ครับบ, ค้าบบ, งับบ).
_PARTICLE_REPEAT = re.compile(r"(ครั|คั|ค้า|คร้า|งั|ฮั)บบ+")
_PUNCT_REPEAT = re.compile(r"([!?.,~^*=\-_])\1+")
_MAX_CHARS = 4000  # longer messages are cut: nothing useful for intent lies past this

# PyThaiNLP's normalize() runs ~20 regex passes (~150 us). Most messages need none of them, so it only
# runs when one of the things it repairs is present: doubled Sara E, mark order, repeated vowels/marks,
# stray marks after a space or at the start.
_MARKS = f"{thai_above_vowels}{thai_below_vowels}{thai_tonemarks}\u0e3a\u0e4c\u0e4d\u0e4e"
_VOWELS = f"{thai_follow_vowels}{thai_lead_vowels}{thai_above_vowels}{thai_below_vowels}\u0e3a\u0e4c\u0e4d\u0e4e"
_NEEDS_THAI_NORMALIZE = re.compile(
    f"\u0e40\u0e40|[{thai_tonemarks}\u0e4c][{thai_above_vowels}{thai_below_vowels}]|\u0e4d[{thai_tonemarks}]*\u0e32"
    f"|[{thai_follow_vowels}][{thai_tonemarks}]|\u0e45|([{_VOWELS}]) *\\1|[{thai_tonemarks}]{{2}}"
    f"| [{_MARKS}]|^[{_MARKS}]"
)


class Normalizer:
    """Compiled from NluData once; `__call__` is the per-message step."""

    def __init__(self, data: NluData) -> None:
        self._data = data
        self._literal = trie_regex(data.replacements)  # at each position the longest form, as a trie
        # one pass per list instead of one per pattern (each regex pass costs a few microseconds)
        self._laugh_re = _union([p.pattern for p in data.laughter])
        self._targets = {f"r{i}": target for i, (_, target) in enumerate(data.regex_replacements)}
        self._spelling_re = _union([p.pattern for p, _ in data.regex_replacements], named=True)
        # the same union without names: the regex engine can then skip to the patterns' first letters,
        # so finding out that nothing matches (most messages) costs a third
        self._spelling_any = _union([p.pattern for p, _ in data.regex_replacements])

    def __call__(self, text: str) -> str:
        text = clean_text(text[: _MAX_CHARS * 2])[:_MAX_CHARS]
        text = collapse_repeats(self._laughter(text))  # laughter first: ถถถ must not collapse to ถ
        text = self._replace(text)
        return _single_spaces(text).strip()

    def _laughter(self, text: str) -> str:
        if self._laugh_re is None:
            return text
        return self._laugh_re.sub(f" {self._data.laughter_token} ", text)

    def _replace(self, text: str) -> str:
        if self._spelling_re is not None and self._spelling_any.search(text):
            text = self._spelling_re.sub(lambda m: self._targets[str(m.lastgroup)], text)
        if self._literal is None:
            return text
        table = self._data.replacements
        return self._literal.sub(lambda m: table[m.group(0)], text)


def _union(patterns: list[str], named: bool = False) -> re.Pattern[str] | None:
    """The patterns as one alternation (named r0, r1... to tell which matched). The data patterns match
    different things, so one pass finds what applying them one after another would."""
    if not patterns:
        return None
    if any(re.compile(p).groups for p in patterns):
        raise ValueError("NLU data patterns must not use capturing groups; use (?:...)")
    return re.compile("|".join(f"(?P<r{i}>{p})" if named else f"(?:{p})" for i, p in enumerate(patterns)))


def clean_text(text: str) -> str:
    """NFC, invisible characters, odd whitespace, Thai digits and Latin case (lengths may change)."""
    text = unicodedata.normalize("NFC", text)
    text = _single_spaces(_INVISIBLE.sub("", text))
    if _THAI_DIGIT.search(text):  # translate() costs ~3 us even when it changes nothing
        text = text.translate(_THAI_DIGITS)
    return text.lower()


def _single_spaces(text: str) -> str:
    """Every whitespace run as one space."""
    return _ODD_SPACE.sub(" ", text) if _NOT_ONE_SPACE.search(text) else text


def collapse_repeats(text: str) -> str:
    """Vowel/mark order and repeats (PyThaiNLP), then letters and punctuation typed 3+ times."""
    if _NEEDS_THAI_NORMALIZE.search(text):
        text = thai_normalize(text)
    text = _ELONGATED_KA.sub("ค่ะ", text)
    text = _THAI_REPEAT.sub(r"\1", text)
    if "บบ" in text:  # what _PARTICLE_REPEAT needs; a substring test costs next to nothing
        text = _PARTICLE_REPEAT.sub(r"\1บ", text)
    return _PUNCT_REPEAT.sub(r"\1", text).strip()
