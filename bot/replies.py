"""Reply building: handlers add messages, `build()` makes them fit LINE's limits before anything is sent.

LINE rejects a whole request when one field breaks a limit, so the builder repairs what it can (split long
text, merge or drop surplus messages, shorten labels and alt texts) and raises only on programming errors
(postback data or message-action text too long, which would change what a tap means).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from linebot.v3.messaging import (
    FlexContainer,
    FlexMessage,
    Message,
    MessageAction,
    PostbackAction,
    QuickReplyItem,
    TextMessage,
)
from linebot.v3.messaging import QuickReply as LineQuickReply

from bot.messages import (
    ELLIPSIS,
    MAX_ACTION_TEXT,
    MAX_ALT_TEXT_UNITS,
    MAX_BUBBLE_BYTES,
    MAX_CAROUSEL_BUBBLES,
    MAX_CAROUSEL_BYTES,
    MAX_LABEL_GRAPHEMES,
    MAX_MESSAGES,
    MAX_POSTBACK_DATA,
    MAX_QUICK_REPLIES,
    MAX_TEXT_UNITS,
    FlexOut,
    OutMessage,
    QuickReply,
    TextOut,
    graphemes,
    truncate_graphemes,
    truncate_utf16,
    utf16_len,
)

log = logging.getLogger(__name__)

# Preferred places to split a long text, best first. Thai ends sentences with a space, not a full stop.
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", " ")
_MERGE_JOINER = "\n\n"


class ReplyBuilder:
    """Collects a handler's answer; `build()` returns it fitted to LINE's limits."""

    def __init__(self) -> None:
        self._messages: list[OutMessage] = []

    def text(self, text: str) -> ReplyBuilder:
        self._messages.append(TextOut(text))
        return self

    def flex(self, alt_text: str, contents: dict[str, Any]) -> ReplyBuilder:
        self._messages.append(FlexOut(alt_text, contents))
        return self

    def quick_replies(self, items: Iterable[QuickReply]) -> ReplyBuilder:
        """Attach quick replies to the last message (LINE shows them only on the last one of a batch)."""
        if not self._messages:
            raise ValueError("add a message before its quick replies")
        self._messages[-1] = replace(self._messages[-1], quick_replies=tuple(items))
        return self

    @property
    def messages(self) -> list[OutMessage]:
        return list(self._messages)

    def build(self) -> list[OutMessage]:
        return enforce_limits(self._messages)


def enforce_limits(messages: Sequence[OutMessage]) -> list[OutMessage]:
    """Return messages LINE will accept. Idempotent, so the gateway can apply it again safely."""
    fitted = [_fit_message(m) for m in _drop_empty(messages)]
    split: list[OutMessage] = []
    for message in fitted:
        split.extend(_split_long(message))
    return _cap_count(split)


def _drop_empty(messages: Sequence[OutMessage]) -> list[OutMessage]:
    kept: list[OutMessage] = []
    for message in messages:
        if isinstance(message, TextOut) and not message.text.strip():
            # Keep its quick replies on the previous message instead of losing them.
            if message.quick_replies and kept and not kept[-1].quick_replies:
                kept[-1] = replace(kept[-1], quick_replies=message.quick_replies)
            continue
        kept.append(message)
    return kept


def _fit_message(message: OutMessage) -> OutMessage:
    message = replace(message, quick_replies=_fit_quick_replies(message.quick_replies))
    if isinstance(message, FlexOut):
        return _fit_flex(message)
    return message


def _fit_quick_replies(items: tuple[QuickReply, ...]) -> tuple[QuickReply, ...]:
    if len(items) > MAX_QUICK_REPLIES:
        log.warning(
            "dropping %d quick replies over LINE's limit of %d",
            len(items) - MAX_QUICK_REPLIES,
            MAX_QUICK_REPLIES,
        )
        items = items[:MAX_QUICK_REPLIES]
    return tuple(_fit_quick_reply(item) for item in items)


def _fit_quick_reply(item: QuickReply) -> QuickReply:
    if item.data is not None and utf16_len(item.data) > MAX_POSTBACK_DATA:
        raise ValueError(f"postback data over {MAX_POSTBACK_DATA} characters: {item.data[:40]!r}…")
    text = None if item.is_postback else item.message_text  # pin the full label as the text before shortening
    if text is not None and utf16_len(text) > MAX_ACTION_TEXT:
        raise ValueError(f"message action text over {MAX_ACTION_TEXT} characters: {text[:40]!r}…")
    display = item.display_text
    if display is not None:
        display = truncate_utf16(display, MAX_ACTION_TEXT)
    return QuickReply(truncate_graphemes(item.label, MAX_LABEL_GRAPHEMES), text, item.data, display)


def _fit_flex(message: FlexOut) -> OutMessage:
    contents = _trim_carousel(message.contents)
    alt_text = message.alt_text.strip() or render_flex(contents).strip() or ELLIPSIS
    alt_text = truncate_utf16(alt_text, MAX_ALT_TEXT_UNITS)
    limit = MAX_CAROUSEL_BYTES if contents.get("type") == "carousel" else MAX_BUBBLE_BYTES
    size = len(json.dumps(contents, ensure_ascii=False, separators=(",", ":")).encode())
    if size > limit:
        # Too big for LINE: the same content as plain text is better than a rejected reply.
        log.warning("flex message is %d bytes (limit %d); sending it as text", size, limit)
        return TextOut(render_flex(contents) or alt_text, message.quick_replies)
    return FlexOut(alt_text, contents, message.quick_replies)


def _trim_carousel(contents: dict[str, Any]) -> dict[str, Any]:
    bubbles = contents.get("contents")
    if contents.get("type") != "carousel" or not isinstance(bubbles, list):
        return contents
    if len(bubbles) <= MAX_CAROUSEL_BUBBLES:
        return contents
    log.warning("carousel has %d bubbles; keeping the first %d", len(bubbles), MAX_CAROUSEL_BUBBLES)
    return {**contents, "contents": bubbles[:MAX_CAROUSEL_BUBBLES]}


def _split_long(message: OutMessage) -> list[OutMessage]:
    if not isinstance(message, TextOut) or utf16_len(message.text) <= MAX_TEXT_UNITS:
        return [message]
    chunks = split_text(message.text)
    # Quick replies belong after the whole answer, so only the last chunk carries them.
    return [TextOut(chunk) for chunk in chunks[:-1]] + [TextOut(chunks[-1], message.quick_replies)]


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """Split at paragraph, line, sentence or word boundaries into pieces of at most `limit` UTF-16 units."""
    chunks: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    end = _fitting_prefix(text, limit)
    window = text[:end]
    for separator in _BREAKS:
        position = window.rfind(separator)
        if position >= end // 2:  # a break in the first half would leave a tiny chunk; try a weaker break
            return position + len(separator)
    return end


def _fitting_prefix(text: str, limit: int) -> int:
    """Code points in the longest prefix within `limit` UTF-16 units that ends on a grapheme boundary."""
    units = points = 0
    for cluster in graphemes(text):
        units += utf16_len(cluster)
        if units > limit:
            break
        points += len(cluster)
    return max(points, 1)


def _cap_count(messages: list[OutMessage]) -> list[OutMessage]:
    messages = _merge_texts(messages)
    if len(messages) <= MAX_MESSAGES:
        return messages
    kept, dropped = messages[:MAX_MESSAGES], messages[MAX_MESSAGES:]
    log.warning("dropping %d messages over LINE's limit of %d per request", len(dropped), MAX_MESSAGES)
    last = kept[-1]
    if isinstance(last, TextOut) and not last.text.endswith(ELLIPSIS):
        # Show the reader that the answer goes on beyond what could be sent.
        marked = last.text + ELLIPSIS
        last = replace(last, text=truncate_utf16(marked, MAX_TEXT_UNITS))
    if dropped[-1].quick_replies and not last.quick_replies:
        last = replace(last, quick_replies=dropped[-1].quick_replies)
    return kept[:-1] + [last]


def _merge_texts(messages: list[OutMessage]) -> list[OutMessage]:
    """Merge adjacent texts (shortest pair first) until at most MAX_MESSAGES remain or nothing fits."""
    messages = list(messages)
    while len(messages) > MAX_MESSAGES:
        best: tuple[int, int] | None = None
        for i in range(len(messages) - 1):
            size = _merged_size(messages[i], messages[i + 1])
            if size is not None and (best is None or size < best[1]):
                best = (i, size)
        if best is None:
            break
        i = best[0]
        first, second = messages[i], messages[i + 1]
        assert isinstance(first, TextOut) and isinstance(second, TextOut)
        messages[i : i + 2] = [TextOut(first.text + _MERGE_JOINER + second.text, second.quick_replies)]
    return messages


def _merged_size(first: OutMessage, second: OutMessage) -> int | None:
    if not (isinstance(first, TextOut) and isinstance(second, TextOut)) or first.quick_replies:
        return None
    size = utf16_len(first.text) + utf16_len(_MERGE_JOINER) + utf16_len(second.text)
    return size if size <= MAX_TEXT_UNITS else None


# ---- conversion to the SDK's models ------------------------------------------------------------------------


def to_line_messages(messages: Sequence[OutMessage]) -> list[Message]:
    """Convert to line-bot-sdk request models (call `enforce_limits` first)."""
    return [_to_line_message(message) for message in messages]


def _to_line_message(message: OutMessage) -> Message:
    quick_reply = _to_line_quick_reply(message.quick_replies)
    if isinstance(message, TextOut):
        return TextMessage(text=message.text, quick_reply=quick_reply)
    contents = FlexContainer.from_dict(message.contents)
    return FlexMessage(alt_text=message.alt_text, contents=contents, quick_reply=quick_reply)


def _to_line_quick_reply(items: tuple[QuickReply, ...]) -> LineQuickReply | None:
    if not items:
        return None
    return LineQuickReply(items=[QuickReplyItem(action=_to_line_action(item)) for item in items])


def _to_line_action(item: QuickReply) -> MessageAction | PostbackAction:
    if item.is_postback:
        return PostbackAction(label=item.label, data=item.data, display_text=item.display_text)
    return MessageAction(label=item.label, text=item.message_text)


# ---- plain-text rendering for the terminal chat ------------------------------------------------------------


def current_choices(messages: Sequence[OutMessage]) -> tuple[QuickReply, ...]:
    """The quick replies a LINE user would see: those of the last message only."""
    return messages[-1].quick_replies if messages else ()


def render_plain(messages: Sequence[OutMessage]) -> str:
    """Texts as they are, flex cards as readable lines, the visible quick replies as "1) label" choices."""
    parts = [m.text if isinstance(m, TextOut) else render_flex(m.contents) for m in messages]
    choices = current_choices(messages)
    if choices:
        parts.append("\n".join(f"{number}) {item.label}" for number, item in enumerate(choices, start=1)))
    return "\n\n".join(part for part in parts if part)


def render_flex(contents: dict[str, Any]) -> str:
    return "\n".join(_flex_lines(contents))


def _flex_lines(node: Any) -> list[str]:
    if not isinstance(node, dict):
        return []
    kind = node.get("type")
    if kind == "text":
        text = node.get("text") or "".join(span.get("text", "") for span in node.get("contents", []))
        return [text] if text else []
    if kind == "button":
        label = (node.get("action") or {}).get("label")
        return [f"[{label}]"] if label else []
    if kind == "carousel":
        blocks = ["\n".join(_flex_lines(bubble)) for bubble in node.get("contents", [])]
        return ["\n\n".join(block for block in blocks if block)]
    if kind == "bubble":
        return [line for part in ("header", "hero", "body", "footer") for line in _flex_lines(node.get(part))]
    if kind == "box":
        lines = [line for child in node.get("contents", []) for line in _flex_lines(child)]
        # Side-by-side boxes usually hold "label  value" pairs: keep them on one line.
        return [" ".join(lines)] if node.get("layout") in ("horizontal", "baseline") and lines else lines
    return []


__all__ = [
    "ReplyBuilder",
    "current_choices",
    "enforce_limits",
    "render_flex",
    "render_plain",
    "split_text",
    "to_line_messages",
]
