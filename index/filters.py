"""Metadata equality filters and the tags that index them.

Every top-level metadata value that is a string, number, boolean or null is stored as a tag
`(key, code)`; a filter `{"album": "2024", "year": [2023, 2024]}` matches items whose tags contain
`album == "2024"` AND `year` equal to one of the listed values. Codes keep types apart the way
JSON does (`1` and `"1"` differ, `true` and `1` differ) while `1` and `1.0` are the same number.
Nested values (objects and arrays) are stored but not indexed, so filters cannot reach them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bindspace.index.errors import InvalidFilterError

Scalar = str | int | float | bool | None

MetadataFilter = Mapping[str, Scalar | list[Scalar]]


def value_code(value: Any) -> str | None:
    """The tag code of a scalar metadata value, or None when the value is not indexable."""
    if value is None:
        return "z:"
    if isinstance(value, bool):
        return "b:1" if value else "b:0"
    if isinstance(value, int):
        return f"n:{value}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return f"n:{int(value)}" if value.is_integer() else f"n:{value!r}"
    if isinstance(value, str):
        return "s:" + value
    return None


def tags_for(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The `(key, code)` tags of an item's metadata."""
    tags = []
    for key, value in metadata.items():
        code = value_code(value)
        if code is not None:
            tags.append((key, code))
    return tags


def parse_filter(filter: MetadataFilter | None, max_values: int) -> dict[str, list[str]]:
    """Validate a filter and return `{key: [accepted codes]}` (empty for no filter)."""
    if filter is None:
        return {}
    if not isinstance(filter, Mapping):
        raise InvalidFilterError(f"a filter must be an object of key -> value, got {type(filter).__name__}")
    parsed: dict[str, list[str]] = {}
    total = 0
    for key, wanted in filter.items():
        if not isinstance(key, str) or not key:
            raise InvalidFilterError(f"filter keys must be non-empty strings, got {key!r}")
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        if not values:
            raise InvalidFilterError(f"filter value list for {key!r} is empty")
        codes = []
        for value in values:
            code = value_code(value)
            if code is None:
                raise InvalidFilterError(
                    f"filter value for {key!r} must be a string, finite number, boolean or null "
                    f"(or a list of them), got {value!r}"
                )
            codes.append(code)
        total += len(codes)
        if total > max_values:
            raise InvalidFilterError(f"a filter may list at most {max_values} values")
        parsed[key] = sorted(set(codes))
    return parsed
