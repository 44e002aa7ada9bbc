"""Counts and sums DynamoDB cannot compute at read time (DDB-A06): maintained with ADD in the writes.

- a declared aggregate field (`review_count int = count(Review)`) and a `count(Child)` in a select are an
  attribute of the parent's item, ADDed in the child's insert transaction;
- a grouped read (`group week(created_at)`) is served by aggregate items, one per group value, ADDed in the
  child's insert; `max` over an append-only entity is a conditional update (only a higher value wins);
- a grouped `batch` read over a bounded set (`volume ... where`) reads it with a Query and groups in the
  client; any other group over an unbounded set is the SC0472 error: it would need a Scan.
"""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx, rate_text
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.estimates import distinct, matched_rows
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.layout import (
    AggregateItem,
    ClientGroup,
    Filter,
    KeyCondition,
    KeyTemplate,
    KeyValueAccess,
    ReadStep,
)
from schemac.compiler.design.keyvalue.needs import shape_of, to_filter
from schemac.compiler.design.keyvalue.payloads import Counter
from schemac.compiler.design.keyvalue.placement import Place, tenant_prefix
from schemac.compiler.model import Entity, Query

MAINTAINABLE = frozenset({"count", "sum"})
AGGREGATE_ITEM_BYTES = 100  # keys, type, group values and a few numbers
CLIENT_GROUP_MAX_ITEMS = 1_000_000.0


def parent_counters(ctx: Ctx, places: dict[str, Place]) -> list[AggregateItem]:
    """Declared aggregate fields and `count(Child)` selects, as attributes of the parent's item."""
    out: list[AggregateItem] = []
    for e in ctx.model.entities:
        for f in e.fields:
            agg = f.default.aggregate if f.default is not None and f.default.aggregate is not None else None
            if agg is not None and agg.func in MAINTAINABLE:
                out.append(_counter(ctx, places, e, f.name, agg.func, agg.child, agg.via, agg.field,
                                    tuple(to_filter(p) for p in agg.where)))
    for q in ctx.model.queries:
        for item in q.select:
            if item.relation and item.via and item.func in MAINTAINABLE:
                name = f"{item.func}_{item.relation.lower()}_by_{item.via}"
                if all(a.name != name or a.parent != q.entity for a in out):
                    out.append(_counter(ctx, places, ctx.entity(q.entity), name, item.func, item.relation,
                                        item.via, item.steps[-1] if item.steps else None, ()))
    return out


def _counter(ctx: Ctx, places: dict[str, Place], parent: Entity, name: str, func: str, child: str, via: str,
             field: str | None, where: tuple) -> AggregateItem:
    place = places[parent.name]
    keys = KeyTemplate(partition=place.partition.replace("<id>", f"<{via}>"),
                       sort=place.sort.replace("<id>", f"<{via}>"))
    item = AggregateItem(name=name, child=child, keys=(keys,), values=((name, func, field),), where=where,
                         parent=parent.name)
    ctx.decide("DDB-A06", Subject.of_field(parent.name, name),
               f"{func} kept on the {parent.name} item: ADD in every {child} insert's transaction",
               f"DynamoDB cannot {func} {child} items at read time without reading them all; an ADD in the "
               f"same TransactWriteItems as the {child} item keeps the total exact (an aggregate attribute)",
               parent.span, payload=Counter(name, child, keys.partition, keys.sort))
    return item


def group_access(ctx: Ctx, q: Query, places: dict[str, Place], aggs: list[AggregateItem]) -> KeyValueAccess:
    e = ctx.entity(q.entity)
    funcs = {i.func for i in q.select if i.func}
    maxish = funcs <= {"max", "min"} and e.append_only
    if funcs and (funcs <= MAINTAINABLE or maxish) and all(not i.relation for i in q.select):
        return _aggregate_items(ctx, q, e, aggs, conditional=maxish)
    return _client_group(ctx, q, e)


def _group_holes(q: Query) -> tuple[str, ...]:
    return tuple(f"{k.steps[0]}|{k.bucket}" if k.bucket else k.steps[0] for k in q.group)


