"""Maintained aggregates, shared by the PostgreSQL and MariaDB tests: the parent column must equal the real
aggregate over its children after inserts, moves between parents, predicate changes, value changes,
soft deletes, restores and hard deletes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from schemac.compiler.design.model import MaintainedAggregate
from schemac.compiler.model import Const, Predicate, ScalarKind
from tests.helpers.sqldata import Seed, insert, sample_row

_OPS = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}


def _condition(column: Any, p: Predicate) -> Any:
    if p.op == "is_null":
        return column.is_(None)
    if p.op == "is_not_null":
        return column.is_not(None)
    value = p.value.value if isinstance(p.value, Const) else None
    return getattr(column, _OPS[p.op])(value)


def check_aggregates(conn: sa.Connection, layout: Any, aggregates: Sequence[MaintainedAggregate]) -> None:
    for agg in aggregates:
        parent, child = layout.of(agg.entity), layout.of(agg.child)
        c = child.table.alias("c")
        via = c.c[child.field_columns[agg.via][0]]
        pk = parent.table.c[parent.pk[0]]
        terms = [via == pk] + ([c.c[child.deleted_at].is_(None)] if child.deleted_at else [])
        terms += [_condition(c.c[child.field_columns[p.field][0]], p) for p in agg.where]
        value = c.c[child.field_columns[agg.child_field][0]] if agg.child_field else sa.literal_column("*")
        real = sa.select(getattr(sa.func, agg.func)(value)).where(*terms).correlate(parent.table).scalar_subquery()
        stored = parent.table.c[parent.field_columns[agg.field][0]]
        for key, kept, actual in conn.execute(sa.select(pk, stored, real)).all():
            expected = (actual or 0) if agg.func in ("count", "sum") else actual
            assert kept == expected, f"{parent.name}.{stored.name} of {key!r}: {kept} != real {actual}"


def _satisfy(row: dict[str, Any], child: Any, agg: MaintainedAggregate, mysql: bool) -> None:
    for p in agg.where:
        column = child.field_columns[p.field][0]
        if p.op == "=" and isinstance(p.value, Const):
            row[column] = p.value.value
        elif p.op == "is_null":
            row[column] = None
        elif p.op == "is_not_null" and row.get(column) is None:
            row[column] = _now(mysql)


def _violate(child: Any, agg: MaintainedAggregate, mysql: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for p in agg.where:
        column = child.field_columns[p.field][0]
        spec = child.spec(column)
        if p.op == "=" and spec.scalar is not None and spec.scalar.kind is ScalarKind.ENUM:
            values[column] = next(v for v in spec.scalar.values if v != getattr(p.value, "value", None))
        elif p.op == "=" and isinstance(getattr(p.value, "value", None), bool):
            values[column] = not getattr(p.value, "value", None)
        elif p.op == "is_not_null":
            values[column] = None
        elif p.op == "is_null":
            values[column] = _now(mysql)
    return values


def _now(mysql: bool) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(tzinfo=None) if mysql else now


def exercise_aggregates(conn: sa.Connection, layout: Any, data: Seed, aggregates: Sequence[MaintainedAggregate],
                        *, mysql: bool) -> None:
    for agg in aggregates:
        parent, child = layout.of(agg.entity), layout.of(agg.child)
        parents = data.of(agg.entity, 0)
        via = child.field_columns[agg.via][0]
        t = child.table

        def check() -> None:
            check_aggregates(conn, layout, aggregates)

        def key(row: dict[str, Any], t: sa.Table = t, pk: tuple[str, ...] = child.pk) -> Any:
            return sa.and_(*(t.c[c] == row[c] for c in pk))

        added = []
        for i in (1, 2):
            row = sample_row(data, child, i, 0, f"agg{agg.field}{i}")
            row[via] = parents[0][parent.pk[0]]
            _satisfy(row, child, agg, mysql)
            added.append(insert(conn, child, row, mysql=mysql))
            check()
        first, second = added
        conn.execute(t.update().where(key(second)).values({via: parents[1][parent.pk[0]]}))
        check()
        if agg.where:
            conn.execute(t.update().where(key(first)).values(_violate(child, agg, mysql)))
            check()
            restored = {k: first[k] for k in _violate(child, agg, mysql)}
            conn.execute(t.update().where(key(first)).values(restored))
            check()
        if agg.child_field:
            column = child.field_columns[agg.child_field][0]
            conn.execute(t.update().where(key(first)).values({column: t.c[column] + 5}))
            check()
        if child.deleted_at:
            conn.execute(t.update().where(key(first)).values({child.deleted_at: _now(mysql)}))
            check()
            conn.execute(t.update().where(key(first)).values({child.deleted_at: None}))
            check()
        conn.execute(t.delete().where(key(first)))
        check()
