"""The metadata filter language: one parser, one syntax tree, evaluated by every backend.

A filter is a JSON object. Each key names a top-level metadata field and says what its value must be;
all keys must hold (AND):

    {"album": "2024"}                          equality
    {"year": [2023, 2024]}                     IN (any of the listed values)
    {"album": {"$ne": "drafts"}}               not equal (items without the field match too)
    {"album": {"$nin": ["a", "b"]}}            NOT IN (items without the field match too)
    {"year": {"$gte": 2020, "$lt": 2025}}      numeric range ($gt, $gte, $lt, $lte; numbers only)
    {"tags": {"$contains": "beach"}}           the field is an array holding this value
    {"$or": [{...}, {...}]}, {"$and": [...]}   nesting, to any depth the limits allow
    {"album": {"$eq": "2024"}}, {"$in": [...]}  the explicit forms of equality and IN

Values compare the way JSON types them: `1` and `"1"` differ, `true` and `1` differ, `1` and `1.0`
are equal. A field that is missing, or holds another type, matches no equality, range or contains
condition. The parser checks everything (operators, value types, sizes) and raises
`InvalidFilterError` naming the problem; backends only translate a valid tree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bindspace.index.errors import InvalidFilterError

Scalar = str | int | float | bool | None

KEY = re.compile(r'[^"\\\x00-\x1f\x7f]{1,256}')
MAX_DEPTH = 16
_RANGE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_OPERATORS = ("$eq", "$ne", "$in", "$nin", "$contains", *_RANGE)


@dataclass(frozen=True)
class AnyOf:
    """The field equals one of `values` (one value: plain equality); `negated`: equals none of them."""

    key: str
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True)
class Range:
    """The field is a number and `field <op> bound` for every `(op, bound)`; ops are > >= < <=."""

    key: str
    bounds: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Contains:
    """The field is an array with an element equal to `value`."""

    key: str
    value: Scalar


@dataclass(frozen=True)
class All:
    """Every part holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Either:
    """At least one part holds."""

    parts: tuple[Node, ...]


Node = AnyOf | Range | Contains | All | Either


def is_number(value: Any) -> bool:
    """A finite JSON number (booleans are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_text(value: str) -> bool:
    """Encodable as UTF-8 (JSON may carry lone surrogates, which no store can hold)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _scalar(value: Any, where: str) -> Scalar:
    if isinstance(value, str) and not _is_text(value):
        raise InvalidFilterError(f"{where} is not valid Unicode text")
    if value is None or isinstance(value, str | bool) or is_number(value):
        return value
    raise InvalidFilterError(f"{where} must be a string, finite number, boolean or null, got {value!r}")


class _Parser:
    def __init__(self, max_values: int) -> None:
        self.max_values = max_values
        self.values = 0

    def count(self, n: int) -> None:
        self.values += n
        if self.values > self.max_values:
            raise InvalidFilterError(f"a filter may hold at most {self.max_values} values")

    def object(self, data: Any, where: str, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise InvalidFilterError(f"a filter may nest at most {MAX_DEPTH} levels deep")
        if not isinstance(data, Mapping):
            raise InvalidFilterError(f"{where} must be an object of field -> condition, got {type(data).__name__}")
        if not data:
            raise InvalidFilterError(f"{where} is an empty object")
        parts = []
        for key, condition in data.items():
            if key in ("$and", "$or"):
                parts.append(self.group(key, condition, f"{where}.{key}", depth))
            elif not isinstance(key, str) or not KEY.fullmatch(key) or key.startswith("$") or not _is_text(key):
                raise InvalidFilterError(
                    f"{where}: {key!r} is not a field name (1-256 characters without quotes, backslashes or control "
                    "characters, not starting with '$') nor one of $and, $or"
                )
            else:
                parts.extend(self.condition(key, condition, f"{where}.{key}"))
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def group(self, operator: str, members: Any, where: str, depth: int) -> Node:
        if not isinstance(members, list) or not members:
            raise InvalidFilterError(f"{where} must be a non-empty list of filter objects")
        parts = tuple(self.object(member, f"{where}[{i}]", depth + 1) for i, member in enumerate(members))
        return All(parts) if operator == "$and" else Either(parts)

    def condition(self, key: str, condition: Any, where: str) -> list[Node]:
        if isinstance(condition, list):
            return [self.any_of(key, condition, where, negated=False)]
        if not isinstance(condition, Mapping):
            self.count(1)
            return [AnyOf(key, (_scalar(condition, where),))]
        if not condition:
            raise InvalidFilterError(f"{where} is an empty object; give a value or operators such as $gte")
        nodes: list[Node] = []
        bounds = []
        for operator, operand in condition.items():
            at = f"{where}.{operator}"
            if operator not in _OPERATORS:
                raise InvalidFilterError(f"{where}: unknown operator {operator!r} (accepted: {', '.join(_OPERATORS)})")
            if operator in _RANGE:
                if not is_number(operand):
                    raise InvalidFilterError(f"{at} must be a finite number, got {operand!r}")
                self.count(1)
                bounds.append((_RANGE[operator], operand))
            elif operator in ("$in", "$nin"):
                nodes.append(self.any_of(key, operand, at, negated=operator == "$nin"))
            elif operator == "$contains":
                self.count(1)
                nodes.append(Contains(key, _scalar(operand, at)))
            else:
                self.count(1)
                nodes.append(AnyOf(key, (_scalar(operand, at),), negated=operator == "$ne"))
        if bounds:
            nodes.append(Range(key, tuple(bounds)))
        return nodes

    def any_of(self, key: str, values: Any, where: str, *, negated: bool) -> AnyOf:
        if not isinstance(values, list) or not values:
            raise InvalidFilterError(f"{where} must be a non-empty list of values")
        self.count(len(values))
        return AnyOf(key, tuple(_scalar(value, f"{where}[{i}]") for i, value in enumerate(values)), negated)


def parse(data: Any, max_values: int) -> Node | None:
    """The syntax tree of a filter (None for no filter: None or `{}`); `InvalidFilterError` names what is wrong."""
    if data is None or (isinstance(data, Mapping) and not data):
        return None
    return _Parser(max_values).object(data, "filter", 1)
