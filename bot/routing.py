"""Router tree with small composable filters (first match wins), in the style of aiogram's routers.

A filter looks at a Turn and returns False (no match), True, or a dict of extracted values that the handler
finds in `turn.match`. Routers hold handlers in registration order and sub-routers after them.
"""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.turn import Turn

FilterResult = bool | dict[str, Any]
Handler = Callable[["Turn"], Awaitable[None]]


class Filter:
    """Base filter with &, | and ~ combinators."""

    def check(self, turn: Turn) -> FilterResult | Awaitable[FilterResult]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __and__(self, other: Filter) -> Filter:
        return _All((self, other))

    def __or__(self, other: Filter) -> Filter:
        return _Any((self, other))

    def __invert__(self) -> Filter:
        return _Not(self)


async def evaluate(flt: Filter, turn: Turn) -> FilterResult:
    result = flt.check(turn)
    if inspect.isawaitable(result):
        result = await result
    return result


@dataclass(frozen=True)
class _All(Filter):
    parts: tuple[Filter, ...]

    async def check(self, turn: Turn) -> FilterResult:
        found: dict[str, Any] = {}
        for part in self.parts:
            result = await evaluate(part, turn)
            if not result:
                return False
            if isinstance(result, dict):
                found.update(result)
        return found or True


@dataclass(frozen=True)
class _Any(Filter):
    parts: tuple[Filter, ...]

    async def check(self, turn: Turn) -> FilterResult:
        for part in self.parts:
            result = await evaluate(part, turn)
            if result:
                return result
        return False


@dataclass(frozen=True)
class _Not(Filter):
    inner: Filter

    async def check(self, turn: Turn) -> FilterResult:
        return not await evaluate(self.inner, turn)


@dataclass
class _Route:
    filters: tuple[Filter, ...]
    handler: Handler


@dataclass
class Router:
    name: str
    filters: Sequence[Filter] = ()
    _routes: list[_Route] = field(default_factory=list)
    _children: list[Router] = field(default_factory=list)

    def on(self, *filters: Filter) -> Callable[[Handler], Handler]:
        """Register a handler for turns matching all `filters` (in registration order)."""

        def register(handler: Handler) -> Handler:
            self._routes.append(_Route(tuple(filters), handler))
            return handler

        return register

    def include(self, *routers: Router) -> None:
        for router in routers:
            if router is self or self in router.descendants():
                raise ValueError(f"router {router.name} would create a cycle")
            self._children.append(router)

    def descendants(self) -> list[Router]:
        out: list[Router] = []
        for child in self._children:
            out += [child, *child.descendants()]
        return out

    async def route(self, turn: Turn) -> str | None:
        """Run the first matching handler; return its qualified name, or None when nothing matched."""
        own = await _match_all(self.filters, turn)
        if own is None:
            return None
        for route in self._routes:
            found = await _match_all(route.filters, turn)
            if found is not None:
                turn.match = {**own, **found}
                await route.handler(turn)
                return f"{self.name}.{route.handler.__name__}"
        for child in self._children:
            handled = await child.route(turn)
            if handled:
                return handled
        return None


async def _match_all(filters: Sequence[Filter], turn: Turn) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for flt in filters:
        result = await evaluate(flt, turn)
        if not result:
            return None
        if isinstance(result, dict):
            found.update(result)
    return found
