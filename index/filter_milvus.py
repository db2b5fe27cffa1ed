"""The filter language as Milvus boolean expressions, and the filter fields each Milvus row carries.

Milvus compares JSON values loosely (`true == 1`, and a missing key makes `not (...)` false too), so
rows carry typed shadows of their metadata that reproduce the FAISS backend's JSON semantics exactly:
`tags`, hashes of every top-level scalar `(key, type code)`; `elements`, hashes of every scalar inside a
top-level array; `numbers`, the top-level numbers (booleans excluded). Equality / IN / NOT IN test
`tags`, array-contains tests `elements`, ranges read `numbers`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bindspace.index.filter_language import All, AnyOf, Contains, Node, Range, Scalar, is_number
from bindspace.index.filters import value_code

HASH_LENGTH = 32


def _hash(kind: str, key: str, code: str) -> str:
    return hashlib.blake2b(json.dumps([kind, key, code]).encode(), digest_size=HASH_LENGTH // 2).hexdigest()


def _scalar_hash(key: str, value: Scalar) -> str:
    return _hash("scalar", key, value_code(value))


def _element_hash(key: str, value: Scalar) -> str:
    return _hash("element", key, value_code(value))


def shadow_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The `tags`, `elements` and `numbers` fields of a row with this metadata."""
    tags, elements, numbers = [], set(), {}
    for key, value in metadata.items():
        if isinstance(value, list):
            elements.update(_element_hash(key, v) for v in value if value_code(v) is not None)
        elif value_code(value) is not None:
            tags.append(_scalar_hash(key, value))
            if is_number(value):
                numbers[key] = value
    return {"tags": tags, "elements": sorted(elements), "numbers": numbers}


def string_literal(text: str) -> str:
    """A Milvus string literal (double-quoted, backslash escapes)."""
    return json.dumps(text, ensure_ascii=False)


def to_expression(node: Node) -> str:
    """A Milvus boolean expression over the shadow fields."""
    if isinstance(node, AnyOf):
        hashes = ", ".join(string_literal(_scalar_hash(node.key, value)) for value in node.values)
        test = f"array_contains_any(tags, [{hashes}])"
        return f"not {test}" if node.negated else test
    if isinstance(node, Range):
        return " and ".join(f'numbers[{string_literal(node.key)}] {op} {bound!r}' for op, bound in node.bounds)
    if isinstance(node, Contains):
        return f"array_contains(elements, {string_literal(_element_hash(node.key, node.value))})"
    joiner = " and " if isinstance(node, All) else " or "
    return joiner.join(f"({to_expression(part)})" for part in node.parts)
