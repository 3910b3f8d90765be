"""The follow-up word table (knowledge/followups.yaml): which short messages ask more about the service just
shown, which ask for the next step, and which skip a question. Data only; handlers decide what to answer."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.schema import Focus

PACKAGE_ROOT = Path(__file__).parent
_SPACES = re.compile(r"\s+")


class FollowupWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    focus: dict[Focus, list[str]]
    next_step: list[str] = Field(min_length=1)
    filler: list[str] = []
    max_leftover: int = Field(default=4, ge=0)
    skip: list[str] = []

    def foci(self, text: str) -> list[str]:
        """The foci asked about, in the order they appear, or [] when the message asks something else."""
        found, leftover = self.match(text)
        return found if leftover <= self.max_leftover else []

    def match(self, text: str) -> tuple[list[str], int]:
        """(foci in order of appearance, characters left that are neither a focus phrase nor filler)."""
        compact, found = squash(text), []
        for focus, phrase in self._phrases():
            at = compact.find(phrase)
            if at >= 0:
                found.append((at, focus))
                compact = compact.replace(phrase, " ")
        return list(dict.fromkeys(focus for _, focus in sorted(found))), self._leftover(compact)

    def is_next_step(self, text: str) -> bool:
        return self._only(text, self.next_step)

    def is_skip(self, text: str) -> bool:
        return self._only(text, self.skip)

    def says(self, text: str, phrases: list[str]) -> bool:
        """The message is one of `phrases` (a button label typed or tapped), give or take filler words."""
        return self._only(text, phrases)

    def _only(self, text: str, phrases: list[str]) -> bool:
        compact = squash(text)
        for phrase in sorted(phrases, key=len, reverse=True):
            if squash(phrase) in compact:
                return self._leftover(compact.replace(squash(phrase), " ")) <= self.max_leftover
        return False

    def _phrases(self) -> list[tuple[str, str]]:
        pairs = [(focus, squash(p)) for focus, phrases in self.focus.items() for p in phrases]
        return sorted(pairs, key=lambda pair: len(pair[1]), reverse=True)

    def _leftover(self, compact: str) -> int:
        for word in sorted(self.filler, key=len, reverse=True):
            compact = compact.replace(squash(word), " ")
        return len(compact.replace(" ", ""))


def squash(text: str) -> str:
    """Lower case without spaces: Thai is written without spaces between words anyway."""
    return _SPACES.sub("", text).lower()


@cache
def load_followups(root: Path | None = None) -> FollowupWords:
    """Read knowledge/followups.yaml (from `root`, default: this package); cached per folder."""
    path = (root or PACKAGE_ROOT) / "followups.yaml"
    return FollowupWords.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
