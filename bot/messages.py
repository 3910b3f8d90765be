"""Outgoing message types owned by Thongthin, plus the LINE limits and text measures they must respect.

Handlers build these plain values; only bot/replies.py and the LINE gateway (bot/line_*.py) know the SDK's
models. LINE counts message text in UTF-16 code units but labels in grapheme clusters (a Thai consonant with
its vowel and tone marks is one cluster), so both measures live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import regex

# LINE Messaging API limits (reference: "Send reply message", "Text message", "Quick reply", "Action
# objects").
MAX_MESSAGES = 5
MAX_TEXT_UNITS = 5_000  # UTF-16 code units
MAX_QUICK_REPLIES = 13
MAX_LABEL_GRAPHEMES = 20
MAX_ALT_TEXT_UNITS = 400  # LINE reference (April 2025): 400; the 1,500 first specified would exceed it
MAX_POSTBACK_DATA = 300
MAX_ACTION_TEXT = 300  # message action `text`, postback `displayText`
MAX_BUBBLE_BYTES = 30_000  # flex bubble JSON ("30 KB"); read conservatively as 30,000 bytes
MAX_CAROUSEL_BYTES = 50_000
MAX_CAROUSEL_BUBBLES = 12

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")


def utf16_len(text: str) -> int:
    """Length as LINE counts it: characters outside the BMP (most emoji) take two units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def graphemes(text: str) -> list[str]:
    """User-perceived characters: a Thai base letter keeps its combining vowels and tone marks."""
    return _GRAPHEME.findall(text)


def grapheme_len(text: str) -> int:
    return len(graphemes(text))


def truncate_graphemes(text: str, limit: int) -> str:
    """Shorten to at most `limit` grapheme clusters, ending with an ellipsis when something was cut."""
    clusters = graphemes(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: limit - 1]).rstrip() + ELLIPSIS


def truncate_utf16(text: str, limit: int) -> str:
    """Shorten to at most `limit` UTF-16 units without splitting a grapheme cluster."""
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    used = utf16_len(ELLIPSIS)
    for cluster in graphemes(text):
        size = utf16_len(cluster)
        if used + size > limit:
            break
        kept.append(cluster)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


@dataclass(frozen=True)
class QuickReply:
    """One quick-reply button: a message action when `text` is set, a postback action when `data` is set.

    With neither, tapping the button sends its label as the user's message.
    """

    label: str
    text: str | None = None
    data: str | None = None
    display_text: str | None = None

    def __post_init__(self) -> None:
        if self.text is not None and self.data is not None:
            raise ValueError(f"quick reply {self.label!r}: set either text or data, not both")
        if not self.label.strip():
            raise ValueError("quick reply label must not be empty")

    @property
    def is_postback(self) -> bool:
        return self.data is not None

    @property
    def message_text(self) -> str:
        """What a message action sends on tap (the label when no text was given)."""
        return self.text if self.text is not None else self.label


def _as_tuple(items: Any) -> tuple[QuickReply, ...]:
    return tuple(items) if items else ()


@dataclass(frozen=True)
class TextOut:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()

    def __post_init__(self) -> None:
        # Accept lists from callers while keeping the value immutable.
        object.__setattr__(self, "quick_replies", _as_tuple(self.quick_replies))


@dataclass(frozen=True)
class FlexOut:
    alt_text: str
    contents: dict[str, Any] = field(hash=False)
    quick_replies: tuple[QuickReply, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "quick_replies", _as_tuple(self.quick_replies))


OutMessage = TextOut | FlexOut