def _aggregate_items(ctx: Ctx, q: Query, e: Entity, aggs: list[AggregateItem], conditional: bool
                     ) -> KeyValueAccess:
    s = shape_of(ctx, q, e)
    tag = f"AGG#{type_name(q.name)}"
    partition = tenant_prefix(ctx, e) + "#".join([tag, *(f"<{f}>" for f in s.eq)])
    group = _group_holes(q)
    bucketed = [g for g in group if "|" in g]
    sort = "#".join(f"<{g}>" for g in ([*bucketed, *(g for g in group if "|" not in g)])) or "TOTAL"
    values = tuple((i.alias, i.func or "count", i.steps[-1] if i.steps else None) for i in q.select if i.func)
    consts = tuple(c for c in s.consts)
    item = AggregateItem(name=q.name, child=e.name, keys=(KeyTemplate(partition=partition, sort=sort),),
                         values=values, where=consts, group=group, conditional=conditional)
    aggs.append(item)
    names = {**({e.tenant_field.name: f"{e.tenant_field.name}_id"} if e.tenant_field else {}), **s.params}
    part = partition
    for k, v in names.items():
        part = part.replace(f"<{k}>", f"<{v}>")
    if s.range is not None and bucketed:
        key = KeyCondition(partition=part, sort_op="between", sort=f"<{s.range.param}>",
                           sort_high=f"<{s.range.param2}>#~")
    else:
        key = KeyCondition(partition=part)
    groups = 1.0 if not group else _groups(ctx, q, e, s.eq)
    # a group every item moved out of (or was deleted from) keeps its item at 0: it is no group any more
    counts = [alias for alias, func, _ in values if func == "count"]
    empty = (Filter(field=counts[0], op=">", value=0),) if group and counts and not conditional else ()
    step = ReadStep(name="", operation="Query", entity=e.name, types=(tag,), key=key, filters=empty,
                    items_read=groups, items_returned=groups,
                    rcu=max(1, math.ceil(groups * AGGREGATE_ITEM_BYTES / 4096)) * 0.5)
    how = "a conditional UpdateItem (only a higher value wins) after" if conditional else "an ADD in"
    ranged = ("; a range reads the groups whose bucket starts between the bounds, as a summary table does"
              if s.range is not None and bucketed else "")
    ctx.decide("DDB-A06", Subject.of_pattern(q.name, e.name),
               f"aggregate items {partition} / {sort}, {how} every {e.name} insert",
               f"{q.name} groups {e.name} items at {rate_text(q.rate_per_s)}: reading every item per call "
               f"would be a Scan; one aggregate item per group, kept by the writes, makes it one Query{ranged}",
               q.span, payload=Counter(q.name, e.name, partition, sort, conditional))
    order = tuple((k.steps[0], k.descending) for k in q.order if len(k.steps) == 1)
    return KeyValueAccess(pattern=q.name, entity=e.name, steps=(step,), aggregate=q.name, rcu=step.rcu,
                          client_order=order, client_limit=q.limit if order else None)


def _groups(ctx: Ctx, q: Query, e: Entity, eq: tuple[str, ...]) -> float:
    """Aggregate items one Query reads: the group values under one partition (buckets in a range: 13)."""
    if any(k.bucket for k in q.group):
        return 13.0  # a quarter of weeks, a year of months: the range a report asks for
    tenant = [e.tenant_field.name] if e.tenant_field is not None else []
    per_partition = matched_rows(ctx, e, [*tenant, *eq])
    values = 1.0
    for k in q.group:
        values *= distinct(ctx, e, k.steps[0])
    return round(max(min(per_partition, values), 1.0), 2)


def _client_group(ctx: Ctx, q: Query, e: Entity) -> KeyValueAccess:
    """A grouped batch read over a bounded set: served by the caller's Query plan, grouped in the client."""
    by = _group_holes(q)
    aggregates = tuple((i.alias, i.func or "", i.steps[-1] if i.steps else None) for i in q.select if i.func)
    return KeyValueAccess(pattern=q.name, entity=e.name, group=ClientGroup(by=by, aggregates=aggregates))


def check_unbounded(ctx: Ctx, q: Query, items: float) -> bool:
    """SC0472 when a group cannot be maintained and is neither a batch nor bounded."""
    if q.batch and items <= CLIENT_GROUP_MAX_ITEMS:
        return True
    ctx.diags.report(codes.UNBOUNDED_GROUP, q.span, query=q.name, entity=q.entity,
                     items=f"{items:,.0f}")
    return False
