"""The fake LINE API itself: raw HTTP requests prove what it accepts, rejects and records."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakeline import SPEC_PATH, FakeLine

USER = "U4af4980629aaaaaaaaaaaaaaaaaaaaaa"
REPLY, PUSH, LOADING = "/v2/bot/message/reply", "/v2/bot/message/push", "/v2/bot/chat/loading/start"
needs_spec = pytest.mark.skipif(
    not SPEC_PATH.is_file(),
    reason=f"{SPEC_PATH} not found: schema checks need LINE's OpenAPI file (CI has it)",
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLine]:
    with FakeLine() as fake:
        yield fake


@pytest.fixture
def line(server: FakeLine) -> FakeLine:
    server.reset()
    return server


@pytest.fixture
def http(line: FakeLine) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {line.access_token}"}
    with httpx.Client(base_url=line.base_url, headers=headers, timeout=5) as client:
        yield client


def text(value: str, **extra: object) -> dict:
    return {"type": "text", "text": value, **extra}


def quick_reply(*labels: str) -> dict:
    return {
        "items": [
            {"type": "action", "action": {"type": "message", "label": label, "text": label}}
            for label in labels
        ]
    }


def reply_body(*messages: dict, token: str = "rt-1") -> dict:
    return {"replyToken": token, "messages": list(messages)}


def rejected(response: httpx.Response) -> list[str]:
    """Properties LINE's 400 body names; also checks the body has LINE's error shape."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"].startswith("The request body has")
    assert all(set(detail) == {"message", "property"} for detail in body["details"])
    return [detail["property"] for detail in body["details"]]


def test_answers_over_http_and_stops(line: FakeLine, http: httpx.Client) -> None:
    line.register_reply_token("rt-1", USER)
    response = http.post(REPLY, json=reply_body(text("สวัสดีค่ะ")))
    assert response.status_code == 200 and len(response.json()["sentMessages"]) == 1
    assert response.headers["x-line-request-id"] == line.replies()[0].request_id
    with FakeLine() as other:
        url = other.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/v2/bot/profile/U1")


def test_requires_the_bearer_token(line: FakeLine) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.post(
            line.base_url + PUSH, json={"to": USER, "messages": [text("x")]}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["message"].startswith("Authentication failed")
    assert line.pushes() == [] and [c.status for c in line.calls()] == [401, 401]


def test_unknown_endpoints_get_404_and_are_recorded(line: FakeLine, http: httpx.Client) -> None:
    assert http.post("/v2/bot/message/narrowcast", json={}).status_code == 404
    assert http.get("/v2/bot/info").status_code == 404
    assert [(c.method, c.path, c.status) for c in line.calls()] == [
        ("POST", "/v2/bot/message/narrowcast", 404),
        ("GET", "/v2/bot/info", 404),
    ]


def test_records_method_path_headers_body_status_and_time(line: FakeLine, http: httpx.Client) -> None:
    body = {"to": USER, "messages": [text("แจ้งผลค่ะ")]}
    http.post(PUSH, json=body, headers={"X-Line-Retry-Key": str(uuid.uuid4())})
    [call] = line.calls()
    assert (call.method, call.path, call.body, call.status) == ("POST", PUSH, body, 200)
    assert (
        call.headers["authorization"] == f"Bearer {line.access_token}" and "x-line-retry-key" in call.headers
    )
    assert call.time > 0 and call.response == {
        "sentMessages": [
            {
                "id": call.response["sentMessages"][0]["id"],
                "quoteToken": call.response["sentMessages"][0]["quoteToken"],
            }
        ]
    }


@needs_spec
def test_schema_violations_are_rejected(line: FakeLine, http: httpx.Client) -> None:
    assert line.schema_checked
    assert rejected(http.post(REPLY, json=reply_body({"type": "txt", "text": "x"}))) == ["messages[0].type"]
    assert rejected(http.post(REPLY, json=reply_body({"type": "text"}))) == ["messages[0].text"]
    bad_flex = {
        "type": "flex",
        "altText": "a",
        "contents": {"type": "bubble", "body": {"type": "box", "layout": "sideways", "contents": []}},
    }
    assert rejected(http.post(REPLY, json=reply_body(bad_flex))) == ["messages[0].contents.body.layout"]
    assert rejected(http.post(PUSH, json={"messages": [text("x")]})) == ["to"]
    assert rejected(http.post(REPLY, json={"replyToken": "rt", "messages": []})) == ["messages"]
    assert line.sent() == []


def test_missing_fields_and_bad_json_are_rejected(line: FakeLine, http: httpx.Client) -> None:
    assert rejected(http.post(REPLY, json={"messages": [text("x")]})) == ["replyToken"]
    assert rejected(http.post(PUSH, content=b"{not json", headers={"content-type": "application/json"})) == [
        ""
    ]
    assert line.sent() == []


def test_line_limits_the_schema_does_not_express(line: FakeLine, http: httpx.Client) -> None:
    assert rejected(http.post(REPLY, json=reply_body(text("ก" * 5_001)))) == ["messages[0].text"]
    assert rejected(http.post(REPLY, json=reply_body(text("🍎" * 2_501)))) == [
        "messages[0].text"
    ]  # 2 units each
    assert rejected(http.post(REPLY, json=reply_body(*[text("x")] * 6))) == ["messages"]
    labels = [f"ปุ่ม {n}" for n in range(14)]
    assert rejected(http.post(REPLY, json=reply_body(text("x", quickReply=quick_reply(*labels))))) == [
        "messages[0].quickReply.items"
    ]
    too_long_label = quick_reply("แจ้งเรื่องร้องเรียนเกี่ยวกั" + "บถนน")  # 21 graphemes
    assert rejected(http.post(REPLY, json=reply_body(text("x", quickReply=too_long_label)))) == [
        "messages[0].quickReply.items[0].action.label"
    ]
    postback = {
        "items": [{"type": "action", "action": {"type": "postback", "label": "ก", "data": "d" * 301}}]
    }
    assert rejected(http.post(REPLY, json=reply_body(text("x", quickReply=postback)))) == [
        "messages[0].quickReply.items[0].action.data"
    ]
    flex = {"type": "flex", "altText": "ก" * 1_501, "contents": {"type": "bubble"}}
    assert rejected(http.post(REPLY, json=reply_body(flex))) == ["messages[0].altText"]
    big = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [text("ก" * 5_000)] * 3},
    }
    assert rejected(http.post(REPLY, json=reply_body({"type": "flex", "altText": "a", "contents": big}))) == [
        "messages[0].contents"
    ]
    assert line.sent() == []


