"""Capacity and limits: RCU/WCU per pattern and write at the declared rates (COST-*), the per-partition
limits (3,000 RCU and 1,000 WCU, DDB-H01) with the write-sharding arithmetic (DDB-H02), and the table
limits neither emulator enforces (DDB-X*, DDB-T03, DDB-U02). Also the family-neutral plans."""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx, rate_text
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.estimates import distinct
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.encoding import holes, key_width
from schemac.compiler.design.keyvalue.layout import EntityItems, KeyValueAccess, KeyValueWrite, SecondaryIndex
from schemac.compiler.design.keyvalue.payloads import Capacity, Limits, Sharding
from schemac.compiler.design.plans import Cost, Operation, PatternPlan, WriteCost, WritePlan
from schemac.compiler.model import Entity, Query

PARTITION_RCU = 3000.0
PARTITION_WCU = 1000.0
MAX_GSIS, MAX_LSIS, MAX_ITEM_BYTES, MAX_TRANSACTION = 20, 5, 400 * 1024, 100


def decide_capacity(ctx: Ctx, access: list[KeyValueAccess], writes: list[KeyValueWrite],
                    entities: list[EntityItems]) -> None:
    for a in access:
        q = next(q for q in ctx.model.queries if q.name == a.pattern)
        if a.unserved and not a.steps:
            ctx.diags.report(codes.NO_FULL_TEXT, q.span, query=q.name, reason=a.unserved)
            continue
        _decide_reads(ctx, q, a)
    for name in dict.fromkeys(s.aggregate for w in writes for s in w.steps if s.aggregate and s.role == "aggregate"):
        _decide_aggregate_load(ctx, name, writes)


def _decide_aggregate_load(ctx: Ctx, name: str, writes: list[KeyValueWrite]) -> None:
    """DDB-H01 on an aggregate item: every counted write ADDs to it (transactional writes cost 2 WCU)."""
    rates = [(w.write, (_rate(ctx, w.write) or 0.0) * (2 if w.transaction else 1))
             for w in writes if any(s.aggregate == name and s.role == "aggregate" for s in w.steps)]
    wcu_s = sum(r for _, r in rates)
    shards = max(1, math.ceil(wcu_s / PARTITION_WCU))
    terms = " + ".join(f"{w} {r:,.0f}" for w, r in rates if r) or "no declared rate"
    ctx.decide("DDB-H01" if shards == 1 else "DDB-H02", Subject.of_pattern(name),
               f"aggregate item writes: {wcu_s:,.0f} WCU/s on the busiest group item",
               f"every counted write ADDs to one group's item: {terms} = {wcu_s:,.0f} WCU/s against 1,000 per "
               f"item -> ceil({wcu_s:,.0f} / 1,000) = {shards} "
               + ("item: no sharding needed" if shards == 1 else
                  "items: shard the counter (#0..N-1 suffix, summed at read)"),
               None, payload=Sharding(shards, wcu_s, 0.0, 0.0))

def _decide_reads(ctx: Ctx, q: Query, a: KeyValueAccess) -> None:
    """RCU per call and per second, and the per-partition check (DDB-H01): the load a partition takes is
    the pattern's spread over the values its partition key takes (1 for a constant partition)."""
    per_s = None if q.rate_per_s is None else round(a.rcu * q.rate_per_s, 2)
    e = ctx.entity(a.entity)
    fields = _key_fields(ctx, q, a)
    spread = 1.0
    for f in fields:
        spread *= distinct(ctx, e, f)
    part = None if per_s is None else round(per_s / max(spread, 1.0), 2)
    unit = ("strongly consistent reads cost 1 RCU per 4 KB" if q.consistency == "strong"
            else "eventually consistent reads cost 0.5 RCU per 4 KB")
    if not fields:
        where = f"every call reads one partition: {per_s or 0:,.1f} RCU/s against 3,000"
    else:
        where = (f"spread over about {spread:,.0f} {', '.join(fields)} values: {part or 0:,.2f} RCU/s per "
                 f"partition against 3,000")
    if part is not None and part > PARTITION_RCU:
        where += " -> over the limit: shard the partition (DDB-H02) or cache it (DAX)"
    if a.rcu > PARTITION_RCU:
        where += (f"; one call reads {a.rcu:,.0f} RCU, 1 MB per page (DDB-A04), at most 3,000 RCU/s from one "
                  f"partition: at least {a.rcu / PARTITION_RCU:,.1f} s per run")
    ctx.decide("COST-01", Subject.of_pattern(q.name, a.entity),
               f"{a.rcu:g} RCU per call, {per_s if per_s is not None else '?'} RCU/s at {rate_text(q.rate_per_s)}",
               f"{_ops(a)}; {unit}; {where}", q.span, payload=Capacity(a.rcu, per_s, part, PARTITION_RCU))


def _key_fields(ctx: Ctx, q: Query, a: KeyValueAccess) -> list[str]:
    """The fields behind the parameters of the first request's partition key (the tenant's included)."""
    by_param = {p.name: p.field for p in q.params}
    e = ctx.entity(a.entity)
    if e.tenant_field is not None:
        by_param[f"{e.tenant_field.name}_id"] = e.tenant_field.name
    first = a.steps[0]
    return [by_param[h] for h in holes(first.key.partition) if h in by_param and first.key.holes == "param"]


