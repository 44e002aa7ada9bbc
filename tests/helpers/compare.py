"""Row comparison pieces shared by the NoSQL proofs (DynamoDB, MongoDB) against PostgreSQL's answers.

An include's JSON objects are compared on the keys PostgreSQL's objects carry: since the natural keys
(SC-KEY-05) a design may store no surrogate `id` for an entity keyed by a unique field (Payment by its
idempotency_key), so PostgreSQL's objects have no `id` while the NoSQL documents (and the logical rows,
tests/helpers/pg_answers.py `_fill_unstored`) do; that id is in neither side's comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def object_keys(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, set[str]]:
    """Per JSON-array column, the keys PostgreSQL's objects carry (columns with no object left out)."""
    keys: dict[str, set[str]] = {}
    for row in rows:
        for c in columns:
            value = row.get(c)
            if isinstance(value, list | tuple):
                for item in value:
                    if isinstance(item, dict):
                        keys.setdefault(c, set()).update(item)
    return keys


def project_objects(rows: Sequence[Mapping[str, Any]], keys: Mapping[str, set[str]]) -> list[dict[str, Any]]:
    """``rows`` with the objects of each JSON-array column cut to ``keys``: an include's objects are compared on
    what PostgreSQL returns (an id its design does not store, SC-KEY-05, is in neither side's comparison)."""
    out = []
    for row in rows:
        new = dict(row)
        for c, wanted in keys.items():
            value = row.get(c)
            if isinstance(value, list | tuple):
                new[c] = [{k: v for k, v in item.items() if k in wanted} if isinstance(item, dict) else item
                          for item in value]
        out.append(new)
    return out
