"""Turn parsed YAML into models, reporting pydantic errors as `path:line` problems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from knowledge.problems import Problem, error
from knowledge.yamlsrc import YamlDoc

M = TypeVar("M", bound=BaseModel)


def loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _message(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    name = err["loc"][-1] if err["loc"] else ""
    if kind == "extra_forbidden":
        return f"unknown key '{name}' (typo? see FORMAT.md)"
    if kind == "missing":
        return f"missing key '{name}'"
    return msg.removeprefix("Value error, ")


def pydantic_problems(doc: YamlDoc, prefix: tuple[Any, ...], exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        line = doc.line(loc)
        problems.append(error(doc.path, line, f"{loc_text(loc)}: {_message(err)}"))
    return problems


def validate(
    model: type[M], doc: YamlDoc, data: Any, prefix: tuple[Any, ...] = ()
) -> tuple[M | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, pydantic_problems(doc, prefix, exc)


def list_items(
    doc: YamlDoc, key: str, also: tuple[str, ...] = ()
) -> tuple[list[tuple[tuple[Any, ...], Any]], list[Problem]]:
    """Items of a file shaped `{key: [ ... ]}`, each with its location; problems if the shape is wrong.

    `also`: other top-level keys the file may have instead or as well (read by the caller)."""
    data = doc.data
    if data is None:
        return [], []
    if not isinstance(data, dict) or not (key in data or any(k in data for k in also)):
        return [], [error(doc.path, 1, f"expected a mapping with a '{key}:' list at the top")]
    extra = [k for k in data if k != key and k not in also]
    problems = [error(doc.path, doc.line((k,)), f"unknown top-level key '{k}'") for k in extra]
    items = data.get(key) or []
    if not isinstance(items, list):
        return [], problems + [error(doc.path, doc.line((key,)), f"'{key}' must be a list")]
    return [((key, i), item) for i, item in enumerate(items)], problems


def walk(obj: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every model and value inside a model, with its location (field names equal the YAML keys)."""
    yield loc, obj
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from walk(getattr(obj, name), loc + (name,))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from walk(item, loc + (i,))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from walk(value, loc + (key,))
