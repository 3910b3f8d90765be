"""Problems found in the knowledge files, and the error raised when the knowledge base cannot be loaded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the knowledge root (or "../shared/..." for shared files)
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


def error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "error", message)


def warning(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, "warning", message)


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


class KnowledgeError(ValueError):
    """The knowledge files are invalid. The message lists every problem as `path:line: message`."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        lines = [f"{p.path}:{p.line}: {p.message}" for p in self.problems]
        super().__init__(f"{len(lines)} problem(s) in the knowledge base:\n" + "\n".join(lines))
