"""Maintained aggregates (`count(Child where ...)`, `sum(Child.field)`) as triggers on the child.

count and sum are kept incrementally: a child row *counts* when it references a parent, is live (not
soft-deleted) and matches the aggregate's where-predicate; every insert, update and delete subtracts the
old row's contribution from its old parent and adds the new row's to its new parent, so moving a child,
soft-deleting it, restoring it or changing a predicate column all keep the parent equal to the real
aggregate. min, max and avg are recomputed from the children of the affected parents.

Where the design says `per="statement"` (PostgreSQL), one AFTER ... FOR EACH STATEMENT trigger per event
reads the statement's rows from its transition tables, sums the contributions per parent and updates each
changed parent once, after locking those parents in key order: the lock order is the same in every
transaction (no deadlock between two statements that touch the same parents in opposite row order), and a
statement of n children costs one parent update instead of n. Elsewhere the triggers are per row.
"""

from __future__ import annotations

from schemac.backends.sql.cascades import deleting_flag, trigger_cascade
from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import NEW_ROWS, OLD_ROWS, TriggerSpec
from schemac.backends.sql.predicates import row_condition
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.design.model import MaintainedAggregate

INCREMENTAL = ("count", "sum")


class AggregateTrigger:
    """The trigger bodies that maintain one aggregate."""

    def __init__(self, ctx: Context, layout: Layout, agg: MaintainedAggregate) -> None:
        self.ctx, self.agg = ctx, agg
        self.d = ctx.dialect
        self.parent: TableInfo = layout.of(agg.entity)
        self.child: TableInfo = layout.of(agg.child)
        self.via = self.child.field_columns[agg.via][0]
        self.target = self.parent.field_columns[agg.field][0]
        self.value = self.child.field_columns[agg.child_field][0] if agg.child_field else None
        cascade = trigger_cascade(ctx, agg.child, agg.via)
        # set while a cascade trigger deletes the children of this very parent: skip its update (ER 1442)
        self.deleting = deleting_flag(ctx, layout, agg.entity) if cascade is not None else None
        # (child tenant, parent tenant) columns where the parent is keyed (tenant, id): its rows are found
        # by both, so that the lookup uses the primary key (REL-S01)
        scoped = self.parent.tenant and self.child.tenant and self.parent.key[:1] == (self.parent.tenant,)
        self.tenant = (self.child.tenant, self.parent.tenant) if scoped else None

    def spec(self) -> TriggerSpec:
        name = self.ctx.namer.unique(self.parent.name, self.target, "sync")
        if self.agg.per == "statement":
            events = {e: self._statement(e) for e in ("insert", "update", "delete")}
        else:
            events = {"insert": self._insert(), "update": self._update(), "delete": self._delete()}
        what = f"{self.agg.func}({self.agg.child}" + (f".{self.agg.child_field}" if self.agg.child_field else "")
        where = " where ..." if self.agg.where else ""
        comment = f"{self.parent.name}.{self.target} = {what}{where}), kept by this trigger on {self.child.name}"
        return TriggerSpec(name, self.child.name, "after", events, comment, per=self.agg.per)

    def _col(self, row: str, column: str) -> str:
        return f"{row}.{self.d.quote(column)}"

    def counts(self, row: str) -> str:
        """Whether `row` contributes to its parent's aggregate."""
        terms = [f"{self._col(row, self.via)} IS NOT NULL"]
        if self.child.deleted_at:
            terms.append(f"{self._col(row, self.child.deleted_at)} IS NULL")
        for p in self.agg.where:
            column = self.child.field_columns[p.field][0]
            terms.append(row_condition(self.d, row, column, self.child.table.c[column].type, p))
        return " AND ".join(terms)

    def _recount(self, row: str, sign: str) -> list[str]:
        q = self.d.quote
        parent_key = q(self.parent.pk[0])
        where = f"WHERE {parent_key} = {self._col(row, self.via)}"
        if self.tenant:
            where = f"WHERE {q(self.tenant[1])} = {self._col(row, self.tenant[0])} AND {where[6:]}"
        target = q(self.target)
        parent = self.d.table_ref(self.parent.name)
        skip = (f" AND NOT ({self.d.null_safe_equal(self.deleting, self._col(row, self.via))})"
                if self.deleting and row == "OLD" else "")
        if self.agg.func in INCREMENTAL:
            update = f"UPDATE {parent} SET {self._set(f'{target} {sign} {self._delta(row)}')} {where};"
            return [f"IF {self.counts(row)}{skip} THEN", f"  {update}", "END IF;"]
        recomputed = self._recomputed(self._col(row, self.via), self._tenant_of(row))
        return [f"IF {self._col(row, self.via)} IS NOT NULL{skip} THEN",
                f"  UPDATE {parent} SET {self._set(recomputed)} {where};",
                "END IF;"]

    def _delta(self, row: str) -> str:
        """What one counted `row` adds to its parent."""
        return "1" if self.agg.func == "count" else f"COALESCE({self._col(row, self.value or '')}, 0)"

    def _set(self, value: str) -> str:
        """The SET list of a parent update. Where the updated_at column is refreshed by the column itself
        (MySQL's ON UPDATE CURRENT_TIMESTAMP), it is set to itself: a counter is not an edit of the parent."""
        out = f"{self.d.quote(self.target)} = {value}"
        stamp = self.parent.updated_at
        if stamp and self.d.updated_at_by_column and stamp != self.target:
            out += f", {self.d.quote(stamp)} = {self.d.quote(stamp)}"
        return out

    def _tenant_of(self, row: str) -> str | None:
        return self._col(row, self.tenant[0]) if self.tenant else None

    def _recomputed(self, key: str, tenant: str | None) -> str:
        """min/max/avg over the live, matching children of the parent whose key is `key` (and tenant)."""
        q, alias = self.d.quote, "c"
        value = f"{self.agg.func}({alias}.{q(self.value or self.via)})"
        scope = f"{alias}.{q(self.tenant[0])} = {tenant} AND " if self.tenant and tenant else ""
        return (f"(SELECT {value} FROM {self.d.table_ref(self.child.name)} AS {alias} "
                f"WHERE {scope}{alias}.{q(self.via)} = {key} AND {self.counts(alias)})")

    def _insert(self) -> tuple[str, ...]:
        return tuple(self._recount("NEW", "+"))

    def _delete(self) -> tuple[str, ...]:
        return tuple(self._recount("OLD", "-"))

    def _update(self) -> tuple[str, ...]:
        same = [self.d.null_safe_equal(self._col("OLD", self.via), self._col("NEW", self.via)),
                self.d.null_safe_equal(f"({self.counts('OLD')})", f"({self.counts('NEW')})")]
        if self.value:
            same.append(self.d.null_safe_equal(self._col("OLD", self.value), self._col("NEW", self.value)))
        body = [f"  {line}" for line in self._recount("OLD", "-") + self._recount("NEW", "+")]
        return (f"IF NOT ({' AND '.join(same)}) THEN", *body, "END IF;")

    # statement triggers ---------------------------------------------------------------------------------
    def _rows(self, event: str) -> list[tuple[str, str, str]]:
        """The transition tables an event has, each with an alias and the sign of its rows' contribution."""
        tables = {"insert": [NEW_ROWS], "delete": [OLD_ROWS], "update": [NEW_ROWS, OLD_ROWS]}[event]
        return [(t, alias, sign) for t, alias, sign in ((NEW_ROWS, "n", "+"), (OLD_ROWS, "o", "-")) if t in tables]

    def _changed(self, event: str) -> str:
        """A query of `(k, delta)`, `(t, k, delta)` with the parent's tenant: each parent whose aggregate the
        statement changed; for count and sum with the net change, for min/max/avg with a placeholder (its
        counted multiset of values changed)."""
        q = self.d.quote
        via = q(self.via)
        keys = "r.t, r.k" if self.tenant else "r.k"

        def key(a: str) -> str:
            return (f"{a}.{q(self.tenant[0])} AS t, " if self.tenant else "") + f"{a}.{via} AS k"

        if self.agg.func in INCREMENTAL:
            parts = [f"SELECT {key(a)}, {'' if sign == '+' else '-'}{self._delta(a)} AS delta "
                     f"FROM {t} AS {a} WHERE {self.counts(a)}"
                     for t, a, sign in self._rows(event)]
            union = "\n    UNION ALL ".join(parts)
            return (f"SELECT {keys}, sum(r.delta) AS delta FROM (\n    {union}) AS r\n"
                    f"  GROUP BY {keys} HAVING sum(r.delta) <> 0")
        value = q(self.value or self.via)
        sides = [f"SELECT {key(a)}, {a}.{value} AS v FROM {t} AS {a} WHERE {self.counts(a)}"
                 for t, a, _ in self._rows(event)]
        if len(sides) == 2:  # a row counted the same before and after changes nothing
            sides = [f"SELECT * FROM (({a})\n      EXCEPT ALL ({b})) AS {alias}"
                     for a, b, alias in ((sides[0], sides[1], "added"), (sides[1], sides[0], "removed"))]
        union = "\n    UNION ALL ".join(sides)
        return f"SELECT DISTINCT {keys}, 0 AS delta FROM (\n    {union}) AS r"

    def _statement(self, event: str) -> tuple[str, ...]:
        """One statement per event: the changed parents (`d`, read from the transition tables once) are locked
        in key order when there are several (`l`, forced before the update by its one-time filter), then
        each is updated once; a parent keyed (tenant, id) is found by both, by its primary key."""
        q = self.d.quote
        parent, key, target = self.d.table_ref(self.parent.name), q(self.parent.pk[0]), q(self.target)
        tenant = f"p.{q(self.tenant[1])}" if self.tenant else None
        found = f"({tenant}, p.{key}) IN (SELECT d.t, d.k FROM d)" if tenant else f"p.{key} IN (SELECT d.k FROM d)"
        order = f"{tenant}, p.{key}" if tenant else f"p.{key}"
        value = (f"p.{target} + d.delta" if self.agg.func in INCREMENTAL
                 else self._recomputed(f"p.{key}", tenant))
        match = f"{tenant} = d.t AND p.{key} = d.k" if tenant else f"p.{key} = d.k"
        # one parent needs no lock order (and a lock before the update costs a write of its own)
        return (f"WITH d AS MATERIALIZED (\n  {self._changed(event)}),\n"
                f"l AS (SELECT 1 FROM {parent} AS p WHERE (SELECT count(*) FROM d) > 1 AND {found}\n"
                f"    ORDER BY {order} FOR NO KEY UPDATE)\n"
                f"UPDATE {parent} AS p SET {self._set(value)}\n  FROM d\n"
                f"  WHERE {match} AND (SELECT count(*) FROM l) >= 0;",)


