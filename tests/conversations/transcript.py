"""The transcript file format (tests/conversations/<area>/<name>.yaml), parsed and checked before anything runs.

    title: ถามภาษีที่ดินแล้วถามต่อเรื่องเอกสาร
    users:                                   # optional; default {u: {role: citizen}}; the first is the default
      u: {role: citizen, lao: "05900104"}    # written to the database before the first step
    clock: "2027-03-01T09:00:00+07:00"       # optional fixed instant (needs a real Redis)
    invites:                                 # optional; one-time codes made before the first step
      ofc: {role: officer, lao: "05900104"}  # as `thongthin officer invite --lao 05900104` makes it
      old: {role: officer, lao: "05900104", expired: true}
    steps:
      - send: "จ่ายภาษีที่ดินที่ไหนคะ"
        expect: {reply_contains: ["ภาษีที่ดิน"], quick_replies_include: ["เอกสาร"], flex: true}

Actions (one per step): send, tap, postback, sticker, image, video, audio, file, follow, unfollow, location
({lat, lon, address}), advance ("30m", "3h", "2d"). `user: m` sends as another user; `group: g1` (with an
optional `mention: true`) sends a `send` into a group chat. Expectations: reply_contains, reply_not_contains,
quick_replies_include, quick_replies_exclude, flex, no_reply, push_contains {user: [..]}, no_push [users].
`{ticket}` in any string is the latest "#<number>" the bot wrote in this transcript.

Invites: `role` (officer, mentor, admin); `lao` (required for officer and mentor, a mentor LAO for
mentor; none for admin); `days` valid (default 7, counted from the clock or now); `expired: true` (expired
an hour before the first step) or `used: true` (already redeemed by someone outside the transcript).
`{invite:KEY}` in any step string or expectation is that invite's plain code (e.g. `send: "{invite:ofc}"`);
an undeclared KEY is a format error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ACTIONS = ("send", "tap", "postback", "sticker", "image", "video", "audio", "file", "follow", "unfollow",
           "location", "advance")
EXPECTATIONS = ("reply_contains", "reply_not_contains", "quick_replies_include", "quick_replies_exclude",
                "flex", "no_reply", "push_contains", "no_push")
STEP_KEYS = {*ACTIONS, "user", "expect", "group", "mention", "note"}
TOP_KEYS = {"title", "users", "clock", "invites", "steps"}
ROLES = ("citizen", "officer", "mentor", "admin")
INVITE_ROLES = ("officer", "mentor", "admin")  # what `thongthin officer|mentor|admin invite` can issue
INVITE_KEYS = {"role", "lao", "days", "expired", "used"}
INVITE_PLACEHOLDER = re.compile(r"\{invite:([^{}]*)\}")
_INVITE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class TranscriptError(ValueError):
    """A malformed transcript file (reported with the file and step)."""


@dataclass(frozen=True)
class UserSpec:
    key: str
    role: str = "citizen"
    lao: str | None = None


@dataclass(frozen=True)
class InviteSpec:
    """A one-time code the runner issues before the first step (see the module docstring)."""

    key: str
    role: str
    lao: str | None = None
    days: int = 7
    expired: bool = False
    used: bool = False


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, as people count steps in the file
    user: str
    action: str
    value: Any
    expect: dict[str, Any] = field(default_factory=dict)
    group: str | None = None
    mention: bool = False

    def describe(self) -> str:
        where = f" in group {self.group}" if self.group else ""
        return f"step {self.number}: {self.action} {self.value!r} (user {self.user}{where})"


@dataclass(frozen=True)
class Transcript:
    path: Path
    rel: str  # path relative to tests/conversations, used as the test id
    title: str
    users: dict[str, UserSpec]
    steps: list[Step]
    clock: datetime | None = None
    invites: dict[str, InviteSpec] = field(default_factory=dict)


def parse_duration(text: str) -> timedelta:
    """ "30m" / "3h" / "2d" -> timedelta."""
    found = _DURATION.match(str(text).strip())
    if not found:
        raise TranscriptError(f"advance: {text!r} is not a duration like 30m, 3h or 2d")
    return timedelta(**{_UNITS[found[2]]: float(found[1])})


def load_transcript(path: Path, root: Path) -> Transcript:
    rel = path.relative_to(root).as_posix()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _transcript(path, rel, data)
    except (TranscriptError, yaml.YAMLError) as exc:
        raise TranscriptError(f"{rel}: {exc}") from exc


def _transcript(path: Path, rel: str, data: Any) -> Transcript:
    if not isinstance(data, dict):
        raise TranscriptError("a transcript is a mapping with title and steps")
    if unknown := set(data) - TOP_KEYS:
        raise TranscriptError(f"unknown keys {sorted(unknown)} (allowed: {sorted(TOP_KEYS)})")
    if not data.get("title") or not data.get("steps"):
        raise TranscriptError("title and steps are required")
    users = _users(data.get("users") or {"u": {"role": "citizen"}})
    default = next(iter(users))
    steps = [_step(n, raw, users, default) for n, raw in enumerate(data["steps"], start=1)]
    clock = _clock(data.get("clock"))
    if clock is None and any(s.action == "advance" for s in steps):
        raise TranscriptError("advance needs a `clock:` to start from")
    invites = _invites(data.get("invites"))
    _check_placeholders(steps, invites)
    return Transcript(path, rel, str(data["title"]), users, steps, clock, invites)


def _users(raw: Any) -> dict[str, UserSpec]:
    if not isinstance(raw, dict) or not raw:
        raise TranscriptError("users: a mapping of key -> {role, lao}")
    users = {}
    for key, spec in raw.items():
        spec = spec or {}
        if set(spec) - {"role", "lao"} or spec.get("role", "citizen") not in ROLES:
            raise TranscriptError(f"users.{key}: use role ({'/'.join(ROLES)}) and lao only")
        lao = spec.get("lao")
        users[str(key)] = UserSpec(str(key), spec.get("role", "citizen"), str(lao) if lao is not None else None)
    return users


def _invites(raw: Any) -> dict[str, InviteSpec]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise TranscriptError("invites: a mapping of key -> {role, lao, days, expired, used}")
    return {str(key): _invite(str(key), spec) for key, spec in raw.items()}


def _invite(key: str, spec: Any) -> InviteSpec:
    where = f"invites.{key}"
    if not _INVITE_NAME.match(key):
        raise TranscriptError(f"{where}: a key is letters, digits and _ (it is written {{invite:{key}}})")
    if not isinstance(spec, dict):
        raise TranscriptError(f"{where}: a mapping with {sorted(INVITE_KEYS)}")
    if unknown := set(spec) - INVITE_KEYS:
        raise TranscriptError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(INVITE_KEYS)})")
    role, lao, days = spec.get("role"), spec.get("lao"), spec.get("days", 7)
    if role not in INVITE_ROLES:
        raise TranscriptError(f"{where}: role is one of {'/'.join(INVITE_ROLES)}")
    if (lao is None) != (role == "admin"):  # as the CLI: officers and mentors have an LAO, admins none
        raise TranscriptError(f"{where}: {'no lao for an admin' if role == 'admin' else 'lao is required'}")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise TranscriptError(f"{where}: days is a whole number of at least 1")
    flags = {name: spec.get(name, False) for name in ("expired", "used")}
    if any(not isinstance(v, bool) for v in flags.values()) or all(flags.values()):
        raise TranscriptError(f"{where}: expired and used are true/false, and not both")
    return InviteSpec(key, role, str(lao) if lao is not None else None, days, **flags)


def _check_placeholders(steps: list[Step], invites: dict[str, InviteSpec]) -> None:
    for step in steps:
        named = set(_placeholders(step.value)) | set(_placeholders(step.expect))
        if unknown := named - set(invites):
            raise TranscriptError(f"step {step.number}: {{invite:...}} names undeclared invites "
                                  f"{sorted(unknown)}")


def _placeholders(value: Any) -> list[str]:
    """Every KEY of `{invite:KEY}` in a step's strings (also inside lists and mappings)."""
    if isinstance(value, str):
        return INVITE_PLACEHOLDER.findall(value)
    if isinstance(value, list):
        return [key for item in value for key in _placeholders(item)]
    if isinstance(value, dict):
        return [key for item in value.values() for key in _placeholders(item)]
    return []


