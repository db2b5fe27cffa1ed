"""The filter language evaluated over a collection's SQLite item store (the FAISS backend).

Equality and IN use the indexed `tags` table (scalar values by type code); ranges and array-contains
read the item's metadata JSON with SQLite's JSON functions, which scans the items the other
conditions leave (no index serves them).
"""

from __future__ import annotations

from bindspace.index.filter_language import All, AnyOf, Contains, Node, Range, Scalar
from bindspace.index.filters import value_code


def _path(key: str) -> str:
    return f'$."{key}"'


def _element_matches(value: Scalar) -> tuple[str, list]:
    if value is None:
        return "e.type = 'null'", []
    if isinstance(value, bool):
        return "e.type = ?", ["true" if value else "false"]
    if isinstance(value, str):
        return "e.type = 'text' AND e.value = ?", [value]
    return "e.type IN ('integer', 'real') AND e.value = ?", [value]


def to_sql(node: Node) -> tuple[str, list]:
    """A boolean SQL expression over `items i` and its parameters."""
    if isinstance(node, AnyOf):
        codes = sorted({value_code(value) for value in node.values})
        marks = ",".join("?" * len(codes))
        negation = "NOT " if node.negated else ""
        return f"i.iid {negation}IN (SELECT iid FROM tags WHERE key = ? AND code IN ({marks}))", [node.key, *codes]
    if isinstance(node, Range):
        path = _path(node.key)
        checks = " AND ".join(f"json_extract(i.metadata, ?) {op} ?" for op, _ in node.bounds)
        params: list = [path]
        for _, bound in node.bounds:
            params += [path, bound]
        return f"(json_type(i.metadata, ?) IN ('integer', 'real') AND {checks})", params
    if isinstance(node, Contains):
        path = _path(node.key)
        match, params = _element_matches(node.value)
        return (f"(json_type(i.metadata, ?) = 'array' AND EXISTS "
                f"(SELECT 1 FROM json_each(i.metadata, ?) e WHERE {match}))", [path, path, *params])
    joiner = " AND " if isinstance(node, All) else " OR "
    clauses, params = [], []
    for part in node.parts:
        clause, part_params = to_sql(part)
        clauses.append(f"({clause})")
        params += part_params
    return joiner.join(clauses), params
