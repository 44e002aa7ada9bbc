"""Design IndexPlans -> SQLAlchemy Index objects. The design decides which indexes exist; this module only
spells them for the dialect: partial predicates, INCLUDE, DESC, full-text, and the MySQL substitutes
(live-row key column, predicate columns as key parts, covering columns as trailing parts, prefixes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import StatisticsSpec
from schemac.backends.sql.paging import sentinel, sentinel_fields
from schemac.backends.sql.predicates import const_condition
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.backends.sql.types import is_unbounded_text, mysql_key_bytes
from schemac.compiler.design.model import IndexPlan

TEXT_PREFIX = 191  # characters of a TEXT column in a MySQL key: 764 bytes of utf8mb4
LIVE_KEY = "live_key"


@dataclass
class KeySpec:
    """The key of one index as the dialect will spell it."""

    columns: list[tuple[str, bool]]  # (column, descending)
    where: list[ColumnElement[bool]] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    lengths: dict[str, int] = field(default_factory=dict)
    coalesced: set[str] = field(default_factory=set)  # NULL-able keyset sort keys held as COALESCE(key, sentinel)


def build_indexes(ctx: Context, layout: Layout) -> tuple[list[sa.Index], dict[int, str]]:
    """The indexes, and the name of each by its position in Design.indexes."""
    _add_live_keys(ctx, layout)
    out: list[sa.Index] = []
    names: dict[int, str] = {}
    for position, plan in enumerate(ctx.design.relational.indexes):
        if plan.origin == "primary" or plan.entity not in layout.tables:
            continue
        index = _index(ctx, layout.of(plan.entity), plan, sentinel_fields(ctx, layout, position))
        if index is not None:
            out.append(index)
            names[position] = str(index.name)
    return out, names


def _add_live_keys(ctx: Context, layout: Layout) -> None:
    """MySQL: a STORED generated column, 1 on live rows and NULL on deleted ones, for live-row uniqueness."""
    if ctx.dialect.partial_indexes:
        return
    for plan in ctx.design.relational.indexes:
        info = layout.tables.get(plan.entity)
        if info is None or not (plan.unique and plan.live_only and info.deleted_at) or info.live_key:
            continue
        name = LIVE_KEY if LIVE_KEY not in info.table.c else f"{LIVE_KEY}_"
        deleted = ctx.dialect.quote(info.deleted_at)
        column = sa.Column(name, sa.SmallInteger(), sa.Computed(
            f"CASE WHEN {deleted} IS NULL THEN 1 END", persisted=True), nullable=True,
            comment="1 while the row is live, NULL once soft-deleted: unique keys ending with it hold among "
                    "live rows only (NULLs never collide), in place of a partial unique index.")
        info.table.append_column(column)
        info.live_key = name


def plan_columns(info: TableInfo, plan: IndexPlan) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for part in plan.parts:
        for column in info.field_columns.get(part.field, ()):
            if column not in {c for c, _ in out}:
                out.append((column, part.descending))
    return out


def _index(ctx: Context, info: TableInfo, plan: IndexPlan, coalesced: frozenset[str]) -> sa.Index | None:
    columns = plan_columns(info, plan)
    if not columns:
        return None
    suffix = "key" if plan.unique else ("search" if plan.method == "fulltext" else "idx")
    name = ctx.namer.constraint(info.name, [c for c, _ in columns], suffix)
    key = KeySpec(columns)
    if plan.method == "fulltext":
        _apply_live_only(ctx, info, plan, key)
        where = sa.and_(*key.where) if key.where else None
        return ctx.dialect.fulltext_index(name, info.table, [c for c, _ in columns], where)
    _apply_live_only(ctx, info, plan, key)
    _apply_where(ctx, info, plan, key, name)
    _apply_include(ctx, info, plan, key, name)
    _apply_prefixes(ctx, info, plan, key, name)
    key.coalesced = {c for f in coalesced for c in info.field_columns.get(f, ())}
    return _make_index(ctx, info, plan, key, name)


def _apply_live_only(ctx: Context, info: TableInfo, plan: IndexPlan, key: KeySpec) -> None:
    if not (plan.live_only and info.deleted_at):
        return
    if ctx.dialect.partial_indexes:
        key.where.append(info.table.c[info.deleted_at].is_(None))
    elif plan.unique and info.live_key:
        key.columns.append((info.live_key, False))


def _apply_where(ctx: Context, info: TableInfo, plan: IndexPlan, key: KeySpec, name: str) -> None:
    if not plan.where:
        return
    conditions = [(p, info.column_of(p.field)) for p in plan.where if p.is_local]
    if ctx.dialect.partial_indexes:
        key.where[:0] = [const_condition(ctx.dialect, c, p) for p, c in conditions]
        return
    present = {c for c, _ in key.columns}
    added = [c.name for _, c in conditions if c.name not in present]
    lead = 1 if key.columns and key.columns[0][0] == info.tenant else 0
    key.columns[lead:lead] = [(c, False) for c in dict.fromkeys(added)]
    if added:
        ctx.report("SC0419", plan.where[0].span, index=name, columns=", ".join(added))


def _apply_include(ctx: Context, info: TableInfo, plan: IndexPlan, key: KeySpec, name: str) -> None:
    names = [c for f in plan.include for c in info.field_columns.get(f, ())]
    names = [c for c in names if c not in {k for k, _ in key.columns}]
    if not names:
        return
    if ctx.dialect.include_columns:
        key.include = names
        return
    trial = key.columns + [(c, False) for c in names]
    fits = len(trial) <= ctx.dialect.max_index_columns and \
        _key_bytes(info, trial, key.lengths) <= (ctx.dialect.max_key_bytes or 0) and \
        not any(is_unbounded_text(info.table.c[c].type) for c in names)
    if fits and not plan.unique:
        key.columns = trial
    action = "are appended as trailing key parts" if fits and not plan.unique else "are left out"
    ctx.report("SC0418", None, index=name, columns=", ".join(names), action=action)


def _apply_prefixes(ctx: Context, info: TableInfo, plan: IndexPlan, key: KeySpec, name: str) -> None:
    if ctx.dialect.max_key_bytes is None:
        return
    for column, _ in key.columns:  # a prefix would change what a unique key means: limits.py reports it
        if is_unbounded_text(info.table.c[column].type) and not plan.unique:
            key.lengths[column] = TEXT_PREFIX
    if key.lengths:  # SQLAlchemy cannot combine a prefix with DESC; a B-tree reads backwards anyway
        key.columns = [(c, False) for c, _ in key.columns]


def _key_bytes(info: TableInfo, columns: list[tuple[str, bool]], lengths: dict[str, int]) -> int:
    return sum(mysql_key_bytes(info.table.c[c].type, lengths.get(c)) for c, _ in columns)


def _make_index(ctx: Context, info: TableInfo, plan: IndexPlan, key: KeySpec, name: str) -> sa.Index:
    t = info.table
    parts = [(sentinel(ctx, t.c[c]) if c in key.coalesced else t.c[c], desc) for c, desc in key.columns]
    exprs: list[Any] = [part.desc() if desc else part for part, desc in parts]
    where = sa.and_(*key.where) if key.where else None
    kwargs = ctx.dialect.index_options(where=where, include=key.include, lengths=key.lengths)
    return sa.Index(name, *exprs, unique=plan.unique, **kwargs)


def statistics_specs(ctx: Context, info: TableInfo) -> list[StatisticsSpec]:
    """The design's StatisticsPlans on this table (only targets whose capabilities allow them get any from
    the design), named and in columns."""
    out: list[StatisticsSpec] = []
    for plan in ctx.statistics_by_entity.get(info.entity.name, ()):
        columns = tuple(c for f in plan.fields for c in info.field_columns.get(f, ()))
        out.append(StatisticsSpec(ctx.namer.constraint(info.name, list(columns), "stat"), info.name, columns,
                                  tuple(plan.kinds)))
    return out


def render_statistics(ctx: Context, spec: StatisticsSpec) -> str:
    """`CREATE STATISTICS` for one spec."""
    cols = ", ".join(ctx.dialect.quote(c) for c in spec.columns)
    return (f"CREATE STATISTICS {ctx.dialect.quote(spec.name)} ({', '.join(spec.kinds)}) ON {cols} FROM "
            f"{ctx.dialect.quote(spec.table)};")