def test_values_at_the_limits_are_accepted(line: FakeLine, http: httpx.Client) -> None:
    thai_label = "ที่" * 20  # 20 graphemes although 60 code points
    body = reply_body(
        text("🍎" * 2_500),
        *[text("x")] * 3,
        text("ก" * 5_000, quickReply=quick_reply(thai_label, *[f"ปุ่ม {n}" for n in range(12)])),
    )
    assert http.post(REPLY, json=body).status_code == 200
    assert len(line.replies()[0].messages) == 5


def test_reply_token_is_single_use_and_can_expire(line: FakeLine, http: httpx.Client) -> None:
    line.register_reply_token("rt-1", USER)
    assert http.post(REPLY, json=reply_body(text("ครั้งแรก"))).status_code == 200
    second = http.post(REPLY, json=reply_body(text("ซ้ำ")))
    assert second.status_code == 400 and second.json() == {"message": "Invalid reply token"}
    line.expire_reply_token("rt-2")
    assert http.post(REPLY, json=reply_body(text("ช้า"), token="rt-2")).json() == {
        "message": "Invalid reply token"
    }
    assert http.post(REPLY, json=reply_body(text("อื่น"), token="unregistered")).status_code == 200
    assert line.messages_to(USER) == ["ครั้งแรก"]


def test_strict_mode_refuses_unregistered_tokens() -> None:
    with FakeLine(strict_tokens=True, spec_path=None) as strict:
        headers = {"Authorization": f"Bearer {strict.access_token}"}
        response = httpx.post(strict.base_url + REPLY, json=reply_body(text("x")), headers=headers)
    assert response.status_code == 400 and response.json()["message"] == "Invalid reply token"


def test_retry_key_semantics(line: FakeLine, http: httpx.Client) -> None:
    key = str(uuid.uuid4())
    body = {"to": USER, "messages": [text("แจ้งผลค่ะ")]}
    first = http.post(PUSH, json=body, headers={"X-Line-Retry-Key": key})
    again = http.post(PUSH, json=body, headers={"X-Line-Retry-Key": key})
    assert (first.status_code, again.status_code) == (200, 409)
    assert again.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert http.post(PUSH, json=body, headers={"X-Line-Retry-Key": "not-a-uuid"}).status_code == 400
    line.register_reply_token("rt-1", USER)
    on_reply = http.post(REPLY, json=reply_body(text("x")), headers={"X-Line-Retry-Key": key})
    assert on_reply.status_code == 400  # LINE refuses retry keys on reply
    assert line.messages_to(USER) == ["แจ้งผลค่ะ"]


def test_multicast_delivers_to_each_user(line: FakeLine, http: httpx.Client) -> None:
    response = http.post("/v2/bot/message/multicast", json={"to": [USER, "U2"], "messages": [text("ประกาศ")]})
    assert response.status_code == 200
    assert line.messages_to(USER) == line.messages_to("U2") == ["ประกาศ"]


