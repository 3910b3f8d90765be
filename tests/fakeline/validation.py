"""Request checks of the fake LINE API: LINE's OpenAPI schemas plus the documented limits they do not express.

The OpenAPI file is read from the shared research folder beside the repository (CI has it). Without it only
the limit checks run, and `RequestValidator.has_schema` is False so tests can say why they skip.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT.parent / "shared" / "line" / "messaging-api.yml"
_SPEC_URI = "urn:line:messaging-api"

# Limits from LINE's reference that the schema leaves out (see ../shared/research/line.md §3).
MAX_TEXT_UNITS = 5_000
MAX_ALT_TEXT_UNITS = 400
MAX_QUICK_REPLY_LABEL = 20
MAX_FLEX_BUTTON_LABEL = 40
MAX_ACTION_TEXT = 300
MAX_POSTBACK_DATA = 300
MAX_URI = 1_000
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000
MAX_CAROUSEL_BUBBLES = 12
MAX_MESSAGES = 5


@dataclass(frozen=True)
class Detail:
    """One entry of LINE's error body `details`."""

    property: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"message": self.message, "property": self.property}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def grapheme_len(text: str) -> int:
    return len(regex.findall(r"\X", text))


class RequestValidator:
    """Validates JSON request bodies by API path."""

    def __init__(self, spec_path: Path | None = SPEC_PATH) -> None:
        self.spec_path = spec_path
        self.has_schema = bool(spec_path and spec_path.is_file())
        self._validators: dict[str, Draft202012Validator] = {}
        if self.has_schema:
            assert spec_path is not None
            self._validators = _request_validators(str(spec_path))

    def errors(self, path: str, body: Any) -> list[Detail]:
        details: list[Detail] = []
        validator = self._validators.get(path)
        if validator is not None:
            for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
                details.append(_schema_detail(error))
        if isinstance(body, dict):
            # A property the schema already flagged is reported once, as LINE does.
            flagged = {detail.property for detail in details}
            details.extend(d for d in limit_errors(body) if d.property not in flagged)
        return details


def _schema_detail(error: ValidationError) -> Detail:
    """Phrase a schema error the way LINE's error details read (without echoing the whole value)."""
    where = _property(error.absolute_path)
    kind, value, schema = error.validator, error.validator_value, error.schema
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return Detail(f"{where}.{name}" if where else name, "May not be empty")
    if kind in ("maxLength", "minLength"):
        return Detail(
            where, f"Length must be between {schema.get('minLength', 0)} and {schema.get('maxLength')}"
        )
    if kind in ("maxItems", "minItems"):
        return Detail(where, f"Size must be between {schema.get('minItems', 0)} and {schema.get('maxItems')}")
    if kind == "enum":
        return Detail(where, f"Must be one of the following values: [{', '.join(map(str, value))}]")
    if kind == "type":
        return Detail(where, f"Must be of type {value}")
    return Detail(where, error.message[:200])


def _property(path: Any) -> str:
    """["messages", 0, "text"] -> "messages[0].text", the way LINE names properties."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@lru_cache(maxsize=4)
def _request_validators(spec_path: str) -> dict[str, Draft202012Validator]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(Path(spec_path).read_text(encoding="utf-8"), Loader=loader)
    document = {"$id": _SPEC_URI, "components": {"schemas": _json_schemas(spec["components"]["schemas"])}}
    registry = Registry().with_resource(_SPEC_URI, Resource.from_contents(document, DRAFT202012))
    validators: dict[str, Draft202012Validator] = {}
    for path, operations in spec["paths"].items():
        body = ((operations.get("post") or {}).get("requestBody") or {}).get("content", {})
        ref = (body.get("application/json") or {}).get("schema", {}).get("$ref")
        if ref:
            schema = {"$ref": f"{_SPEC_URI}{ref}"}
            validators[path] = Draft202012Validator(schema, registry=registry)
    return validators


def _json_schemas(schemas: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 -> JSON Schema: `discriminator` dispatches on its property, `nullable` allows null."""
    schemas = copy.deepcopy(schemas)
    for name, schema in list(schemas.items()):
        discriminator = schema.get("discriminator")
        if not discriminator:
            continue
        base_ref = f"#/components/schemas/{name}__base"
        schemas[f"{name}__base"] = {k: v for k, v in schema.items() if k != "discriminator"}
        mapping: dict[str, str] = discriminator["mapping"]
        for sub_ref in mapping.values():
            # Subtypes extend the base with allOf; point them at the base so dispatch does not loop.
            for part in schemas[sub_ref.rsplit("/", 1)[1]].get("allOf", []):
                if part.get("$ref") == f"#/components/schemas/{name}":
                    part["$ref"] = base_ref
        key = discriminator["propertyName"]
        # Each subtype already includes the base, so the dispatcher itself only checks the discriminator.
        schemas[name] = {
            "type": "object",
            "required": [key],
            "properties": {key: {"enum": sorted(mapping)}},
            "allOf": [
                {"if": {"properties": {key: {"const": value}}, "required": [key]}, "then": {"$ref": ref}}
                for value, ref in mapping.items()
            ],
        }
    _nullable_to_null(schemas)
    return schemas