def aggregate_triggers(ctx: Context, layout: Layout) -> dict[str, list[TriggerSpec]]:
    """Trigger specs by child entity."""
    out: dict[str, list[TriggerSpec]] = {}
    for agg in ctx.design.relational.aggregates:
        if agg.entity not in layout.tables or agg.child not in layout.tables:
            continue
        if agg.entity == agg.child and not ctx.dialect.self_updating_triggers:
            ctx.report("SC0417", None, what=f"the aggregate `{agg.entity}.{agg.field}` over its own table",
                       why="a trigger cannot update the table it is defined on")
            continue
        out.setdefault(agg.child, []).append(AggregateTrigger(ctx, layout, agg).spec())
        _warn_cascades(ctx, agg)
    return out


def _warn_cascades(ctx: Context, agg: MaintainedAggregate) -> None:
    """Where foreign-key actions fire no triggers (InnoDB), a cascade from another parent deletes children
    behind the aggregate's back."""
    if ctx.dialect.fk_actions_fire_triggers:
        return
    for fk in ctx.design.relational.foreign_keys:
        if fk.entity == agg.child and fk.field != agg.via and fk.on_delete == "cascade":
            span = ctx.model.entity(agg.entity).field(agg.field)
            ctx.report("SC0415", span.span if span else None, entity=agg.entity, field=agg.field,
                       child=agg.child, owner=fk.target)
