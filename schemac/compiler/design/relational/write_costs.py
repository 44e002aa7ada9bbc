"""What each write costs: index entries, triggers, maintained aggregates and copies, per call and at its rate.

Every write (insert, update, upsert, delete) gets a `WriteCost` in its WritePlan and a `SC-PAT-03` decision, so
decisions.md and the report account for the write side of every access pattern, not only the reads.
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, rate_text
from schemac.compiler.design.plans import WriteCost
from schemac.compiler.design.relational.layout import AuditPlan, IndexPlan, MaintainedAggregate
from schemac.compiler.model import FieldOrigin, Write

_CHANGES_ROW = {"update", "upsert", "delete"}  # ops that change an existing row (an upsert may)


class WriteCosts:
    """The design's indexes and maintained aggregates by entity, looked up once per write (linear in writes)."""

    def __init__(self, ctx: Ctx, indexes: tuple[IndexPlan, ...], aggregates: list[MaintainedAggregate],
                 audit: AuditPlan | None) -> None:
        self.ctx, self.audit = ctx, audit
        self.audited = set(audit.entities) if audit is not None else set()
        self.indexes: dict[str, list[int]] = {}
        for i, ix in enumerate(indexes):
            if ix.origin != "primary":
                self.indexes.setdefault(ix.entity, []).append(i)
        self.aggregates: dict[str, list[MaintainedAggregate]] = {}
        for a in aggregates:
            self.aggregates.setdefault(a.child, []).append(a)

    def of(self, w: Write) -> WriteCost:
        audit = self.audit if w.entity in self.audited else None
        return write_cost(self.ctx, w, tuple(self.indexes.get(w.entity, ())), self.aggregates.get(w.entity, []),
                          audit)


def write_cost(ctx: Ctx, w: Write, written: tuple[int, ...], aggregates: list[MaintainedAggregate],
               audit: AuditPlan | None) -> WriteCost:
    """`written`: the positions of the entity's indexes; `aggregates`: those whose child is the entity; `audit`:
    the audit plan when the entity is audited."""
    e = ctx.entity(w.entity)
    soft = w.op == "delete" and e.soft_delete  # a soft delete is an update of deleted_at
    triggers: list[str] = []
    maintained: list[str] = []
    copies: list[str] = []
    mechanism = "trigger" if ctx.caps.triggers else "generated write"
    fired = 0
    if (w.op in ("update", "upsert") or soft) and any(f.origin is FieldOrigin.UPDATED_AT for f in e.fields):
        triggers.append("updated_at" if not ctx.caps.updated_at_by_column else "updated_at (ON UPDATE column)")
        fired += ctx.caps.triggers and not ctx.caps.updated_at_by_column
    if audit is not None:
        triggers.append(f"audit ({audit.mechanism})")
        fired += audit.mechanism == "trigger"
        copies.append(f"{audit.table} row")
    for a in aggregates:
        if _touches(a, w, soft):
            maintained.append(f"{a.entity}.{a.field}")
            triggers.append(f"{a.func} {a.entity}.{a.field} ({mechanism})")
            fired += ctx.caps.triggers
    if e.versioned and (w.op in _CHANGES_ROW):
        triggers.append(f"history ({mechanism})")
        fired += ctx.caps.triggers
        copies.append(f"{e.name} history row")
    return WriteCost(rate_per_s=w.rate_per_s, rows=1 + len(maintained) + len(copies),
                     index_entries=1 + len(written), indexes=written, triggers=tuple(triggers),
                     maintained=tuple(maintained), copies=tuple(copies), fired=fired)


def _touches(a: MaintainedAggregate, w: Write, soft: bool) -> bool:
    """Inserts, deletes and upserts of a child change its parent's aggregates; an update does when the
    aggregate reads a value or filters on one; a soft delete does (live children only are counted)."""
    if w.entity != a.child:
        return False
    if w.op == "update" and w.fields and not soft:  # a partial update: only when it writes what a reads
        read = {a.via, *(p.field for p in a.where), *((a.child_field,) if a.child_field else ())}
        return bool(read & set(w.fields))
    return w.op != "update" or a.func != "count" or bool(a.where) or soft


def cost_text(ctx: Ctx, w: Write, cost: WriteCost) -> tuple[str, str]:
    """The decision's choice and why: what one call writes, and what that is at the declared rate."""
    what = {"insert": "inserts", "update": "rewrites", "upsert": "inserts or rewrites",
            "delete": "soft-deletes (sets deleted_at on)" if ctx.entity(w.entity).soft_delete else "deletes"}[w.op]
    per = [f"{cost.index_entries} index entr{'y' if cost.index_entries == 1 else 'ies'} (primary key"
           + (f" + {len(cost.indexes)} index{'es' if len(cost.indexes) != 1 else ''} "
              f"#{', #'.join(str(i) for i in cost.indexes)})" if cost.indexes else ")")]
    if cost.triggers:
        per.append(f"fires {', '.join(cost.triggers)}")
    if cost.maintained:
        per.append(f"keeps {', '.join(cost.maintained)} up to date")
    if cost.copies:
        per.append(f"copies to {', '.join(cost.copies)}")
    choice = f"{what} one {w.entity} row: {cost.rows} row write{'s' if cost.rows != 1 else ''}, " + "; ".join(per)
    if cost.rate_per_s is None:
        why = "no declared rate: the cost per call is all there is to weigh"
    else:
        why = (f"at {rate_text(cost.rate_per_s)}: {_per_s(cost.rows_per_s)} row writes/s and "
               f"{_per_s(cost.index_entries_per_s)} index entries/s")
    if w.op in ("update", "upsert") or (w.op == "delete" and ctx.entity(w.entity).soft_delete):
        why += ("; an update that changes no indexed column writes no secondary index entry (a heap-only update "
                "on PostgreSQL, an in-place update on InnoDB): the entries are an upper bound")
    return choice, why


def _per_s(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:,.0f}" if x >= 10 else f"{x:,.2f}".rstrip("0").rstrip(".")
