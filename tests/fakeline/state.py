"""What the fake LINE API remembers and how it answers: pure logic, no HTTP, safe to call from any thread.

Semantics modelled on LINE's reference (see ../shared/research/line.md):
- a reply token works once; a used or expired token gives 400 {"message": "Invalid reply token"};
- `X-Line-Retry-Key` is accepted on push and multicast only (400 on reply); repeating an accepted key
  gives 409 with `x-line-accepted-request-id`;
- a request that was accepted counts as delivered even if the caller never reads the answer (a delayed answer
  and a client that disconnects meanwhile still mean the user got the message, as with the real platform);
- rich menus, their images, aliases, the default menu and per-user links: see richmenus.py.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakeline.richmenus import RichMenuApi
from tests.fakeline.validation import Detail, RequestValidator

MAX_BODY_BYTES = 2 * 1024 * 1024  # LINE answers 413 above 2 MB
_PROFILE = re.compile(r"^/v2/bot/profile/(?P<user>[^/]+)$")
_CONTENT = re.compile(r"^/v2/bot/message/(?P<message>[^/]+)/content$")
_FAILURE_MESSAGES = {
    429: "The API rate limit has been exceeded. Try again later.",
    500: "Internal server error",
    503: "Service unavailable",
}


@dataclass(frozen=True)
class Call:
    """One HTTP request the fake received, with the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    time: float
    response: Any = None


@dataclass(frozen=True)
class Sent:
    """Messages the fake accepted for delivery (reply, push or multicast)."""

    kind: str
    to: tuple[str, ...]
    messages: list[dict[str, Any]]
    request_id: str
    time: float
    reply_token: str | None = None
    retry_key: str | None = None


@dataclass
class Answer:
    status: int
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


@dataclass
class _Rule:
    remaining: int
    path: str | None
    status: int = 0
    retry_after: int | None = None
    after_processing: bool = False
    delay: float = 0.0

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (self.path is None or self.path == path)


@dataclass
class _Token:
    user_id: str | None
    used: bool = False
    expired: bool = False