def _clock(raw: Any) -> datetime | None:
    if raw is None:
        return None
    when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    if when.tzinfo is None:
        raise TranscriptError("clock: give a time zone, e.g. 2027-03-01T09:00:00+07:00")
    return when


def _step(number: int, raw: Any, users: dict[str, UserSpec], default: str) -> Step:
    where = f"step {number}"
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: a step is a mapping")
    if unknown := set(raw) - STEP_KEYS:
        raise TranscriptError(f"{where}: unknown keys {sorted(unknown)}")
    actions = [a for a in ACTIONS if a in raw]
    if len(actions) != 1:
        raise TranscriptError(f"{where}: exactly one of {', '.join(ACTIONS)} (found {actions or 'none'})")
    user = str(raw.get("user", default))
    if user not in users:
        raise TranscriptError(f"{where}: user {user!r} is not in users")
    expect = raw.get("expect") or {}
    if unknown := set(expect) - set(EXPECTATIONS):
        raise TranscriptError(f"{where}: unknown expectations {sorted(unknown)} (allowed: {EXPECTATIONS})")
    named = set(expect.get("push_contains") or {}) | set(expect.get("no_push") or [])
    if strangers := named - set(users):
        raise TranscriptError(f"{where}: push expectations name unknown users {sorted(strangers)}")
    action = actions[0]
    if action == "advance":
        parse_duration(raw[action])
    group = raw.get("group")
    return Step(number, user, action, raw[action], expect, str(group) if group else None, bool(raw.get("mention")))