def _nullable_to_null(node: Any) -> None:
    if isinstance(node, dict):
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_to_null(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_to_null(value)


# ---- limits the schema does not express --------------------------------------------------------------------


def limit_errors(body: dict[str, Any]) -> list[Detail]:
    details: list[Detail] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        if len(messages) > MAX_MESSAGES:
            details.append(Detail("messages", f"Size must be between 1 and {MAX_MESSAGES}"))
        for index, message in enumerate(messages):
            if isinstance(message, dict):
                details.extend(_message_errors(message, f"messages[{index}]"))
    if "chatId" in body:
        details.extend(_loading_errors(body))
    return details


def _message_errors(message: dict[str, Any], where: str) -> list[Detail]:
    details: list[Detail] = []
    kind = message.get("type")
    if kind == "text" and isinstance(message.get("text"), str):
        details.extend(_length(message["text"], f"{where}.text", MAX_TEXT_UNITS))
    if kind in ("flex", "template", "imagemap") and isinstance(message.get("altText"), str):
        details.extend(_length(message["altText"], f"{where}.altText", MAX_ALT_TEXT_UNITS))
    if kind == "flex" and isinstance(message.get("contents"), dict):
        details.extend(_flex_errors(message["contents"], f"{where}.contents"))
    items = (message.get("quickReply") or {}).get("items")
    if isinstance(items, list):
        if len(items) > 13:
            details.append(Detail(f"{where}.quickReply.items", "Size must be between 0 and 13"))
        for index, item in enumerate(items):
            action = item.get("action") if isinstance(item, dict) else None
            if isinstance(action, dict):
                at = f"{where}.quickReply.items[{index}].action"
                details.extend(_action_errors(action, at, MAX_QUICK_REPLY_LABEL, label_required=True))
    return details


def _length(text: str, where: str, limit: int) -> list[Detail]:
    if not text:
        return [Detail(where, "May not be empty")]
    if utf16_len(text) > limit:
        return [Detail(where, f"Length must be between 0 and {limit}")]
    return []


def _action_errors(
    action: dict[str, Any], where: str, label_limit: int, label_required: bool
) -> list[Detail]:
    details: list[Detail] = []
    label = action.get("label")
    kind = action.get("type")
    if label is None and label_required and kind in ("message", "postback", "uri", "datetimepicker"):
        details.append(Detail(f"{where}.label", "May not be empty"))
    elif isinstance(label, str) and not 1 <= grapheme_len(label) <= label_limit:
        details.append(Detail(f"{where}.label", f"Length must be between 1 and {label_limit}"))
    checks = {
        "message": [("text", MAX_ACTION_TEXT)],
        "postback": [("data", MAX_POSTBACK_DATA), ("displayText", MAX_ACTION_TEXT)],
        "uri": [("uri", MAX_URI)],
    }.get(str(kind), [])
    for field, limit in checks:
        value = action.get(field)
        if field in ("text", "data", "uri") and value is None:
            details.append(Detail(f"{where}.{field}", "May not be empty"))
        elif isinstance(value, str) and (utf16_len(value) > limit or (field == "text" and not value)):
            details.append(Detail(f"{where}.{field}", f"Length must be between 1 and {limit}"))
    return details


def _flex_errors(contents: dict[str, Any], where: str) -> list[Detail]:
    size = len(json.dumps(contents, ensure_ascii=False, separators=(",", ":")).encode())
    carousel = contents.get("type") == "carousel"
    limit = MAX_CAROUSEL_BYTES if carousel else MAX_BUBBLE_BYTES
    details = [Detail(where, f"Flex message size must be at most {limit} bytes")] if size > limit else []
    bubbles = contents.get("contents")
    if carousel and isinstance(bubbles, list) and len(bubbles) > MAX_CAROUSEL_BUBBLES:
        details.append(Detail(f"{where}.contents", f"Size must be between 1 and {MAX_CAROUSEL_BUBBLES}"))
    return details + _flex_action_errors(contents, where)


def _flex_action_errors(node: Any, where: str) -> list[Detail]:
    """Walk the flex tree: button labels may be 40 graphemes, other actions follow the usual limits."""
    details: list[Detail] = []
    if isinstance(node, dict):
        for key, value in node.items():
            at = f"{where}.{key}"
            if key == "action" and isinstance(value, dict):
                required = node.get("type") == "button"
                details.extend(_action_errors(value, at, MAX_FLEX_BUTTON_LABEL, label_required=required))
            else:
                details.extend(_flex_action_errors(value, at))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            details.extend(_flex_action_errors(value, f"{where}[{index}]"))
    return details


def _loading_errors(body: dict[str, Any]) -> list[Detail]:
    details: list[Detail] = []
    chat_id = body.get("chatId")
    if isinstance(chat_id, str) and not chat_id.startswith("U"):
        # LINE shows the loading animation in one-on-one chats only; group and room IDs get 400.
        details.append(Detail("chatId", "The loading animation is available only in one-on-one chats"))
    seconds = body.get("loadingSeconds", 20)
    if isinstance(seconds, int) and (seconds % 5 or not 5 <= seconds <= 60):
        details.append(Detail("loadingSeconds", "Must be a multiple of 5 between 5 and 60"))
    return details


# ---- rich menus (the schema leaves the size rules and the area limits out) ---------------------------------

MAX_RICH_MENU_AREAS = 20
RICH_MENU_WIDTH = (800, 2500)
RICH_MENU_MIN_HEIGHT = 250
RICH_MENU_MIN_RATIO = 1.45  # width / height


def richmenu_errors(body: dict[str, Any]) -> list[Detail]:
    """Size rules, the 20-area limit, areas inside the menu, and the usual action limits on each area."""
    size = body.get("size")
    width, height = (size.get("width"), size.get("height")) if isinstance(size, dict) else (None, None)
    details: list[Detail] = []
    if isinstance(width, int) and isinstance(height, int):
        if not RICH_MENU_WIDTH[0] <= width <= RICH_MENU_WIDTH[1]:
            details.append(Detail("size.width", "Must be between 800 and 2500"))
        if height < RICH_MENU_MIN_HEIGHT:
            details.append(Detail("size.height", "Must be at least 250"))
        if height > 0 and width / height < RICH_MENU_MIN_RATIO:
            details.append(Detail("size", "The aspect ratio (width / height) must be at least 1.45"))
    areas = body.get("areas")
    if isinstance(areas, list):
        if len(areas) > MAX_RICH_MENU_AREAS:
            details.append(Detail("areas", f"Size must be between 0 and {MAX_RICH_MENU_AREAS}"))
        for index, area in enumerate(areas):
            if isinstance(area, dict):
                details.extend(_area_errors(area, f"areas[{index}]", width, height))
    return details


def _area_errors(area: dict[str, Any], where: str, width: Any, height: Any) -> list[Detail]:
    details: list[Detail] = []
    bounds = area.get("bounds")
    if isinstance(bounds, dict) and isinstance(width, int) and isinstance(height, int):
        x, y = bounds.get("x", 0), bounds.get("y", 0)
        w, h = bounds.get("width", 0), bounds.get("height", 0)
        if all(isinstance(v, int) for v in (x, y, w, h)) and (x + w > width or y + h > height):
            details.append(Detail(f"{where}.bounds", "The area must lie inside the rich menu"))
    action = area.get("action")
    if isinstance(action, dict):
        details.extend(_action_errors(action, f"{where}.action", MAX_QUICK_REPLY_LABEL, label_required=False))
    return details
