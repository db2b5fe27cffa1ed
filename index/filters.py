"""The tags that index metadata for equality filters in the SQLite item store.

Every top-level metadata value that is a string, number, boolean or null is stored as a tag
`(key, code)`, so equality and IN conditions (filter_language.py) are index lookups. Codes keep types
apart the way JSON does (`1` and `"1"` differ, `true` and `1` differ) while `1` and `1.0` are the
same number. Nested values (objects and arrays) are not tagged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


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
