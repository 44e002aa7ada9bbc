"""Partial updates (SC-UPD-01, SC-CON-01) and `@expires` purges (SC-EXP-01) in the design stage."""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx, count_text
from schemac.compiler.design.decisions import Expiry, OptimisticCheck, PartialWrite, Subject
from schemac.compiler.design.needs import Segment, Want
from schemac.compiler.design.plans import WritePlan
from schemac.compiler.design.relational.explain_index import plan_label
from schemac.compiler.design.relational.indexes import IndexResult
from schemac.compiler.design.relational.layout import ExpiryPlan, IndexPlan, KeyedWrite, MaintainedAggregate
from schemac.compiler.model import FieldOrigin, KeyPart, Write

SECONDS_PER_MONTH = 30 * 86_400
PURGE_EVERY_S = 60  # a purge job's default period
MIN_BATCH, MAX_BATCH = 1_000, 10_000  # rows per DELETE: short locks, little WAL/undo per statement
MAINTAINED = (FieldOrigin.UPDATED_AT, FieldOrigin.VERSION)


def expiry_wants(ctx: Ctx) -> list[Want]:
    """Each `@expires` field needs an index leading with it, without the tenant: the purge runs across
    tenants, in the order things expire."""
    out = []
    for e in ctx.model.entities:
        if e.expires is None:
            continue
        f = e.field(e.expires)
        out.append(Want(source=f"purge {e.name}", kind="query", role="root", entity=e.name,
                        segments=(Segment("seq", (KeyPart(field=e.expires),)),),
                        sort=(KeyPart(field=e.expires),), range=e.expires, limit=MIN_BATCH,
                        span=f.span if f is not None else e.span))
    return out


def plan_expiry(ctx: Ctx, wants: list[Want], res: IndexResult) -> list[ExpiryPlan]:
    pos = {id(n): i for i, n in enumerate(res.needs)}
    out = []
    for w in wants:
        e = ctx.entity(w.entity)
        field = w.range or ""
        index = res.chosen.get(pos.get(id(w), -1))
        per_s = e.volume.per_month / SECONDS_PER_MONTH if e.volume.per_month else \
            ctx.rows(e.name) / (ctx.model.settings.horizon_months * SECONDS_PER_MONTH)
        every = PURGE_EVERY_S
        per_run = per_s * every
        batch = min(MAX_BATCH, max(MIN_BATCH, math.ceil(per_run * 2 / 1000) * 1000))
        while per_run * 2 > batch and every > 1:  # keep two batches of headroom: run more often
            every = max(1, every // 2)
            per_run = per_s * every
        label = ix_label(res.indexes[index]) if index is not None else "no index"
        why = (f"~{count_text(per_s * 86_400)} rows expire a day ({count_text(per_run)} per run at "
               f"{'declared growth' if e.volume.per_month else 'rows/horizon'}): one DELETE of at most "
               f"{batch:,} rows every {every} s keeps up with twice that, each statement short (few locks, "
               f"little WAL/undo); repeat while a run deletes a full batch. Through {label}, which leads with "
               f"{field} and not the tenant: the purge runs across tenants")
        if e.tenant_field is not None:
            why += ("; where row-level security applies (FORCEd: it binds the owner too) the purge job connects "
                    "as a role of its own with BYPASSRLS and only SELECT, DELETE on the table: the application's "
                    "role sees one tenant's rows")
        why += "; generated reads skip rows past the instant that the purge has not removed yet"
        if e.soft_delete:
            why += "; a hard delete even under soft delete (expired rows are not kept)"
        if e.audited:
            why += "; the audit trigger records each expired row's DELETE"
        structure = plan_label(res.indexes[index]) if index is not None else None
        ctx.decide("SC-EXP-01", Subject.of_entity(e.name),
                   f"purge expired rows in batches of {batch:,} every {every} s", why, w.span,
                   payload=Expiry(field=field, batch=batch, every_s=every, structure=structure,
                                  expiring_per_s=per_s))
        out.append(ExpiryPlan(entity=e.name, field=field, index=index, batch=batch, every_s=every,
                              expiring_per_s=per_s, why=why))
    return out


def ix_label(ix: IndexPlan) -> str:
    return f"{ix.entity}({', '.join(p.field for p in ix.parts)})"


def partial_update(ctx: Ctx, w: Write, plan: WritePlan, keyed: KeyedWrite | None, indexes: tuple[IndexPlan, ...],
                   aggregates: list[MaintainedAggregate]) -> tuple[WritePlan, KeyedWrite | None]:
    """What a partial update writes and which of it an index or an aggregate reads (on the neutral plan), and
    whether the target can keep the new row version on its page (`Capabilities.hot_updates`: a HOT update, no
    new index entries), on its keyed write."""
    if not w.fields or w.op not in ("update", "upsert"):
        return plan, keyed
    e = ctx.entity(w.entity)
    written = (*w.fields, *(f.name for f in e.fields if f.origin in MAINTAINED))
    touches: list[tuple[str, str]] = []
    for name in written:
        if any(name in _index_fields(ix) for ix in indexes if ix.entity == e.name and ix.origin != "primary"):
            touches.append((name, "indexed"))
        if any(a.child == e.name and name in _agg_fields(a) for a in aggregates):
            touches.append((name, "counted"))
    indexed = [f for f, why in touches if why == "indexed"]
    hot = ctx.caps.hot_updates and not indexed
    listed = ", ".join(w.fields)
    if touches:
        what = "; ".join(f"{f} is {why}" for f, why in touches)
        choice = f"sets only {listed} (+ {', '.join(written[len(w.fields):]) or 'nothing maintained'}): {what}"
    else:
        choice = f"sets only {listed} (+ {', '.join(written[len(w.fields):]) or 'nothing maintained'}): " \
                 f"touches no indexed or counted field"
    if hot:
        why = ("no index reads a written column: a heap-only (HOT) update candidate on this target, which keeps "
               "the new row version on its page without new index entries (leave fillfactor room on the table "
               "for it)")
    elif indexed and ctx.caps.hot_updates:
        why = f"not a heap-only (HOT) update: {', '.join(indexed)} is indexed, so every index gets a new entry"
    else:
        why = "the other columns are left as they are (no read-modify-write of the whole row)"
    ctx.decide("SC-UPD-01", Subject.of_write(w.name, w.entity), choice, why, w.span,
               payload=PartialWrite(fields=written, touches=tuple(touches), hot_candidate=hot))
    if keyed is not None:
        keyed = keyed._replace(hot_candidate=hot)
    return plan.model_copy(update={"fields": written, "touches": tuple(touches), "expect": None}), keyed


def decide_partial_check(ctx: Ctx, w: Write) -> None:
    """SC-CON-01 for a partial update: no optimistic check."""
    ctx.decide("SC-CON-01", Subject.of_write(w.name, w.entity), "no optimistic check: sets the listed fields as given",
               f"a partial update writes only {', '.join(w.fields)}: it cannot undo a concurrent change to another "
               f"column (what the whole-row check prevents); two writers of the same field are last-writer-wins, "
               f"which a transition like this one wants", w.span, payload=OptimisticCheck(field=None))


def _index_fields(ix: IndexPlan) -> set[str]:
    return {p.field for p in ix.parts} | set(ix.include) | {p.field for p in ix.where}


def _agg_fields(a: MaintainedAggregate) -> set[str]:
    return {a.via, *(p.field for p in a.where), *((a.child_field,) if a.child_field else ())}
