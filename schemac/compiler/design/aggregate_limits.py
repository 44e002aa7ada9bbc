"""The limits of maintained aggregates, as decisions: a parent row too hot to update per write, row
triggers' lock order (targets without statement triggers), and what a counter means under soft delete."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import MaintainedAggregate
from schemac.compiler.model import Aggregate
from schemac.diagnostics import Span

# Updates of one row serialize on its row lock, held until the writer commits. A commit costs a WAL/redo
# flush plus a round trip, about 2-5 ms on ordinary disks, so one row takes at most ~200-500 updates/s;
# at 100/s writers already queue behind each other half of the time (a single server at 50% utilisation
# keeps a queue, and the lock is held for the writer's whole transaction, not just the update).
HOT_ROW_UPDATES_PER_S = 100.0


def parent_rate(ctx: Ctx, parent: str, rate: float) -> tuple[float, float]:
    """The parents the child's writes spread over, and the updates per second each one takes."""
    parents = max(1.0, ctx.rows(parent))
    return parents, rate / parents


def decide_hot_parent(ctx: Ctx, entity: str, field: str, agg: Aggregate, rate: float, span: Span) -> None:
    """A parent whose counter takes more updates per second than one row can: propose a deltas table."""
    parents, per_row = parent_rate(ctx, entity, rate)
    if per_row < HOT_ROW_UPDATES_PER_S:
        return
    ctx.decide(
        "SC-DEN-02", f"field {entity}.{field}",
        f"hot parent: propose a deltas table ({agg.child.lower()}_{field}_deltas: {entity.lower()} key, delta, "
        f"created_at) that the child's writes append to, rolled up into {entity}.{field} by a periodic job "
        f"(reads add the pending deltas), instead of updating {entity} on every write",
        f"{rate:,.1f} writes/s of {agg.child} over {parents:,.0f} {entity} rows = {per_row:,.1f} updates/s per "
        f"{entity} row >= {HOT_ROW_UPDATES_PER_S:,.0f}/s, the rate at which writers queue on one row's lock "
        f"(one update per commit, ~2-5 ms each: at most ~200-500/s); appends take no shared lock (DDB-H02: "
        f"spread the hot key)", span)


def decide_row_triggers(ctx: Ctx, aggregates: list[MaintainedAggregate]) -> None:
    """Row triggers update parents in the statement's row order: record the deadlock risk and the way out."""
    parents = sorted({a.entity for a in aggregates})
    ctx.decide(
        "SC-DEN-01", f"model {ctx.model.settings.name}",
        f"row triggers update {', '.join(parents)} once per child row, in the order the statement writes "
        f"the rows; write multi-row batches sorted by parent key, retry a transaction the engine aborts "
        f"as a deadlock (ER 1213), and use a deltas table rolled up later for a hot parent",
        "this target has no statement-level triggers: two transactions writing children of the same two "
        "parents in opposite order each hold one parent's row lock and wait for the other's (deadlock), and "
        "n children of one parent in one transaction are n updates of that parent row",
        ctx.model.settings.span)


def decide_soft_delete(ctx: Ctx, entity: str, field: str, agg: Aggregate, span: Span) -> None:
    """A counter counts child rows that are live and match; soft-deleting the parent (or another row the
    child references) changes no child row, so the counter is unchanged and exact again on restore."""
    child = ctx.entity(agg.child)
    tenant = child.tenant_field.name if child.tenant_field is not None else None
    others = sorted({f.target for f in child.references if f.target and f.name not in (agg.via, tenant)
                     and ctx.entity(f.target).soft_delete})
    if not ctx.entity(entity).soft_delete and not others:
        return
    deleted = [f"{entity} (the parent)"] if ctx.entity(entity).soft_delete else []
    deleted += [o for o in others if o != entity]
    live = "live " if child.soft_delete else ""
    ctx.decide(
        "SC-DEL-01", f"field {entity}.{field}",
        f"{entity}.{field} counts the {live}{agg.child} rows that reference it and match, whether or not "
        f"{' or '.join(deleted)} is soft-deleted; a soft delete and a restore leave it unchanged",
        "a soft delete changes no child row, so the total stays what a GROUP BY over the child rows "
        "gives: it is exact again on restore without a recount, and a soft-deleted parent is hidden "
        "from reads by the live-row filter anyway", span)