def test_failure_injection(line: FakeLine, http: httpx.Client) -> None:
    line.fail_next(2, status=429, retry_after=3, path=PUSH)
    body = {"to": USER, "messages": [text("x")]}
    first = http.post(PUSH, json=body)
    assert first.status_code == 429 and first.headers["retry-after"] == "3" and "message" in first.json()
    assert http.post(LOADING, json={"chatId": USER}).status_code == 202  # other paths unaffected
    assert [http.post(PUSH, json=body).status_code for _ in range(2)] == [429, 200]
    line.fail_next(1, status=500, after_processing=True)
    assert http.post(PUSH, json=body).status_code == 500
    assert len(line.pushes()) == 2  # the 500 came after delivering: the ambiguous case


def test_delayed_answer_counts_as_delivered_when_the_client_gives_up(line: FakeLine) -> None:
    line.delay_next(1.0, path=PUSH)
    headers = {"Authorization": f"Bearer {line.access_token}"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            line.base_url + PUSH, json={"to": USER, "messages": [text("ส่งแล้ว")]}, headers=headers, timeout=0.2
        )
    assert line.messages_to(USER) == ["ส่งแล้ว"]
    assert line.calls(PUSH)[0].status == 200


def test_loading_animation_rules(line: FakeLine, http: httpx.Client) -> None:
    assert http.post(LOADING, json={"chatId": USER, "loadingSeconds": 20}).status_code == 202
    assert rejected(http.post(LOADING, json={"chatId": "C1234"})) == ["chatId"]
    assert rejected(http.post(LOADING, json={"chatId": USER, "loadingSeconds": 7})) == ["loadingSeconds"]


def test_profile_and_content(line: FakeLine, http: httpx.Client) -> None:
    line.add_profile(USER, "สมศรี", pictureUrl="https://example.invalid/p.png")
    line.add_content("m-1", b"\xff\xd8jpeg", "image/jpeg")
    assert http.get(f"/v2/bot/profile/{USER}").json()["displayName"] == "สมศรี"
    assert http.get("/v2/bot/profile/U-unknown").status_code == 404
    content = http.get("/v2/bot/message/m-1/content")
    assert content.content == b"\xff\xd8jpeg" and content.headers["content-type"] == "image/jpeg"
    assert http.get("/v2/bot/message/m-2/content").status_code == 404


def test_body_over_2_mb_gets_413(line: FakeLine, http: httpx.Client) -> None:
    response = http.post(PUSH, json={"to": USER, "messages": [text("x" * (2 * 1024 * 1024))]})
    assert response.status_code == 413 and line.sent() == []


def test_messages_to_follows_delivery_order_across_reply_and_push(line: FakeLine, http: httpx.Client) -> None:
    line.register_reply_token("rt-1", USER)
    http.post(PUSH, json={"to": USER, "messages": [text("หนึ่ง")]})
    http.post(
        REPLY,
        json=reply_body(text("สอง"), {"type": "flex", "altText": "สาม", "contents": {"type": "bubble"}}),
    )
    http.post(PUSH, json={"to": "U-other", "messages": [text("ไม่ใช่")]})
    assert line.messages_to(USER) == ["หนึ่ง", "สอง", "สาม"]
    assert [s.kind for s in line.sent()] == ["push", "reply", "push"]


def test_concurrent_requests_are_all_recorded(line: FakeLine, http: httpx.Client) -> None:
    def push(n: int) -> int:
        body = {"to": f"U{n % 5}", "messages": [text(f"ข้อ {n}")]}
        return http.post(PUSH, json=body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(push, range(80)))
    assert statuses == [200] * 80
    assert len(line.calls()) == 80 and len(line.pushes()) == 80
    assert sorted(int(t.split()[1]) for t in line.messages_to("U3")) == list(range(3, 80, 5))


def test_usable_from_another_process(line: FakeLine) -> None:
    script = (
        "import json, sys, urllib.request\n"
        "req = urllib.request.Request(sys.argv[1] + '/v2/bot/message/push', method='POST',\n"
        "    data=json.dumps({'to': sys.argv[3], 'messages': [{'type': 'text', 'text': sys.argv[4]}]}).encode(),\n"
        "    headers={'Authorization': 'Bearer ' + sys.argv[2], 'Content-Type': 'application/json'})\n"
        "print(urllib.request.urlopen(req).status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, line.base_url, line.access_token, USER, "จากอีกโปรเซส"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.strip() == "200"
    assert line.wait_for(lambda: line.messages_to(USER) == ["จากอีกโปรเซส"], timeout=2)


def test_wait_for_gives_up_after_the_timeout(line: FakeLine) -> None:
    assert line.wait_for(lambda: bool(line.replies()), timeout=0.05) is False


def test_error_bodies_match_line_examples(line: FakeLine, http: httpx.Client) -> None:
    body = http.post(REPLY, json=reply_body(text(""))).json()
    assert body == {
        "message": "The request body has 1 error(s)",
        "details": [{"message": "May not be empty", "property": "messages[0].text"}],
    }
    assert json.loads(json.dumps(body)) == body
