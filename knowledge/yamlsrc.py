"""Read YAML and remember the line of every mapping key and list item, so errors can name file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Loc = tuple[str | int, ...]
# libyaml's parser is about ten times faster than the pure-Python one; both give node marks (line numbers).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDoc:
    """One parsed file: its data, and the 1-based line of each location (tuple of keys and list indices)."""

    path: str  # relative to the knowledge root, POSIX style
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: tuple[Any, ...] = ()) -> int:
        """Line of `loc`, or of its nearest ancestor that has one (pydantic adds locs YAML does not have)."""
        loc = tuple(loc)
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_yaml(text: str, path: str) -> YamlDoc:
    """Parse one YAML document; raise YamlSyntaxError (with its line) on bad syntax or duplicate keys."""
    last_line = max(1, len(text.splitlines()))
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(path, None, {(): 1})
        data = _construct(loader, node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, last_line) if mark else 1
        raise YamlSyntaxError(line, f"YAML syntax: {exc.problem or exc}") from exc
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    _index(node, (), lines)
    return YamlDoc(path, data, lines)


def _construct(loader: Any, node: Node) -> Any:
    try:
        return loader.construct_document(node)
    except ValueError as exc:  # e.g. a date like 2025-13-01: the constructor gives no position
        bad = _first_bad_scalar(node)
        raise YamlSyntaxError(bad.start_mark.line + 1 if bad else 1, f"bad value: {exc}") from exc


def _first_bad_scalar(node: Node) -> Node | None:
    if isinstance(node, ScalarNode):
        try:
            yaml.SafeLoader("").construct_object(node)
        except ValueError:
            return node
        return None
    children = [v for pair in node.value for v in pair] if isinstance(node, MappingNode) else node.value
    for child in children if isinstance(children, list) else []:
        if (bad := _first_bad_scalar(child)) is not None:
            return bad
    return None


def read_yaml(root: Path, file: Path) -> YamlDoc:
    rel = file.relative_to(root).as_posix()
    return parse_yaml(file.read_text(encoding="utf-8"), rel)


def _index(node: Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.start_mark)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                raise YamlSyntaxError(line, f"duplicate key '{key}' (first on line {seen[key]})")
            seen[key] = line
            lines[loc + (key,)] = line  # the key's line reads better than the value's
            _index(value_node, loc + (key,), lines)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, loc + (i,), lines)
