"""The bot's own phrases from responses.yaml, addressed by dotted key, with `{name}` placeholders."""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Any

# Keys under one of these groups, or ending in "label", are button / quick-reply labels (LINE: 20 graphemes).
LABEL_GROUPS = frozenset({"labels", "quick_replies", "quick_reply", "buttons", "menu", "card"})
TOPIC_LABELS = "topic"  # topic.<topic> is the label of a topic (quick replies offering topics)


class UnknownResponse(KeyError):
    """A key that responses.yaml does not have; the message names the key and the nearest known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


class MissingParameter(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def flatten(data: Any, loc: tuple[str, ...] = ()) -> tuple[dict[str, list[str]], list[tuple[str, ...]]]:
    """Nested mapping -> ({dotted key: variants}, locations of bad leaves); a leaf is a text or text list."""
    phrases: dict[str, list[str]] = {}
    bad: list[tuple[str, ...]] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            sub, sub_bad = flatten(value, loc + (str(key),))
            phrases.update(sub)
            bad += sub_bad
    elif isinstance(data, str) and data.strip():
        phrases[".".join(loc)] = [data.strip()]
    elif isinstance(data, list) and data and all(isinstance(v, str) and v.strip() for v in data):
        phrases[".".join(loc)] = [v.strip() for v in data]
    else:
        bad.append(loc)
    return phrases, bad


def is_label_key(key: str) -> bool:
    parts = key.split(".")
    if parts[0] == TOPIC_LABELS and len(parts) == 2:
        return True
    return parts[-1].endswith("label") or any(p in LABEL_GROUPS for p in parts[:-1])


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Responses:
    def __init__(
        self, phrases: dict[str, list[str]], lines: dict[str, int] | None = None, path: str = "responses.yaml"
    ) -> None:
        self._phrases = phrases
        self._lines = lines or {}
        self.path = path

    def line(self, key: str) -> int:
        """Line of the key in responses.yaml (1 when unknown)."""
        return self._lines.get(key, 1)

    def __contains__(self, key: object) -> bool:
        return key in self._phrases

    def __iter__(self) -> Iterator[str]:
        return iter(self._phrases)

    def __len__(self) -> int:
        return len(self._phrases)

    def variants(self, key: str) -> list[str]:
        """All variants of a phrase, unformatted."""
        if key not in self._phrases:
            near = sorted(k for k in self._phrases if k.split(".")[0] == key.split(".")[0])[:5]
            hint = f"; keys in that group: {', '.join(near)}" if near else ""
            raise UnknownResponse(f"no response '{key}' in knowledge/{self.path}{hint}")
        return list(self._phrases[key])

    def say(self, key: str, **params: object) -> str:
        """The phrase `key` (its first variant) with `{name}` placeholders filled from params."""
        text = self.variants(key)[0]
        missing = placeholders(text) - params.keys()
        if missing:
            raise MissingParameter(f"response '{key}' needs parameter(s): {', '.join(sorted(missing))}")
        return text.format(**params)
