"""A fake LINE Messaging API for tests: real HTTP on loopback, schema and limit checks, failure injection.

    with FakeLine() as line:            # or line = FakeLine().start(); ...; line.stop()
        line.register_reply_token("rt-1", "U1")
        ... point the bot at line.base_url with token line.access_token ...
        assert line.wait_for(lambda: line.messages_to("U1") == ["สวัสดีค่ะ"])

See state.py for the modelled LINE behaviour and validation.py for what is checked.
"""

from tests.fakeline.server import DEFAULT_TOKEN, FakeLine, build_app
from tests.fakeline.state import Call, Sent
from tests.fakeline.validation import SPEC_PATH

__all__ = ["DEFAULT_TOKEN", "SPEC_PATH", "Call", "FakeLine", "Sent", "build_app"]
