"""Keyset pagination: which primary-key fields complete a query's sort so that every row has one place.

The design stage appends them to the index that serves the query and the backends to the ORDER BY and
the `after_*` cursor, so both agree: a page boundary between rows with equal sort keys never skips or
repeats a row (the SC0349 mistake).
"""

from __future__ import annotations

from schemac.compiler.model import Entity, Query


def tiebreak(entity: Entity, query: Query) -> tuple[str, ...]:
    """The primary-key fields to append to `query.order`; () when no keyset applies or when the
    equality fields and sort keys already include a unique key (live-row uniques count: generated
    queries read live rows only)."""
    if not query.order or query.limit is None or query.group or query.returns_one:
        return ()
    order = [k.field for k in query.order if len(k.steps) == 1 and k.entities]
    bound = {p.field for p in query.where if p.is_local and p.op == "=" and p.value is not None}
    tenant = entity.tenant_field
    if tenant is not None:
        bound.add(tenant.name)
    covered = bound | set(order)
    keys = [set(entity.primary_key), *(set(u.fields) for u in entity.uniques if not u.where)]
    if any(k <= covered and k & set(order) for k in keys):
        return ()
    # fields an equality binds are constant in the result: they break no tie (a composite natural key)
    return tuple(f for f in entity.primary_key if f not in order and f not in bound)
