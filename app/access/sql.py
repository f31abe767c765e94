"""Typed SQL conditions: a boolean expression and the parameters it binds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Condition:
    """A SQL boolean expression with its bound parameters, combined without losing either."""

    sql: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def true(cls) -> Condition:
        return cls("true")

    @classmethod
    def false(cls) -> Condition:
        return cls("false")

    def and_(self, other: Condition) -> Condition:
        if self.sql == "false" or other.sql == "true":
            return self
        if other.sql == "false" or self.sql == "true":
            return other
        return Condition(f"({self.sql} AND {other.sql})", _merge(self.params, other.params))

    def or_(self, other: Condition) -> Condition:
        if self.sql == "true" or other.sql == "false":
            return self
        if other.sql == "true" or self.sql == "false":
            return other
        return Condition(f"({self.sql} OR {other.sql})", _merge(self.params, other.params))

    def bind(self, params: Mapping[str, object] | None = None) -> dict[str, object]:
        """This condition's parameters merged with a query's own."""
        return _merge(self.params, params or {})


def _merge(first: Mapping[str, object], second: Mapping[str, object]) -> dict[str, object]:
    clash = {k for k in first.keys() & second.keys() if first[k] != second[k]}
    if clash:
        raise ValueError(f"parameters bound twice with different values: {sorted(clash)}")
    return {**first, **second}
