"""Personal data in messages: Thai ID numbers (checksum-verified), phone numbers, e-mail addresses.

Spans are offsets into the text as given (Thai digits count as digits; they are one character each,
so offsets are the same before and after digit conversion).
"""
from __future__ import annotations

import re

from nlu.types import PiiSpan

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# 13 digits, optionally grouped 1-4-5-2-1 with spaces or dashes, not part of a longer number.
_ID = re.compile(r"(?<![\d])(\d)[ -]?(\d{4})[ -]?(\d{5})[ -]?(\d{2})[ -]?(\d)(?![\d])")
# Thai mobile (06/08/09 + 8 digits) and landline (02-07 + 7 digits), optionally +66 instead of 0.
_PHONE = re.compile(
    r"(?<![\d+])(?:\+66[ -]?|0)(?:[689](?:[ -]?\d){8}|[2-7](?:[ -]?\d){7})(?![\d])"
)
_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}", re.IGNORECASE)
# Every pattern above needs a digit (\d: any Unicode digit, Thai ones included) or an @; most messages
# have neither, and this one scan is cheaper than the three passes it saves.
_MAY_HOLD_PII = re.compile(r"[\d@]")
MASKS = {"thai_id": "[THAI_ID]", "phone": "[PHONE]", "email": "[EMAIL]"}


def thai_id_valid(digits: str) -> bool:
    """The 13th digit is (11 - sum(d_i * (14 - i)) mod 11) mod 10 over the first 12 digits."""
    digits = re.sub(r"[ -]", "", digits.translate(_THAI_DIGITS))
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Every ID number, phone number and e-mail address, in order, without overlaps."""
    if not _MAY_HOLD_PII.search(text):
        return ()
    plain = text.translate(_THAI_DIGITS)
    spans = [PiiSpan("thai_id", m.start(), m.end()) for m in _ID.finditer(plain) if thai_id_valid(m.group(0))]
    spans += [PiiSpan("phone", m.start(), m.end()) for m in _PHONE.finditer(plain)]
    spans += [PiiSpan("email", m.start(), m.end()) for m in _EMAIL.finditer(plain)]
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return tuple(kept)


def redact(text: str) -> str:
    """The text with every detected ID number, phone number and e-mail replaced by a placeholder.

    The placeholders are ASCII labels for logs and mentor views, never text shown to users.
    """
    out, last = [], 0
    for span in find_pii(text):
        out.append(text[last : span.start])
        out.append(MASKS[span.kind])
        last = span.end
    out.append(text[last:])
    return "".join(out)
