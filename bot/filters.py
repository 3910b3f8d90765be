"""Small filters for routing. Each answers one question about a Turn."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from bot.routing import Filter, FilterResult

if TYPE_CHECKING:
    from bot.turn import Turn


@dataclass(frozen=True)
class EventKind(Filter):
    kinds: tuple[str, ...]

    def __init__(self, *kinds: str) -> None:
        object.__setattr__(self, "kinds", kinds)

    def check(self, turn: Turn) -> FilterResult:
        return turn.event.kind in self.kinds


@dataclass(frozen=True)
class MessageType(Filter):
    types: tuple[str, ...]

    def __init__(self, *types: str) -> None:
        object.__setattr__(self, "types", types)

    def check(self, turn: Turn) -> FilterResult:
        return turn.event.kind == "message" and turn.event.message_type in self.types


@dataclass(frozen=True)
class HasRole(Filter):
    roles: tuple[str, ...]

    def __init__(self, *roles: str) -> None:
        object.__setattr__(self, "roles", roles)

    def check(self, turn: Turn) -> FilterResult:
        return turn.user.role in self.roles


@dataclass(frozen=True)
class InState(Filter):
    """Matches when the conversation is at one of the given steps (None = no active flow)."""

    steps: tuple[str | None, ...]

    def __init__(self, *steps: str | None) -> None:
        object.__setattr__(self, "steps", steps)

    def check(self, turn: Turn) -> FilterResult:
        return turn.state.step in self.steps


@dataclass(frozen=True)
class Postback(Filter):
    """Matches postback data `action=<name>&k=v`; the other pairs are passed to the handler."""

    action: str

    def check(self, turn: Turn) -> FilterResult:
        if turn.event.kind != "postback" or not turn.event.postback_data:
            return False
        pairs = dict(parse_qsl(turn.event.postback_data))
        if pairs.pop("action", None) != self.action:
            return False
        return pairs or True


@dataclass(frozen=True)
class TextMatches(Filter):
    """A regular expression on the normalised text (or the raw text when there is no NLU result)."""

    pattern: re.Pattern[str]

    def __init__(self, pattern: str) -> None:
        object.__setattr__(self, "pattern", re.compile(pattern))

    def check(self, turn: Turn) -> FilterResult:
        text = getattr(turn.nlu, "normalized", None) or turn.text
        found = self.pattern.search(text) if text else None
        return found.groupdict() or True if found else False


@dataclass(frozen=True)
class Decision(Filter):
    decisions: tuple[str, ...]

    def __init__(self, *decisions: str) -> None:
        object.__setattr__(self, "decisions", decisions)

    def check(self, turn: Turn) -> FilterResult:
        return turn.nlu is not None and turn.nlu.decision in self.decisions


class Vague(Filter):
    """Matches a message made only of request words (แจ้งเรื่องค่ะ): the NLU says a request is coming, not which."""

    def check(self, turn: Turn) -> FilterResult:
        return turn.nlu is not None and turn.nlu.vague


@dataclass(frozen=True)
class TopicIs(Filter):
    """Matches a confident NLU answer on one of the topics."""

    topics: tuple[str, ...]

    def __init__(self, *topics: str) -> None:
        object.__setattr__(self, "topics", topics)

    def check(self, turn: Turn) -> FilterResult:
        nlu = turn.nlu
        return nlu is not None and nlu.decision == "answer" and nlu.topic in self.topics


@dataclass(frozen=True)
class InGroup(Filter):
    def check(self, turn: Turn) -> FilterResult:
        return turn.event.source.is_group


@dataclass(frozen=True)
class Addressed(Filter):
    """In a group the bot answers only when mentioned; in 1:1 chats it is always addressed."""

    def check(self, turn: Turn) -> FilterResult:
        return not turn.event.source.is_group or turn.event.mentions_self
