"""Maintained summaries (SC-SUM-01): a hot grouped read over time buckets answered from a summary table.

The table is keyed by the tenant, the group keys and the buckets (each bucket as its first instant in UTC,
typed like the field), and holds the live rows' count (`rows_count`) and each `sum(...)`. Triggers on the
entity keep it in the writing transaction: a row counts while it is live (soft-deleted rows leave their
group, restored ones return); every insert adds its row, every delete subtracts it, and every update
subtracts the old row and adds the new one, so a row moved between groups or buckets moves its numbers. A
group whose count falls to 0 is deleted, so the table holds exactly the groups a GROUP BY would return.

PostgreSQL (`per="statement"`): one statement-level trigger per event reads the transition tables, nets the
changes per group and upserts each changed group once, in key order (the lock order is the same in every
transaction). MySQL: row triggers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import NEW_ROWS, OLD_ROWS, TriggerSpec
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.design.model import SummaryPlan

ROWS = "rows_count"


def key_column(ctx: Context, info: TableInfo, field: str, bucket: str | None) -> str:
    column = info.field_columns[field][0]
    return ctx.namer.fit(f"{field}_{bucket}") if bucket else column


def summary_table(ctx: Context, layout: Layout, plan: SummaryPlan) -> sa.Table:
    info = layout.of(plan.entity)
    columns: list[sa.Column[Any]] = []
    for field, bucket in plan.keys:
        source = info.column_of(field)
        columns.append(sa.Column(key_column(ctx, info, field, bucket), source.type, nullable=False))
    columns.append(sa.Column(ROWS, sa.BigInteger(), nullable=False))
    for alias, field in plan.sums:
        columns.append(sa.Column(ctx.namer.fit(alias), _sum_type(info.column_of(field).type), nullable=False))
    name = ctx.namer.unique(plan.query, "summary")
    pk_name = ctx.namer.unique(name, "pkey") if ctx.dialect.name_primary_key else None
    pk = sa.PrimaryKeyConstraint(*(c.name for c in columns[:len(plan.keys)]), name=pk_name)
    return sa.Table(name, sa.MetaData(), *columns, pk, comment=f"summary of query {plan.query}: "
                    f"kept by triggers on {info.name}", **ctx.dialect.table_options)


def _sum_type(type_: Any) -> Any:
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float) and type_.precision:
        return sa.Numeric(min(type_.precision + 6, 38), type_.scale)
    if isinstance(type_, sa.Integer):
        return sa.BigInteger()
    return type_


class SummaryTrigger:
    def __init__(self, ctx: Context, layout: Layout, plan: SummaryPlan, table: sa.Table) -> None:
        self.ctx, self.plan, self.table = ctx, plan, table
        self.d = ctx.dialect
        self.info = layout.of(plan.entity)

    def spec(self) -> TriggerSpec:
        name = self.ctx.namer.unique(self.table.name, "sync")
        if self.plan.per == "statement":
            events = {e: self._statement(e) for e in ("insert", "update", "delete")}
        else:
            events = {"insert": self._add("NEW"), "update": (*self._subtract("OLD"), *self._add("NEW")),
                      "delete": self._subtract("OLD")}
        comment = f"{self.table.name}: the groups of query {self.plan.query}, kept by this trigger"
        return TriggerSpec(name, self.info.name, "after", events, comment, per=self.plan.per)

    # --- expressions over one row ------------------------------------------------------------------------
    def _keys(self, row: str) -> list[tuple[str, str]]:
        """(summary column, expression over `row`) for each key."""
        out = []
        for field, bucket in self.plan.keys:
            source = self.info.column_of(field)
            text = f"{row}.{self.d.quote(source.name)}"
            ref = sa.literal_column(text, source.type)
            expr = self.d.compile_expr(self.d.bucket_start(ref, bucket)) if bucket else text
            out.append((key_column(self.ctx, self.info, field, bucket), expr))
        return out

    def _values(self, row: str, sign: str = "") -> list[tuple[str, str]]:
        out = [(ROWS, f"{sign}1")]
        for alias, field in self.plan.sums:
            out.append((self.ctx.namer.fit(alias), f"{sign}{row}.{self.d.quote(self.info.column_of(field).name)}"))
        return out

    def _live(self, row: str) -> str:
        deleted = self.info.deleted_at
        return f"{row}.{self.d.quote(deleted)} IS NULL" if deleted else "TRUE"

    # --- row triggers (MySQL) -----------------------------------------------------------------------------
    def _add(self, row: str) -> tuple[str, ...]:
        q = self.d.quote
        keys, values = self._keys(row), self._values(row)
        columns = ", ".join(q(c) for c, _ in keys + values)
        exprs = ", ".join(e for _, e in keys + values)
        update = ", ".join(f"{q(c)} = {q(c)} + {e}" for c, e in values)
        return (f"IF {self._live(row)} THEN",
                f"  INSERT INTO {self.d.table_ref(self.table.name)} ({columns}) VALUES ({exprs})",
                f"    ON DUPLICATE KEY UPDATE {update};", "END IF;")

    def _subtract(self, row: str) -> tuple[str, ...]:
        q = self.d.quote
        where = " AND ".join(f"{q(c)} = {e}" for c, e in self._keys(row))
        update = ", ".join(f"{q(c)} = {q(c)} - {e}" for c, e in self._values(row))
        table = self.d.table_ref(self.table.name)
        return (f"IF {self._live(row)} THEN", f"  UPDATE {table} SET {update} WHERE {where};",
                f"  DELETE FROM {table} WHERE {where} AND {q(ROWS)} = 0;", "END IF;")

    # --- statement triggers (PostgreSQL) -----------------------------------------------------------------
    def _changes(self, event: str) -> str:
        """`(keys..., deltas...)` rows: each changed group with its net change."""
        q = self.d.quote
        sides = {"insert": [(NEW_ROWS, "n", "")], "delete": [(OLD_ROWS, "o", "-")],
                 "update": [(NEW_ROWS, "n", ""), (OLD_ROWS, "o", "-")]}[event]
        parts = []
        for table, alias, sign in sides:
            cols = [f"{e} AS {q(c)}" for c, e in self._keys(alias)]
            cols += [f"{e} AS {q(c)}" for c, e in self._values(alias, sign)]
            parts.append(f"SELECT {', '.join(cols)} FROM {table} AS {alias} WHERE {self._live(alias)}")
        keys = ", ".join(f"r.{q(c)}" for c, _ in self._keys("r"))
        sums = ", ".join(f"sum(r.{q(c)}) AS {q(c)}" for c, _ in self._values("r"))
        nonzero = " OR ".join(f"sum(r.{q(c)}) <> 0" for c, _ in self._values("r"))
        union = "\n    UNION ALL ".join(parts)
        return (f"SELECT {keys}, {sums} FROM (\n    {union}) AS r\n  GROUP BY {keys} HAVING {nonzero}\n"
                f"  ORDER BY {keys}")

    def _statement(self, event: str) -> tuple[str, ...]:
        q = self.d.quote
        table = self.d.table_ref(self.table.name)
        keys = [q(c) for c, _ in self._keys("r")]
        values = [q(c) for c, _ in self._values("r")]
        changes = self._changes(event)
        update = ", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in values)
        upsert = (f"INSERT INTO {table} AS s ({', '.join(keys + values)})\n  {changes}\n"
                  f"  ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {update};")
        if event == "insert":
            return (upsert,)
        match = " AND ".join(f"s.{k} = d.{k}" for k in keys)
        prune = f"DELETE FROM {table} AS s USING (\n  {changes}) AS d\n  WHERE {match} AND s.{q(ROWS)} = 0;"
        return (upsert, prune)


def summary_blocks(ctx: Context, layout: Layout) -> dict[str, list[tuple[sa.Table, TriggerSpec]]]:
    """By entity: each summary table and the trigger that keeps it."""
    out: dict[str, list[tuple[sa.Table, TriggerSpec]]] = {}
    for plan in ctx.design.relational.summaries:
        if plan.entity not in layout.tables:
            continue
        table = summary_table_of(ctx, layout, plan)
        out.setdefault(plan.entity, []).append((table, SummaryTrigger(ctx, layout, plan, table).spec()))
    return out


def summary_table_of(ctx: Context, layout: Layout, plan: SummaryPlan) -> sa.Table:
    """One table per summary for this build (the read statement, the schema and the catalog share it)."""
    cache: dict[str, sa.Table] = ctx.__dict__.setdefault("_summary_tables", {})
    if plan.query not in cache:
        cache[plan.query] = summary_table(ctx, layout, plan)
    return cache[plan.query]


def summary_read(rq: Any) -> Any:
    """The query's SELECT over its summary table: the group keys, count(*) and the sums, filtered like the
    query (the tenant, equalities on group keys, bucket ranges on bucket columns)."""
    plan = rq.ctx.design.relational.summary(rq.q.name)
    table = summary_table_of(rq.ctx, rq.layout, plan)
    info: TableInfo = rq.root
    columns = []
    for key in rq.q.group:
        name = key_column(rq.ctx, info, key.field, key.bucket)
        alias = next((s.alias for s in rq.q.select if s.func is None and (s.steps, s.bucket) ==
                      (key.steps, key.bucket)), f"{key.field}_{key.bucket}" if key.bucket else name)
        columns.append(table.c[name].label(alias))
    for s in rq.q.select:
        if s.func == "count":
            columns.append(table.c[ROWS].label(s.alias))
        elif s.func == "sum":
            column = table.c[rq.ctx.namer.fit(s.alias)]
            columns.append(column if column.name == s.alias else column.label(s.alias))
    where = []
    if info.tenant:
        where.append(table.c[info.tenant] == rq.params.tenant(info.tenant, table.c[info.tenant].type))
    for p in rq.q.where:
        column = table.c[key_column(rq.ctx, info, p.field, p.bucket)]
        if p.bucket is not None:
            where.append(_bucket_condition(rq, column, p))
        else:
            where.append(column == rq.params.get(p.value.name, column.type))
    stmt = sa.select(*columns).where(*where)
    if rq.q.order:
        stmt = stmt.order_by(*(_order(rq.ctx, table, info, k) for k in rq.q.order))
    if rq.q.limit:
        stmt = stmt.limit(sa.literal_column(str(rq.q.limit)))
    return stmt, table.name


def _bucket_condition(rq: Any, column: Any, p: Any) -> Any:
    first = rq.params.get(p.value.name, column.type)
    last = rq.params.get(p.value2.name, column.type) if p.op == "between" else first
    return sa.and_(column >= first, column < rq.d.bucket_next(last, p.bucket))


def _order(ctx: Context, table: sa.Table, info: TableInfo, key: Any) -> Any:
    if not key.entities:
        name = ctx.namer.fit(key.steps[0])
        column = table.c[ROWS] if name not in table.c else table.c[name]
    else:
        column = table.c[key_column(ctx, info, key.field, key.bucket)]
    return column.desc() if key.descending else column