def _ops(a: KeyValueAccess) -> str:
    return ", then ".join(f"{s.operation}{' on ' + s.key.index if s.key.index else ''}"
                          f"{' per item' if s.per_item else ''} ({s.items_read:g} items)" for s in a.steps)


def _rate(ctx: Ctx, write: str) -> float | None:
    w = next((w for w in ctx.model.writes if w.name == write), None)
    return w.rate_per_s if w is not None else None


def decide_limits(ctx: Ctx, indexes: list[SecondaryIndex], entities: list[EntityItems],
                  writes: list[KeyValueWrite]) -> None:
    gsis = sum(1 for i in indexes if i.kind == "global")
    lsis = len(indexes) - gsis
    largest = max((e.item_bytes for e in entities), default=0.0)
    span = ctx.model.settings.span
    for what, value, limit in (("global secondary indexes", gsis, MAX_GSIS), ("local secondary indexes", lsis,
                               MAX_LSIS), ("item size (bytes)", largest, MAX_ITEM_BYTES)):
        if value > limit:
            ctx.diags.report(codes.OVER_LIMIT, span, what=what, value=f"{value:,.0f}", limit=f"{limit:,}")
    for e in entities:
        _check_keys(ctx, e)
    for w in writes:
        if len(w.steps) > MAX_TRANSACTION:
            ctx.diags.report(codes.OVER_LIMIT, span, what=f"transaction of {w.write}", value=len(w.steps),
                             limit=MAX_TRANSACTION)
    ctx.decide("DDB-I02", Subject.of_model(ctx.model.settings.name),
               f"{gsis} GSI{'s' if gsis != 1 else ''}, {lsis} LSIs, largest item {largest:,.0f} B",
               "GSIs are overloaded: each entity writes its own templates into GSIn keys, so the count is the "
               "largest number of secondary access paths any one entity needs, not one per pattern "
               f"(limits: {MAX_GSIS} GSIs, {MAX_LSIS} LSIs, 400 KB items, {MAX_TRANSACTION} items per transaction)",
               span, payload=Limits(gsis, lsis, largest))


MAX_PARTITION_KEY, MAX_SORT_KEY = 2048, 1024


def _check_keys(ctx: Ctx, items: EntityItems) -> None:
    """DDB-K05: the longest value each key template can take, from the holes' field sizes."""
    e = ctx.entity(items.entity)
    copies = {c.attribute: c for c in items.copies}
    for k in items.keys:
        for template, limit, part in ((k.partition, MAX_PARTITION_KEY, "partition"), (k.sort, MAX_SORT_KEY, "sort")):
            if template is None:
                continue
            width = _template_width(ctx, e, template, copies)
            if width > limit:
                ctx.diags.report(codes.OVER_LIMIT, e.span, what=f"the {part} key {template} of {e.name}",
                                 value=f"{width:,} bytes", limit=f"{limit:,}")


def _template_width(ctx: Ctx, e: Entity, template: str, copies: dict) -> int:  # type: ignore[type-arg]
    width = len(template.encode())
    for h in holes(template):
        width -= len(h) + 2
        copy = copies.get(h)
        source = ctx.entity(copy.entity) if copy is not None else e
        width += key_width(source, copy.field if copy is not None else h)
    return width


_OPS = {"GetItem": Operation.GET_ITEM, "Query": Operation.QUERY, "BatchGetItem": Operation.BATCH_GET_ITEM}


def pattern_plan(ctx: Ctx, a: KeyValueAccess) -> PatternPlan:
    if not a.steps:
        return PatternPlan(query=a.pattern, entity=a.entity, operation=Operation.QUERY, structure=None,
                           round_trips=0, why=f"not served on DynamoDB: {a.unserved}")
    first = a.steps[0]
    from schemac.compiler.design.keyvalue.encoding import holes

    return PatternPlan(query=a.pattern, entity=a.entity, operation=_OPS[first.operation],
                       structure=first.key.index or "table",
                       equality=tuple(holes(first.key.partition)),
                       sort=first.sorted_by or _order(ctx, a.pattern),
                       range=tuple(holes(first.key.sort or "")) if first.key.sort_op == "between" else (),
                       expected_rows=first.items_returned, round_trips=a.round_trips,
                       cost=Cost(rcu=a.rcu), why=_ops(a))


def _order(ctx: Ctx, pattern: str) -> tuple[str, ...]:
    q = next(q for q in ctx.model.queries if q.name == pattern)
    return tuple(k.steps[0] for k in q.order if k.entities and len(k.steps) == 1)


def write_plan(ctx: Ctx, w: KeyValueWrite) -> WritePlan:
    rate = _rate(ctx, w.write)
    cost = WriteCost(rate_per_s=rate, rows=len(w.steps), index_entries=len(w.steps), wcu=w.wcu,
                     maintained=tuple(s.aggregate for s in w.steps if s.aggregate),
                     copies=tuple(f"{s.role} item" for s in w.steps if s.role in ("guard", "version")))
    op = w.op if w.op in ("insert", "update", "upsert", "delete") else "update" if w.op == "erase" else "insert"
    return WritePlan(write=w.write, entity=w.entity, op=op,
                     operation=None if op == "insert" else Operation.GET_ITEM, structure="table",
                     cost=cost, why=", ".join(f"{s.action} {s.role}" for s in w.steps),
                     fields=_fields(ctx, w.write))


def _fields(ctx: Ctx, name: str) -> tuple[str, ...]:
    return next((tuple(x.fields) for x in ctx.model.writes if x.name == name), ())
