"""Capacity and limits: RCU/WCU per pattern and write at the declared rates (COST-*), the per-partition
limits (3,000 RCU and 1,000 WCU, DDB-H01) with the write-sharding arithmetic (DDB-H02), and the table
limits neither emulator enforces (DDB-X*, DDB-T03, DDB-U02). Also the family-neutral plans."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, rate_text
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.layout import EntityItems, KeyValueAccess, KeyValueWrite, SecondaryIndex
from schemac.compiler.design.keyvalue.payloads import Capacity, Limits
from schemac.compiler.design.plans import Cost, Operation, PatternPlan, WriteCost, WritePlan

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
        per_s = None if q.rate_per_s is None else round(a.rcu * q.rate_per_s, 2)
        first = a.steps[0] if a.steps else None
        hot = first is not None and first.operation == "Query" and not _has_param_partition(first.key.partition)
        part = per_s if hot else (None if per_s is None else round(per_s / max(_spread(ctx, a), 1.0), 2))
        unit = ("strongly consistent reads cost 1 RCU per 4 KB" if q.consistency == "strong"
                else "eventually consistent reads cost 0.5 RCU per 4 KB")
        shared = "; the partition is shared by every call: checked against 3,000 RCU/s" if hot else ""
        over = " -> over the limit: shard it (DDB-H02)" if part is not None and part > PARTITION_RCU else ""
        at = per_s if per_s is not None else "?"
        ctx.decide("COST-01", Subject.of_pattern(q.name, a.entity),
                   f"{a.rcu:g} RCU per call, {at} RCU/s at {rate_text(q.rate_per_s)}",
                   f"{_ops(a)}; {unit}{shared}{over}",
                   q.span, payload=Capacity(a.rcu, per_s, part, PARTITION_RCU))


def _has_param_partition(template: str) -> bool:
    import re

    return bool(re.search(r"<(?!organization_id|workspace_id|tenant)[^>]+>", template))


def _spread(ctx: Ctx, a: KeyValueAccess) -> float:
    return 1.0


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
                       sort=_order(ctx, a.pattern),
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
    op = w.op if w.op in ("insert", "update", "upsert", "delete") else "insert"
    return WritePlan(write=w.write, entity=w.entity, op=op,
                     operation=None if op == "insert" else Operation.GET_ITEM, structure="table",
                     cost=cost, why=", ".join(f"{s.action} {s.role}" for s in w.steps),
                     fields=_fields(ctx, w.write))


def _fields(ctx: Ctx, name: str) -> tuple[str, ...]:
    return next((tuple(x.fields) for x in ctx.model.writes if x.name == name), ())
