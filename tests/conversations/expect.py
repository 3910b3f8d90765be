"""What the bot sent during one transcript step, the checks on it, and readable failure reports."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.conversations.transcript import Step

_TICKET = re.compile(r"#(\d+)")


@dataclass
class Outcome:
    """Messages (LINE JSON) sent to the step's user, and pushes to the transcript's other users."""

    reply: list[dict[str, Any]] = field(default_factory=list)
    pushes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user key -> messages
    rejected: list[str] = field(default_factory=list)  # LINE API calls the fake refused (status + message)


def message_texts(message: dict[str, Any]) -> list[str]:
    """The readable strings of one message: its text, or a flex message's altText and every text node."""
    if message.get("type") == "flex":
        return [str(message.get("altText", "")), *_flex_texts(message.get("contents"))]
    return [str(message.get("text", ""))]


def _flex_texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for child in node for t in _flex_texts(child)]
    if not isinstance(node, dict):
        return []
    out = [str(node["text"])] if node.get("type") in ("text", "span") and node.get("text") else []
    for key in ("header", "hero", "body", "footer", "contents"):
        out += _flex_texts(node.get(key))
    return out


def choices(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tappable actions: quick-reply items of every message and the buttons of flex messages."""
    found = [item["action"] for m in messages for item in (m.get("quickReply") or {}).get("items", [])]
    return found + [a for m in messages if m.get("type") == "flex" for a in _flex_actions(m.get("contents"))]


def _flex_actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [a for child in node for a in _flex_actions(child)]
    if not isinstance(node, dict):
        return []
    out = [node["action"]] if node.get("type") == "button" and node.get("action") else []
    for key in ("header", "hero", "body", "footer", "contents"):
        out += _flex_actions(node.get(key))
    return out


def quick_reply_labels(messages: list[dict[str, Any]]) -> list[str]:
    return [str(item["action"].get("label", "")) for m in messages
            for item in (m.get("quickReply") or {}).get("items", [])]


def ticket_numbers(messages: list[dict[str, Any]]) -> list[str]:
    return [n for m in messages for text in message_texts(m) for n in _TICKET.findall(text)]


def check(step: Step, outcome: Outcome, expect: dict[str, Any]) -> list[str]:
    """Every unmet expectation of the step, as a short sentence (empty: all met)."""
    problems = [f"LINE API refused a call: {r}" for r in outcome.rejected]
    text = "\n".join(t for m in outcome.reply for t in message_texts(m))
    labels = quick_reply_labels(outcome.reply)
    problems += [f"reply should contain {s!r}" for s in expect.get("reply_contains", []) if s not in text]
    problems += [f"reply should not contain {s!r}" for s in expect.get("reply_not_contains", []) if s in text]
    problems += [f"quick replies should include {s!r}" for s in expect.get("quick_replies_include", [])
                 if s not in labels]
    problems += [f"quick replies should not include {s!r}" for s in expect.get("quick_replies_exclude", [])
                 if s in labels]
    if "flex" in expect and expect["flex"] != any(m.get("type") == "flex" for m in outcome.reply):
        problems.append("reply should contain a flex message" if expect["flex"] else "reply should not be flex")
    if expect.get("no_reply") and outcome.reply:
        problems.append("expected no reply")
    if not expect.get("no_reply") and not outcome.reply and step.action not in ("advance", "unfollow"):
        problems.append("expected a reply, got nothing")
    return problems + _push_problems(outcome, expect)


def _push_problems(outcome: Outcome, expect: dict[str, Any]) -> list[str]:
    problems = []
    for user, wanted in (expect.get("push_contains") or {}).items():
        text = "\n".join(t for m in outcome.pushes.get(user, []) for t in message_texts(m))
        problems += [f"push to {user} should contain {s!r}" for s in wanted if s not in text]
    problems += [f"expected no push to {user}" for user in expect.get("no_push", []) if outcome.pushes.get(user)]
    return problems


def render(messages: list[dict[str, Any]]) -> str:
    """Messages as a reader sees them: one block per message, then the quick replies."""
    if not messages:
        return "    (nothing)"
    lines = []
    for message in messages:
        kind = message.get("type", "?")
        body = " / ".join(t for t in message_texts(message) if t)
        lines.append(f"    [{kind}] {body}")
        labels = [str(a.get("label", "")) + ("" if a.get("type") == "message" else f" <{a.get('data', '')}>")
                  for a in choices([message])]
        if labels:
            lines.append("      choices: " + " | ".join(labels))
    return "\n".join(lines)


def report(rel: str, title: str, step: Step, outcome: Outcome, problems: list[str]) -> str:
    parts = [f"{rel} — {title}", f"  {step.describe()}", *[f"  ✗ {p}" for p in problems],
             "  bot replied:", render(outcome.reply)]
    for user, messages in outcome.pushes.items():
        parts += [f"  pushed to {user}:", render(messages)]
    return "\n".join(parts)
