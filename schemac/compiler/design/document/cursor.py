"""Keyset continuation: the page after a cursor, as the SQL targets' `<Name>Next` reads it (the last row's sort
values and id, passed as `after_<column>`, PostgreSQL's parameter names and order).

A find reads past the cursor with an `$or` beside its filter: `{k1: {$gt: a1}}`, `{k1: a1, k2: {$gt: a2}}`, ...
(`$lt` descending): each clause is equalities on a prefix of the sort keys and one range on the next, so the
index that serves the first page bounds every clause, in the same order (MDB-I01).

A read in PostgreSQL's null order (nullorder.py) has two continuations, chosen by the cursor's value of the
optional key, so that no request compares a key with a null parameter (MongoDB's comparison operators match
only values of the parameter's type, and a null parameter would silently change what a range means):
ascending (nulls last), after a set value: the set documents past the cursor, then by `$unionWith` the nulls,
ranked as the first page; after a null: only null documents, past the cursor's tiebreak, a plain find on the
same index. Descending (nulls first) mirrors it: after a null, the null documents past the cursor, then every
set one; after a set value, only set documents past the cursor."""

from __future__ import annotations

from typing import Literal

from schemac.compiler.design.document.layout import DocumentAccess
from schemac.compiler.design.document.nullorder import optional_key, ranked, split
from schemac.compiler.model import Entity, FieldKind, Query

Key = tuple[str, Literal[1, -1], str]


def paged(q: Query) -> bool:
    """The SQL targets read a next page for these reads (an order and a limit; not grouped, not one row)."""
    aggregated = bool(q.group) or any(i.func for i in q.select if i.relation is None)
    return bool(q.order and q.limit) and not aggregated and not q.returns_one


def continuation(e: Entity, a: DocumentAccess, keys: dict[str, str]) -> tuple[DocumentAccess, ...]:
    """The requests for the page after a cursor of the find `a` (before nulls_last); () when a sort key is not
    a column of the result (nothing to take the cursor from), or when a null cursor value would meet a range
    other than the first key's null split (an optional key further on, or a read nulls_last leaves in MongoDB's
    order). `keys`: document key -> IR field name."""
    columns = {path: column for column, path in a.columns}
    cursor: list[Key] = []
    params = list(a.params)
    found = optional_key(e, a, keys)
    for i, (key, direction) in enumerate(a.sort):
        f = e.field(keys.get(key, ""))
        if key not in columns or f is None or (f.optional and (i > 0 or found is None)):
            return ()
        name = f"after_{columns[key]}"
        cursor.append((key, direction, name))
        kind = "uuid" if f.kind is FieldKind.REFERENCE else (f.scalar.kind.value if f.scalar else "json")
        params.append((name, kind, f.optional))
    base = a.model_copy(update={"params": tuple(params), "follow_ups": (), "why": ""})
    if found is None:
        return (_named(base.model_copy(update={"keyset": tuple(cursor)}), "next", cursor),)
    key, bson = found
    set_, nulls = split(base, key, bson)
    set_after = set_.model_copy(update={"keyset": tuple(cursor)})
    nulls_after = nulls.model_copy(update={"keyset": tuple(cursor[1:])})
    if a.sort[0][1] == 1:
        after_set = ranked(base, set_after, nulls, key, "nulls")
        after_null = _find(nulls_after)
    else:
        after_set = _find(set_after)
        after_null = ranked(base, nulls_after, set_, key, "set")
    name = cursor[0][2]
    return (_named(after_set.model_copy(update={"when": ((name, "set"),)}), "next_after_set", cursor),
            _named(after_null.model_copy(update={"when": ((name, "null"),)}), "next_after_null", cursor))


def _find(a: DocumentAccess) -> DocumentAccess:
    return a.model_copy(update={"kind": "find"})


def _named(a: DocumentAccess, suffix: str, cursor: list[Key]) -> DocumentAccess:
    past = ", ".join(k for k, _, _ in cursor)
    when = f" (when the cursor's `{a.when[0][0]}` is {a.when[0][1]})" if a.when else ""
    return a.model_copy(update={"pattern": f"{a.pattern}.{suffix}",
                                "why": f"the page after the cursor ({past}: {', '.join(p for _, _, p in cursor)})"
                                       f"{when}, on the first page's index"})
