"""A small, aggressive normaliser used only to spot duplicate examples (knowledge must not import nlu).

Two texts that normalise to the same string say the same thing for training purposes: they differ only in
spacing, zero-width characters, Thai vs Arabic digits, case, punctuation, repeated letters ("มากกกก") or
trailing polite particles.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_REPEATS = re.compile(r"(.)\1+")
# Polite particles; in the text each letter after the first may be repeated ("ครับบบ", "ค่ะะ").
_PARTICLES = (
    "ครับ",
    "ครับผม",
    "คับ",
    "คับผม",
    "ค้าบ",
    "คร้าบ",
    "ขรับ",
    "ฮะ",
    "ฮับ",
    "งับ",
    "ค่ะ",
    "คะ",
    "ค่า",
    "คร่ะ",
    "จ้า",
    "จ้ะ",
    "จ๊ะ",
    "จ๋า",
    "นะ",
    "น้า",
    "นะคะ",
    "นะครับ",
    "เด้อ",
    "เนาะ",
    "คร้า",
)
_TRAILING = re.compile(
    "(?:"
    + "|".join(
        re.escape(p[0]) + "".join(re.escape(c) + "+" for c in p[1:])
        for p in sorted(_PARTICLES, key=len, reverse=True)
    )
    + ")$"
)


def _keep(ch: str) -> bool:
    category = unicodedata.category(ch)
    return not (category.startswith(("P", "S", "Z", "C")))


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH).translate(_THAI_DIGITS).lower()
    text = "".join(ch for ch in text if _keep(ch))
    while (match := _TRAILING.search(text)) and match.start() > 0:
        text = text[: match.start()]
    return _REPEATS.sub(r"\1", text)
