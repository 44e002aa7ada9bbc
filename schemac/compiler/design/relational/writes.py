"""One family-neutral WritePlan per write: how a keyed write finds its rows (from its KeyedWrite) and the
extra writes one execution causes on a relational target (index entries, triggers, maintained counters)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.plans import Cost, ExtraWrites, WritePlan
from schemac.compiler.design.relational.explain_index import served_by
from schemac.compiler.design.relational.layout import (
    AuditPlan,
    IndexPlan,
    KeyedWrite,
    MaintainedAggregate,
)
from schemac.compiler.model import Write


def plan_write_costs(ctx: Ctx, keyed: list[KeyedWrite], expects: dict[str, str], indexes: tuple[IndexPlan, ...],
                     aggregates: list[MaintainedAggregate], audit: AuditPlan | None) -> list[WritePlan]:
    by_name = {k.write: k for k in keyed}
    on: dict[str, list[IndexPlan]] = {}
    for ix in indexes:
        on.setdefault(ix.entity, []).append(ix)
    counters: dict[str, int] = {}
    for a in aggregates:
        counters[a.child] = counters.get(a.child, 0) + 1
    return [_write(ctx, w, by_name.get(w.name), indexes,
                   _extra(ctx, w, on.get(w.entity, []), counters.get(w.entity, 0), audit), expects.get(w.name))
            for w in ctx.model.writes]


def _write(ctx: Ctx, w: Write, k: KeyedWrite | None, indexes: tuple[IndexPlan, ...],
           extra: ExtraWrites, expect: str | None) -> WritePlan:
    cost = Cost(index_entries=float(extra.index_entries))
    if k is None:
        return WritePlan(write=w.name, entity=w.entity, op=w.op, extra=extra, cost=cost)
    op, structure = served_by(w.entity, k.by_primary_key, k.index, indexes)
    return WritePlan(write=w.name, entity=w.entity, op=w.op, operation=op, structure=structure,
                     equality=k.columns, extra=extra, cost=cost, why=k.why, expect=expect)


def _extra(ctx: Ctx, w: Write, indexes: list[IndexPlan], counters: int, audit: AuditPlan | None) -> ExtraWrites:
    """Index entries written (an update: the indexes over a column it may change), triggers fired, counters
    kept. A relational design copies nothing."""
    e = ctx.entity(w.entity)
    fixed = {*w.by, *e.primary_key}
    touched = [ix for ix in indexes
               if w.op != "update" or any(p.field not in fixed for p in ix.parts) or ix.include or ix.where]
    audited = audit is not None and audit.mechanism == "trigger" and w.entity in audit.entities
    triggers = (counters if ctx.caps.triggers else 0) + (1 if audited else 0)
    return ExtraWrites(index_entries=len(touched), triggers=triggers, counters=counters)
