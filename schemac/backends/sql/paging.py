"""Keyset pagination for queries with `order` and `limit`.

The sort keys are completed with the primary key as a tie-breaker where they are not unique already
(`schemac.compiler.keyset.tiebreak`, the same columns the design appends to the index);
`after_<column>` parameters carry the last row of the previous page, and a NULL cursor (the tie-breaker,
`after_id`, or all of them without one) asks for the first page. With one
direction and no NULL-able key the condition is a row comparison, `(created_at, id) < ($2, $3)`, which a
B-tree index on the same columns answers as a range; otherwise it is spelled out key by key, placing NULLs
where the dialect sorts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.compiler.keyset import tiebreak

if TYPE_CHECKING:
    from schemac.backends.sql.queries import ReadQuery

Key = tuple[ColumnElement[Any], bool, bool, Any]  # column, descending, nullable, parameter


def keyset(rq: ReadQuery, stmt: Any) -> Any:
    keys: list[Key] = []
    names: list[str] = []
    for k in rq.q.order:
        col = rq.order_column(k)
        name = "after_" + "_".join((*k.steps[:-1], col.name))
        keys.append((col, k.descending, bool(getattr(col, "nullable", True)), None))
        names.append(name)
    descending = rq.q.order[-1].descending
    tie = [c for f in tiebreak(rq.root.entity, rq.q) for c in rq.root.field_columns[f]]
    for column in tie:
        keys.append((rq.t.c[column], descending, False, None))
        names.append(f"after_{column}")
    keys = [(c, desc, nullable, rq.params.get(n, c.type, nullable=True))
            for (c, desc, nullable, _), n in zip(keys, names, strict=True)]
    cursor = keys[-1:] if tie else keys
    first_page = sa.and_(*(p.is_(None) for *_, p in cursor))
    stmt = stmt.where(sa.or_(first_page, _after(rq, keys)))
    stmt = stmt.order_by(*(c.desc() if desc else c for c, desc, _, _ in keys))
    rq.notes.append(f"keyset pagination: pass the last row's {', '.join(c.name for c, *_ in keys)} as "
                    f"{', '.join(names)}; {'NULL' if len(cursor) == 1 else 'NULLs'} for the first page")
    return stmt.limit(sa.literal_column(str(rq.q.limit)))


def _after(rq: ReadQuery, keys: list[Key]) -> ColumnElement[bool]:
    uniform = len({desc for _, desc, _, _ in keys}) == 1 and not any(n for _, _, n, _ in keys)
    if uniform:
        row, cursor = sa.tuple_(*(c for c, *_ in keys)), sa.tuple_(*(p for *_, p in keys))
        return row < cursor if keys[0][1] else row > cursor
    return _expanded(rq, keys)


def _expanded(rq: ReadQuery, keys: list[Key]) -> ColumnElement[bool]:
    col, desc, nullable, param = keys[0]
    after = _greater(rq, col, desc, nullable, param)
    if len(keys) == 1:
        return after
    same = col.is_not_distinct_from(param) if nullable else col == param
    return sa.or_(after, sa.and_(same, _expanded(rq, keys[1:])))


def _greater(rq: ReadQuery, col: Any, desc: bool, nullable: bool, param: Any) -> ColumnElement[bool]:
    beyond = col < param if desc else col > param
    if not nullable:
        return beyond
    if rq.d.nulls_sort_high != desc:  # NULLs come after every value in this direction
        return sa.and_(param.is_not(None), sa.or_(beyond, col.is_(None)))
    return sa.or_(sa.and_(param.is_(None), col.is_not(None)), beyond)
