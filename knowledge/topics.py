"""Read topics.yaml: `group:` lines, then indented `topic: description` lines.

topics.yaml is a byte-for-byte copy of ../shared/topics.yaml, which is not strict YAML (a description on
line 44 contains ": "), so it is read line by line instead of with a YAML parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.problems import Problem, error

_GROUP = re.compile(r"^([a-z][a-z0-9_]*):\s*(#.*)?$")
_TOPIC = re.compile(r"^ {2}([a-z][a-z0-9_]*):\s*(.*)$")


@dataclass
class TopicsTable:
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> topic -> description
    lines: dict[str, int] = field(default_factory=dict)  # topic -> line
    problems: list[Problem] = field(default_factory=list)

    def topic_groups(self) -> dict[str, str]:
        return {topic: group for group, members in self.groups.items() for topic in members}


def parse_topics(text: str, path: str = "topics.yaml") -> TopicsTable:
    table = TopicsTable()
    group: str | None = None
    last: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if m := _GROUP.match(raw):
            group, last = m.group(1), None
            table.groups.setdefault(group, {})
        elif (m := _TOPIC.match(raw)) and group is not None:
            last = m.group(1)
            if last in table.lines:
                table.problems.append(
                    error(path, number, f"topic '{last}' already on line {table.lines[last]}")
                )
                continue
            table.groups[group][last] = m.group(2).strip()
            table.lines[last] = number
        elif raw.startswith("   ") and last is not None and group is not None:
            table.groups[group][last] += " " + raw.strip()  # a description continued on the next line
        else:
            table.problems.append(error(path, number, "expected 'group:' or '  topic: description'"))
    if not table.lines:
        table.problems.append(error(path, 1, "no topics found"))
    return table
