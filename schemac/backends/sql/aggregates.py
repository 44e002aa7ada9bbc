"""Maintained aggregates (`count(Child where ...)`, `sum(Child.field)`) as row triggers on the child.

count and sum are kept incrementally: a child row *counts* when it references a parent, is live (not
soft-deleted) and matches the aggregate's where-predicate; every insert, update and delete subtracts the
old row's contribution from its old parent and adds the new row's to its new parent, so moving a child,
soft-deleting it, restoring it or changing a predicate column all keep the parent equal to the real
aggregate. min, max and avg are recomputed from the children of the affected parents.
"""

from __future__ import annotations

from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import TriggerSpec
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

    def spec(self) -> TriggerSpec:
        name = self.ctx.namer.unique(self.parent.name, self.target, "sync")
        events = {"insert": self._insert(), "update": self._update(), "delete": self._delete()}
        what = f"{self.agg.func}({self.agg.child}" + (f".{self.agg.child_field}" if self.agg.child_field else "")
        where = " where ..." if self.agg.where else ""
        comment = f"{self.parent.name}.{self.target} = {what}{where}), kept by this trigger on {self.child.name}"
        return TriggerSpec(name, self.child.name, "after", events, comment)

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
        target = q(self.target)
        if self.agg.func in INCREMENTAL:
            delta = "1" if self.agg.func == "count" else f"COALESCE({self._col(row, self.value or '')}, 0)"
            update = f"UPDATE {q(self.parent.name)} SET {target} = {target} {sign} {delta} {where};"
            return [f"IF {self.counts(row)} THEN", f"  {update}", "END IF;"]
        live = self.counts(q(self.child.name))
        value = f"{self.agg.func}({q(self.child.name)}.{q(self.value or self.via)})"
        select = (f"SELECT {value} FROM {q(self.child.name)} WHERE {q(self.child.name)}.{q(self.via)} = "
                  f"{self._col(row, self.via)} AND {live}")
        return [f"IF {self._col(row, self.via)} IS NOT NULL THEN",
                f"  UPDATE {q(self.parent.name)} SET {target} = ({select}) {where};", "END IF;"]

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