class FakeLineState(RichMenuApi):
    """Recorded calls, reply tokens, retry keys and injected failures of one fake LINE API."""

    def __init__(self, access_token: str, validator: RequestValidator, strict_tokens: bool = False) -> None:
        self.access_token = access_token
        self.validator = validator
        self.strict_tokens = strict_tokens  # False: any unknown reply token works once
        self._lock = threading.RLock()
        self.reset()

    # ---- test controls -------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._calls: list[Call] = []
            self._sent: list[Sent] = []
            self._tokens: dict[str, _Token] = {}
            self._accepted_keys: dict[str, str] = {}
            self._failures: list[_Rule] = []
            self._delays: list[_Rule] = []
            self._profiles: dict[str, dict[str, Any]] = {}
            self._contents: dict[str, tuple[bytes, str]] = {}
            self._rich_menu_reset()

    def register_reply_token(self, token: str, user_id: str) -> None:
        with self._lock:
            self._tokens[token] = _Token(user_id)

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            self._tokens.setdefault(token, _Token(None)).expired = True

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        retry_after: int | None = None,
        *,
        path: str | None = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next `n` matching requests with `status`.

        With `after_processing` the request is handled first (messages delivered, token used) and only the
        answer is an error: the ambiguous case a client cannot tell from a plain failure.
        """
        with self._lock:
            self._failures.append(_Rule(n, path, status, retry_after, after_processing))

    def delay_next(self, seconds: float, n: int = 1, *, path: str | None = None) -> None:
        """Hold the next `n` matching answers for `seconds` (the request is processed before the wait)."""
        with self._lock:
            self._delays.append(_Rule(n, path, delay=seconds))

    def add_profile(self, user_id: str, display_name: str, **extra: Any) -> None:
        with self._lock:
            self._profiles[user_id] = {"userId": user_id, "displayName": display_name, **extra}

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        with self._lock:
            self._contents[message_id] = (data, content_type)

    # ---- queries -------------------------------------------------------------------------------------------

    def calls(self, path: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if path is None or c.path == path]

    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def replies(self) -> list[Sent]:
        return [s for s in self.sent() if s.kind == "reply"]

    def pushes(self) -> list[Sent]:
        return [s for s in self.sent() if s.kind == "push"]

    def messages_to(self, user_id: str) -> list[str]:
        """Texts delivered to a user in order (a flex message contributes its altText)."""
        texts: list[str] = []
        for sent in self.sent():
            if user_id in sent.to:
                texts.extend(str(m.get("text", m.get("altText", ""))) for m in sent.messages)
        return texts

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> bool:
        """Poll `predicate` until it is true or `timeout` passes (blocking; see `wait_for_async`)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)
        return True

    # ---- request handling ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Answer, float]:
        """Answer one request; returns the answer and how long to hold it."""
        headers = {k.lower(): v for k, v in headers.items()}
        request_id = uuid.uuid4().hex
        body = _parse_json(raw)
        with self._lock:
            answer = self._answer(method, path, headers, raw, body, request_id)
            answer.headers.setdefault("x-line-request-id", request_id)
            delay = _take(self._delays, path)
            self._calls.append(
                Call(
                    method,
                    path,
                    headers,
                    body,
                    answer.status,
                    time.time(),
                    answer.body if isinstance(answer.body, dict) else None,
                )
            )
        return answer, delay.delay if delay else 0.0

    def _answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes, body: Any, request_id: str
    ) -> Answer:
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return Answer(
                401,
                {
                    "message": "Authentication failed due to the following reason: invalid token. "
                    "Confirm that the access token in the authorization header is valid."
                },
            )
        if len(raw) > MAX_BODY_BYTES:
            return Answer(413, {"message": "Request entity too large"})
        failure = _take(self._failures, path)
        if failure and not failure.after_processing:
            return _failure_answer(failure)
        answer = self._route(method, path, headers, body, raw, request_id)
        return _failure_answer(failure) if failure else answer

    def _route(
        self, method: str, path: str, headers: dict[str, str], body: Any, raw: bytes, request_id: str
    ) -> Answer:
        if (rich_menu := self._rich_menu_route(method, path, headers, body, raw)) is not None:
            return rich_menu
        if method == "POST" and path in _POST_ROUTES:
            if raw and body is None:
                return _bad_request([Detail("", "The request body is not valid JSON")])
            return _POST_ROUTES[path](self, headers, body if body is not None else {}, request_id)
        if method == "GET" and (match := _PROFILE.match(path)):
            profile = self._profiles.get(match["user"])
            return Answer(200, dict(profile)) if profile else Answer(404, {"message": "Not found"})
        if method == "GET" and (match := _CONTENT.match(path)):
            content = self._contents.get(match["message"])
            if content is None:
                return Answer(404, {"message": "Not found"})
            return Answer(200, content[0], media_type=content[1])
        return Answer(404, {"message": "Not found"})

    def _reply(self, headers: dict[str, str], body: Any, request_id: str) -> Answer:
        if "x-line-retry-key" in headers:
            return Answer(400, {"message": "The X-Line-Retry-Key header is not supported by this API"})
        if details := self._errors("/v2/bot/message/reply", body, ("replyToken", "messages")):
            return _bad_request(details)
        token_value = body["replyToken"]
        token = self._tokens.get(token_value)
        if (token is None and self.strict_tokens) or (token is not None and (token.used or token.expired)):
            return Answer(400, {"message": "Invalid reply token"})
        token = self._tokens.setdefault(token_value, _Token(None))
        token.used = True
        to = (token.user_id,) if token.user_id else ()
        return self._accept("reply", to, body, request_id, reply_token=token_value)

    def _push(self, headers: dict[str, str], body: Any, request_id: str) -> Answer:
        return self._send_with_key("push", "/v2/bot/message/push", headers, body, request_id)

    def _multicast(self, headers: dict[str, str], body: Any, request_id: str) -> Answer:
        return self._send_with_key("multicast", "/v2/bot/message/multicast", headers, body, request_id)

    def _send_with_key(
        self, kind: str, path: str, headers: dict[str, str], body: Any, request_id: str
    ) -> Answer:
        key = headers.get("x-line-retry-key")
        if key is not None and not _is_uuid(key):
            return _bad_request([Detail("X-Line-Retry-Key", "Must be a UUID")])
        if key is not None and key in self._accepted_keys:
            accepted = self._accepted_keys[key]
            return Answer(
                409,
                {"message": "The retry key is already accepted"},
                {"x-line-accepted-request-id": accepted},
            )
        if details := self._errors(path, body, ("to", "messages")):
            return _bad_request(details)
        if key is not None:
            self._accepted_keys[key] = request_id
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        answer = self._accept(kind, tuple(to), body, request_id, retry_key=key)
        return Answer(200, {}) if kind == "multicast" else answer

    def _loading(self, headers: dict[str, str], body: Any, request_id: str) -> Answer:
        if details := self._errors("/v2/bot/chat/loading/start", body, ("chatId",)):
            return _bad_request(details)
        return Answer(202, {})

    def _errors(self, path: str, body: Any, required: tuple[str, ...]) -> list[Detail]:
        """Schema and limit errors, plus the shape this fake relies on (also when the spec file is absent)."""
        if not isinstance(body, dict):
            return [Detail("", "The request body must be a JSON object")]
        details = self.validator.errors(path, body)
        flagged = {detail.property for detail in details}
        missing = [name for name in required if body.get(name) in (None, "", []) and name not in flagged]
        return details + [Detail(name, "May not be empty") for name in missing]

    def _accept(
        self,
        kind: str,
        to: tuple[str, ...],
        body: dict[str, Any],
        request_id: str,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> Answer:
        messages = list(body["messages"])
        self._sent.append(Sent(kind, to, messages, request_id, time.time(), reply_token, retry_key))
        sent = [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex} for _ in messages]
        return Answer(200, {"sentMessages": sent})


_POST_ROUTES: dict[str, Callable[[FakeLineState, dict[str, str], Any, str], Answer]] = {
    "/v2/bot/message/reply": FakeLineState._reply,
    "/v2/bot/message/push": FakeLineState._push,
    "/v2/bot/message/multicast": FakeLineState._multicast,
    "/v2/bot/chat/loading/start": FakeLineState._loading,
}


def _take(rules: list[_Rule], path: str) -> _Rule | None:
    for rule in rules:
        if rule.matches(path):
            rule.remaining -= 1
            if rule.remaining == 0:
                rules.remove(rule)
            return rule
    return None


def _failure_answer(rule: _Rule) -> Answer:
    headers = {"retry-after": str(rule.retry_after)} if rule.retry_after is not None else {}
    return Answer(rule.status, {"message": _FAILURE_MESSAGES.get(rule.status, "Error")}, headers)


def _bad_request(details: list[Detail]) -> Answer:
    return Answer(
        400,
        {
            "message": f"The request body has {len(details)} error(s)",
            "details": [detail.as_json() for detail in details],
        },
    )


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
