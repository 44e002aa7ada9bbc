"""Keyset pagination for queries with `order` and `limit`: a first-page statement and a next-page one.

The sort keys are completed with the primary key as a tie-breaker where they are not unique already
(`schemac.compiler.keyset.tiebreak`, the same columns the design appends to the index). The first page is
the plain ordered statement; `<Name>Next` takes the last row's sort values and id as `after_<column>`
parameters and reads the rows after it. Two statements rather than one with `? IS NULL OR ...`: a
condition that may or may not apply is never an index bound, so one generic plan would read from the
start of the group on every page.

The cursor condition is what the engine turns into one index range: a row comparison,
`(created_at, id) < ($2, $3)`, where the dialect bounds an index scan with it (PostgreSQL), and spelled out
key by key, `created_at < ? OR (created_at = ? AND id < ?)`, where it does not (MariaDB reads a row
comparison as a filter over the whole group). A NULL-able sort key is neither: where the dialect has a
value that sorts where NULL does (PostgreSQL: 'infinity' for timestamps, dates and numerics) and the index
serves nothing else with that column, the index holds `COALESCE(key, 'infinity')` and the statements order
and compare by the same expression, so the cursor is again one row comparison. Otherwise (MariaDB, integer
or text keys, mixed directions) the condition is spelled out key by key, placing NULLs where the dialect
sorts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.compiler.keyset import tiebreak

if TYPE_CHECKING:
    from schemac.backends.sql.context import Context
    from schemac.backends.sql.queries import ReadQuery
    from schemac.backends.sql.tables import Layout
    from schemac.compiler.model import Query

NEXT = "Next"  # the next-page statement: <Name>Next


@dataclass(frozen=True)
class Key:
    column: ColumnElement[Any]
    descending: bool
    nullable: bool
    param: Any
    name: str  # the cursor parameter, after_<column>


@dataclass(frozen=True)
class Keyset:
    """The ordered first page, and the condition that moves it past the cursor."""

    first: Any
    after: ColumnElement[bool]
    keys: tuple[Key, ...]

    def note(self, statement: str) -> str:
        columns = ", ".join(k.name[len("after_"):] for k in self.keys)
        return (f"keyset pagination, the page after the last row of {statement}: pass that row's {columns} as "
                f"{', '.join(k.name for k in self.keys)}")


def is_keyset(q: Query) -> bool:
    aggregated = bool(q.group) or any(i.func for i in q.select if i.relation is None)
    return bool(q.order and q.limit) and not aggregated and not q.returns_one


def sentinel_fields(ctx: Context, layout: Layout, position: int | None) -> frozenset[str]:
    """The NULL-able sort keys that index `position` holds as `COALESCE(key, sentinel)`: keyset sort keys of
    the patterns it serves, with a sentinel for their type, that no pattern it serves compares or sorts by
    otherwise (an aggregate over the column reads it from the table instead of the index)."""
    if position is None or ctx.dialect.sort_sentinel(sa.DateTime()) is None:
        return frozenset()
    plan = ctx.design.relational.indexes[position]
    if plan.unique or plan.method != "btree" or plan.entity not in layout.tables:
        return frozenset()
    info = layout.of(plan.entity)
    queries = ctx.queries
    served = ctx.access_by_index.get(position, [])
    if position in ctx.looked_up:
        return frozenset()
    other = {f for p in served for f in (*p.equality, *p.range)}
    other |= {f for p in served if not is_keyset(queries[p.query]) for f in p.sort}
    out: set[str] = set()
    for p in served:
        for k in queries[p.query].order if is_keyset(queries[p.query]) else ():
            columns = info.field_columns.get(k.field, ()) if len(k.steps) == 1 and k.entities else ()
            column = info.table.c[columns[0]] if len(columns) == 1 else None
            if column is not None and column.nullable and k.field not in other and \
                    ctx.dialect.sort_sentinel(column.type) is not None:
                out.add(k.field)
    return frozenset(out)


def sentinel(ctx: Context, column: Any) -> ColumnElement[Any]:
    """`COALESCE(column, sentinel)`, as the index holds it and the statements order by it."""
    value = sa.literal_column(ctx.dialect.sort_sentinel(column.type) or "NULL", column.type)
    return sa.func.coalesce(column, value, type_=column.type)


def keyset(rq: ReadQuery, stmt: Any, *, inclusive: bool = False) -> Keyset:
    keys: list[tuple[ColumnElement[Any], bool, bool, str]] = []
    coalesced = sentinel_fields(rq.ctx, rq.layout, rq.plan.index if rq.plan else None)
    for k in rq.q.order:
        col = rq.order_column(k)
        name = "after_" + "_".join((*k.steps[:-1], col.name))
        keys.append((col, k.descending, bool(getattr(col, "nullable", True)), name))
    descending = rq.q.order[-1].descending
    for field in tiebreak(rq.root.entity, rq.q):
        for column in rq.root.field_columns[field]:
            keys.append((rq.t.c[column], descending, False, f"after_{column}"))
    bound = tuple(_key(rq, c, desc, nullable, n, coalesced) for c, desc, nullable, n in keys)
    first = stmt.order_by(*(k.column.desc() if k.descending else k.column for k in bound))
    first = first.limit(sa.literal_column(str(rq.q.limit)))
    return Keyset(first, _after(rq, list(bound), inclusive), bound)


def _key(rq: ReadQuery, column: Any, desc: bool, nullable: bool, name: str, coalesced: frozenset[str]) -> Key:
    param = rq.params.get(name, column.type, nullable=nullable)
    fields = {f for f, cols in rq.root.field_columns.items() if cols == (column.name,)} \
        if getattr(column, "table", None) is rq.t else set()
    if nullable and fields & coalesced:
        return Key(sentinel(rq.ctx, column), desc, False, sentinel(rq.ctx, param), name)
    return Key(column, desc, nullable, param, name)


def _after(rq: ReadQuery, keys: list[Key], inclusive: bool = False) -> ColumnElement[bool]:
    """The rows after the cursor; `inclusive`: the cursor row too (a branch of a union keeps it, the union
    drops it: paging.union_after)."""
    uniform = len({k.descending for k in keys}) == 1 and not any(k.nullable for k in keys)
    if uniform and rq.d.row_value_keyset:
        row, cursor = sa.tuple_(*(k.column for k in keys)), sa.tuple_(*(k.param for k in keys))
        if inclusive:
            return row <= cursor if keys[0].descending else row >= cursor
        return row < cursor if keys[0].descending else row > cursor
    return expanded(rq, keys, inclusive)


def expanded(rq: ReadQuery, keys: list[Key], inclusive: bool = False) -> ColumnElement[bool]:
    """The keyset condition spelled out key by key."""
    key = keys[0]
    after = _greater(rq, key)
    same = key.column.is_not_distinct_from(key.param) if key.nullable else key.column == key.param
    if len(keys) == 1:
        return sa.or_(after, same) if inclusive else after
    return sa.or_(after, sa.and_(same, expanded(rq, keys[1:], inclusive)))


def _greater(rq: ReadQuery, key: Key) -> ColumnElement[bool]:
    col, param = key.column, key.param
    beyond = col < param if key.descending else col > param
    if not key.nullable:
        return beyond
    if rq.d.nulls_sort_high != key.descending:  # NULLs come after every value in this direction
        return sa.and_(param.is_not(None), sa.or_(beyond, col.is_(None)))
    return sa.or_(sa.and_(param.is_(None), col.is_not(None)), beyond)
