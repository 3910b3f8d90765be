"""Step 2: split normalised text into words with PyThaiNLP's dictionary plus the domain terms.

nlpo3 (newmm in Rust, ~8 us a message) is used with a dictionary *file* that holds the default 62k
words and the domain terms: `word_tokenize(engine="nlpo3", custom_dict=...)` would silently ignore a
custom dictionary, and a word list on its own would replace the default words instead of adding to them.
"""
from __future__ import annotations

import hashlib
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import nlpo3

from nlu.resources import NluData

_LOADED: set[str] = set()  # nlpo3 refuses to load a name twice, so remember what this process loaded
_LOCK = threading.Lock()
_NOT_WORD = re.compile(r"^[\W_]+$")
_NUMBER = re.compile(r"^[\d.,:/\-]+$")  # house numbers, times, counts: no topic in them
_SAFE_FROM = 300  # safe mode avoids worst-case backtracking on long ambiguous text
COURTESY_MIN_REST = 3  # content words needed before greetings/thanks count as wrapping, not as the message
_SEEN_MAX = 50_000  # words remembered by Tokenizer._token (~7 MB at most); cleared when full
_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the scorer sees: content tokens, and the text with particles and fillers taken out."""

    tokens: tuple[str, ...]
    signal: str


def _dictionary_words(terms: Iterable[str]) -> str:
    base = files("pythainlp.corpus").joinpath("words_th.txt").read_text(encoding="utf-8")
    extra = sorted({t.strip() for t in terms if t and t.strip() and "\n" not in t})
    return base.rstrip("\n") + "\n" + "\n".join(extra) + "\n"


def load_dictionary(terms: Iterable[str], cache_dir: Path | None = None) -> str:
    """Write default words + terms to a file once and load it into nlpo3; returns the dictionary name."""
    content = _dictionary_words(terms)
    name = "thongthin-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    with _LOCK:
        if name in _LOADED:
            return name
        directory = cache_dir or Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.txt"
        if not path.exists():
            path.write_text(content, encoding="utf-8")
        message, ok = nlpo3.load_dict(str(path), name)
        if not ok and "already exists" not in message:
            raise RuntimeError(f"nlpo3 could not load {path}: {message}")
        _LOADED.add(name)
    return name


class Tokenizer:
    def __init__(self, data: NluData, extra_terms: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        self._drop = data.particles | data.fillers
        self._laugh = data.laughter_token
        self._courtesies = data.courtesies
        self._closings, self._closing_tail = data.closings, data.closing_tail
        self._token_map = data.token_map
        self.dictionary = load_dictionary([*data.domain_terms, *extra_terms], cache_dir)
        self._seen: dict[str, str | None] = {}

    def words(self, text: str) -> list[str]:
        """Raw segmentation, whitespace tokens included; the laughter token stays one word."""
        words: list[str] = []
        for i, part in enumerate(text.split(self._laugh)):
            if i:
                words.append(self._laugh)
            if part:
                words.extend(nlpo3.segment(part, self.dictionary, safe=len(part) > _SAFE_FROM))
        return words

    def analyse(self, text: str) -> Analysis:
        tokens: list[str] = []
        pieces: list[str] = []
        seen = self._seen
        for word in self.words(text):
            token = seen.get(word, _UNSEEN)
            if token is _UNSEEN:
                token = self._token(word)
            if token is None:
                pieces.append(" ")
            else:
                tokens.append(token)
                pieces.append(token)
        if sum(t not in self._courtesies for t in tokens) >= COURTESY_MIN_REST:
            tokens = [t for t in tokens if t not in self._courtesies]
            pieces = [" " if p in self._courtesies else p for p in pieces]
        tokens, pieces = self._without_closing(tokens, pieces)
        return Analysis(tuple(tokens), " ".join("".join(pieces).split()))

    def _token(self, word: str) -> str | None:
        """The word as a content token, or None when it leaves the signal; remembered, because the same
        few thousand words make up most messages and the regex checks cost more than the lookup."""
        if word.isspace() or _NUMBER.match(word) or (_NOT_WORD.match(word) and word != self._laugh):
            token = None
        else:
            mapped = self._token_map.get(word, word)
            token = None if mapped in self._drop else mapped
        if len(self._seen) >= _SEEN_MAX:
            self._seen.clear()
        self._seen[word] = token
        return token

    def _without_closing(self, tokens: list[str], pieces: list[str]) -> tuple[list[str], list[str]]:
        """Drop a closing thanks (a closing word and tail words only, at the very end) after a request."""
        end = len(tokens)
        while end and tokens[end - 1] in self._closing_tail:
            end -= 1
        if not end or tokens[end - 1] not in self._closings or end - 1 < COURTESY_MIN_REST:
            return tokens, pieces
        cut = len(pieces)  # pieces hold the tokens in order, with " " where a word left the signal
        for _ in range(len(tokens) - end + 1):
            cut = max(i for i in range(cut) if pieces[i] != " ")
        return tokens[: end - 1], pieces[:cut]
