"""NLU data from knowledge/nlu/*.yaml: normalisation tables, domain terms and decision thresholds."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import knowledge

DEFAULT_DIR = Path(knowledge.__file__).resolve().parent / "nlu"
DATA_FILES = ("particles", "abbreviations", "misspellings", "eservice", "domain_terms", "thresholds")


@dataclass(frozen=True)
class NluData:
    particles: frozenset[str]
    fillers: frozenset[str]
    courtesies: frozenset[str]
    closings: frozenset[str]  # "ขอบคุณ" ending a request
    closing_tail: frozenset[str]  # what may follow it in a closing (มาก, ๆ, ล่วงหน้า ...)
    vague_words: frozenset[str]  # a message of only these says a request is coming, not what (never answered)
    vague_except: frozenset[str]  # topics a vague message may still be answered with (greeting ...)
    laughter_token: str
    laughter: tuple[re.Pattern[str], ...]
    replacements: dict[str, str]  # literal form -> canonical form (text level)
    regex_replacements: tuple[tuple[re.Pattern[str], str], ...]
    token_map: dict[str, str]
    domain_terms: tuple[str, ...]
    thresholds: dict[str, Any]
    fingerprint: str


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / f"{name}.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in DATA_FILES:
        path = directory / f"{name}.yaml"
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _entries(*sections: list[dict[str, Any]] | None) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    literal: dict[str, str] = {}
    regexes: list[tuple[re.Pattern[str], str]] = []
    for section in sections:
        for entry in section or []:
            target = str(entry["to"]).lower()
            if "regex" in entry:
                regexes.append((re.compile(entry["regex"]), target))
            for form in entry.get("from", []):
                literal[str(form).lower()] = target
            literal.setdefault(target, target)  # the right form matches itself, so it is never re-expanded
    return literal, regexes


def load_nlu_data(directory: Path | None = None) -> NluData:
    """Read every NLU data file once; a missing file means an empty table, not an error."""
    directory = directory or DEFAULT_DIR
    part = _read(directory, "particles")
    miss = _read(directory, "misspellings")
    service = _read(directory, "eservice")
    literal, regexes = _entries(_read(directory, "abbreviations").get("expand"), miss.get("text"), service.get("text"))
    tokens, _ = _entries(miss.get("tokens"))
    laughter = part.get("laughter") or {}
    return NluData(
        particles=frozenset(part.get("particles") or ()),
        fillers=frozenset(part.get("fillers") or ()),
        courtesies=frozenset(part.get("courtesies") or ()),
        closings=frozenset((part.get("closings") or {}).get("words") or ()),
        closing_tail=frozenset((part.get("closings") or {}).get("tail") or ()),
        vague_words=frozenset((part.get("vague") or {}).get("words") or ()),
        vague_except=frozenset((part.get("vague") or {}).get("except_topics") or ()),
        laughter_token=str(laughter.get("token", "<laugh>")),
        laughter=tuple(re.compile(p) for p in laughter.get("patterns") or ()),
        replacements=literal,
        regex_replacements=tuple(regexes),
        token_map={k: v for k, v in tokens.items() if k != v},
        domain_terms=tuple(str(t).lower() for t in _read(directory, "domain_terms").get("terms") or ()),
        thresholds=_read(directory, "thresholds"),
        fingerprint=_fingerprint(directory),
    )
