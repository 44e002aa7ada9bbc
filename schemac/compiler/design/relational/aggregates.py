"""Maintained aggregates (`count(Child)`, `sum(Child.x)` defaults): how they are kept, what they cost in
extra writes, where a parent row gets too hot for them, and what they mean under soft delete."""

from __future__ import annotations

from typing import Literal

from schemac.compiler.design import codes
from schemac.compiler.design.context import Ctx, pred_text, rate_text
from schemac.compiler.design.decisions import Maintained, Subject
from schemac.compiler.design.model import MaintainedAggregate
from schemac.compiler.design.relational.aggregate_limits import (
    decide_hot_parent,
    decide_row_triggers,
    decide_soft_delete,
)
from schemac.compiler.model import Aggregate, Write
from schemac.diagnostics import Span


def _touches(agg: Aggregate, w: Write) -> bool:
    """Does a write on the child change the aggregate? Inserts, deletes and upserts do; an update does when
    the aggregate reads a value (sum/min/max/avg) or filters on one (`where`)."""
    if w.entity != agg.child:
        return False
    return w.op != "update" or agg.func != "count" or bool(agg.where)


def plan_aggregates(ctx: Ctx) -> list[MaintainedAggregate]:
    out: list[MaintainedAggregate] = []
    writes_on: dict[str, list[Write]] = {}  # each entity's writes, in model order
    for w in ctx.model.writes:
        writes_on.setdefault(w.entity, []).append(w)
    for e in ctx.model.entities:
        for f in e.fields:
            agg = f.default.aggregate if f.default is not None and f.default.kind == "aggregate" else None
            if agg is None:
                continue
            writes = [w for w in writes_on.get(agg.child, ()) if _touches(agg, w)]
            rate = sum(w.rate_per_s or 0.0 for w in writes)
            per: Literal["statement", "row"] = "statement" if ctx.caps.statement_triggers else "row"
            out.append(MaintainedAggregate(entity=e.name, field=f.name, func=agg.func, child=agg.child,
                                           via=agg.via, child_field=agg.field, where=agg.where,
                                           writes_per_s=rate, per=per))
            _decide(ctx, e.name, f.name, agg, writes, rate, f.span)
            if ctx.caps.triggers:
                decide_hot_parent(ctx, e.name, f.name, agg, rate, f.span)
                decide_soft_delete(ctx, e.name, f.name, agg, f.span)
    if out and ctx.caps.triggers and not ctx.caps.statement_triggers:
        decide_row_triggers(ctx, out)
    return out


def _decide(ctx: Ctx, entity: str, field: str, agg: Aggregate, writes: list[Write], rate: float,
            span: Span) -> None:
    if ctx.caps.triggers:
        kind = "statement-level triggers" if ctx.caps.statement_triggers else "a trigger"
        how = f"{kind} on {agg.child} (insert, delete, and updates of {agg.via}" + \
              (f", {agg.field}" if agg.field else "") + \
              (f", {', '.join(sorted({p.field for p in agg.where}))}" if agg.where else "") + ")"
    else:
        how = "the generated writes of " + agg.child + ", in the same transaction"
        ctx.diags.report(codes.NO_TRIGGERS, span, what=f"maintained aggregate {entity}.{field}")
    target = f"{agg.func}({_operand(ctx, entity, agg)}" + \
        (f" where {' and '.join(pred_text(p) for p in agg.where)}" if agg.where else "") + ")"
    if writes:
        ops = sorted({w.op for w in writes})
        named = ", ".join(f"{w.name} {rate_text(w.rate_per_s)}" for w in writes)
        if ctx.caps.statement_triggers:
            why = (f"every {'/'.join(ops)} statement on {agg.child} updates each {entity} row it touches once, "
                   f"in key order: at most +{rate:,.0f} writes/s ")
        else:
            why = f"every {'/'.join(ops)} of {agg.child} also updates one {entity} row: +{rate:,.0f} writes/s "
        why += f"at declared rates ({named})"
    else:
        why = f"no declared write changes {agg.child}: no extra writes at declared rates"
    payload = Maintained(func=agg.func, child=agg.child, mechanism="trigger" if ctx.caps.triggers else "application",
                         extra_writes_per_s=rate)
    ctx.decide("SC-DEN-01", Subject.of_field(entity, field), f"maintain {target} by {how}", why, span,
               payload=payload)


def _operand(ctx: Ctx, parent: str, agg: Aggregate) -> str:
    """As written in SDL: `Child.field` for sum/min/max/avg, `Child.via` for a count when the child
    references the parent through several fields, else `Child`."""
    if agg.field:
        return f"{agg.child}.{agg.field}"
    refs = [f for f in ctx.entity(agg.child).references if f.target == parent]
    return f"{agg.child}.{agg.via}" if len(refs) > 1 else agg.child
