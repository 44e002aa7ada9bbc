"""The key-value planner (DynamoDB): one table, generic keys, item collections, overloaded sparse GSIs,
guard items, aggregate items; every pattern a GetItem, Query or BatchGetItem (DDB-A01), never a Scan."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Access, Erasure, Subject
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.aggregates import check_unbounded, group_access, parent_counters
from schemac.compiler.design.keyvalue.capacity import decide_capacity, decide_limits, pattern_plan, write_plan
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.fanout import with_refreshes
from schemac.compiler.design.keyvalue.indexes import Indexes
from schemac.compiler.design.keyvalue.items import entity_items, plan_edges, plan_guards, plan_indexes, plan_table
from schemac.compiler.design.keyvalue.layout import AggregateItem, KeyValueAccess, KeyValueLayout, KeyValueWrite
from schemac.compiler.design.keyvalue.patterns import Reads, is_low_rate, route
from schemac.compiler.design.keyvalue.placement import plan_placement
from schemac.compiler.design.keyvalue.sharding import plan_sharding
from schemac.compiler.design.keyvalue.writes import edge_write, erase_write, insert_write, keyed_write
from schemac.compiler.design.model import Design
from schemac.compiler.design.plans import Operation
from schemac.compiler.model import FieldKind


def plan(ctx: Ctx) -> Design:
    model = ctx.model
    places = plan_placement(ctx)
    aggs: list[AggregateItem] = parent_counters(ctx, places)
    indexes = Indexes()
    reads = Reads(ctx, places, indexes)
    builders = {}
    for q in sorted(model.queries, key=is_low_rate):  # hot patterns first: rare ones may reuse their indexes
        if q.group:
            grouped = group_access(ctx, q, places, aggs)
            inner = None if grouped.group is None else route(
                reads, q.model_copy(update={"group": (), "select": (), "limit": None, "order": ()}))
            builders[q.name] = (q, grouped, inner)
        else:
            builders[q.name] = (q, None, route(reads, q))
    gsis = indexes.allocate()
    if gsis == 0 and any(f.kind is FieldKind.MANY for e in model.entities for f in e.fields):
        gsis = 1  # the inverted side of the adjacency lists needs one GSI
    first = {name: b[2]() for name, b in builders.items() if b[2] is not None}
    plan_sharding(ctx, indexes.needs, {n: a.rcu * (_rate(ctx, n) or 0.0) for n, a in first.items()})
    access = [_sharded(_access(ctx, *builders[q.name]), indexes) for q in model.queries]
    for a in access:
        _check_strong(ctx, a)
    entities = [entity_items(ctx, e, places[e.name], [n for n in indexes.needs if n.entity == e.name],
                             reads.copies.get(e.name, []))
                for e in model.entities if not e.junction]
    by_name = {i.entity: i for i in entities}
    guards = plan_guards(ctx, places)
    edges = plan_edges(ctx, places)
    writes = [insert_write(ctx, e, by_name[e.name], guards, aggs) for e in model.entities if not e.junction]
    for w in model.writes:
        if w.entity in by_name:
            writes.append(keyed_write(ctx, w, model.entity(w.entity), by_name[w.entity], guards, aggs))
        else:  # a write of a many-to-many's link: its edge item
            rel = model.relation_named(w.entity)
            edge = next((x for x in edges if rel is not None and (x.owner, x.field) == (rel.owner, rel.field)), None)
            if edge is not None:
                writes.append(edge_write(ctx, edge, w.name, delete=w.op == "delete"))
    writes += [edge_write(ctx, edge) for edge in edges]
    writes = [with_refreshes(ctx, w, by_name) for w in writes]
    writes += _erasures(ctx, by_name, guards)
    table = plan_table(ctx)
    secondary = plan_indexes(ctx, indexes, gsis, table.type_attribute)
    _decide_fit(ctx, access)
    decide_capacity(ctx, access, writes, entities)
    decide_limits(ctx, secondary, entities, writes)
    _diagnose_gaps(ctx)
    layout = KeyValueLayout(table=table, indexes=tuple(secondary), entities=tuple(entities), guards=tuple(guards),
                            aggregates=tuple(aggs), access=tuple(access), writes=tuple(writes), edges=tuple(edges))
    return Design(model=model, target=ctx.target, capabilities=ctx.caps, layout=layout,
                  patterns=tuple(pattern_plan(ctx, a) for a in access),
                  writes=tuple(write_plan(ctx, w) for w in writes if not w.write.startswith("link ")),
                  decisions=tuple(ctx.decisions))


def _rate(ctx: Ctx, pattern: str) -> float | None:
    return next(q.rate_per_s for q in ctx.model.queries if q.name == pattern)


def _sharded(a: KeyValueAccess, indexes: Indexes) -> KeyValueAccess:
    """A pattern whose first request reads a sharded partition runs once per shard (DDB-H02)."""
    if not a.steps or "<shard>" not in a.steps[0].key.partition:
        return a
    shards = max(n.shards for n in indexes.needs if n.index == a.steps[0].key.index and a.pattern in n.serves)
    return a.model_copy(update={"shards": shards, "rcu": round(a.rcu * shards, 2)})


def _access(ctx: Ctx, q, grouped: KeyValueAccess | None, inner) -> KeyValueAccess:  # type: ignore[no-untyped-def]
    if grouped is None:
        return inner()
    if grouped.group is None or inner is None:
        return grouped
    base = inner()
    items = sum(s.items_read for s in base.steps)
    if not check_unbounded(ctx, q, items):
        return base.model_copy(update={"unserved": "an unmaintainable group over an unbounded set",
                                       "group": grouped.group})
    return base.model_copy(update={"group": grouped.group})


def _check_strong(ctx: Ctx, a: KeyValueAccess) -> None:
    q = next(q for q in ctx.model.queries if q.name == a.pattern)
    if q.consistency != "strong":
        return
    for st in a.steps:
        if st.key.index is not None and st.key.index.startswith("GSI"):
            ctx.diags.report(codes.STRONG_ON_GSI, q.span, query=q.name, index=st.key.index)
            return


def _erasures(ctx: Ctx, by_name: dict, guards: list) -> list[KeyValueWrite]:  # type: ignore[type-arg]
    out = []
    for e in ctx.model.entities:
        w = erase_write(ctx, e, by_name[e.name], guards) if e.name in by_name else None
        if w is None:
            continue
        w = with_refreshes(ctx, w, by_name)
        out.append(w)
        removed = w.steps[0].removes
        copies = sorted({f"{x.entity}.{c.attribute}" for x in by_name.values() for c in x.copies
                         if c.entity == e.name and c.field in removed})
        reached = sorted(f"{r.entity}.{a}" for r in w.refreshes for a, _ in r.attributes)
        missed = [c for c in copies if c not in reached]
        ctx.decide("SC-GDPR-01", Subject.of_entity(e.name), f"erasure: REMOVE {', '.join(removed)} ({w.write})",
                   "a soft delete only hides the item: erasure removes its personal data and the index keys "
                   "built from it, and deletes its guard items, in one transaction"
                   + (f"; the write also removes the copies in {', '.join(reached)} (DDB-T04)" if reached else "")
                   + (f"; no key finds the items holding {', '.join(missed)} by the erased id, so they keep "
                      f"them (SC0477)" if missed else ""),
                   e.span, payload=Erasure(action="anonymise",
                                           fields=tuple(f.name for f in e.stored_fields if f.pii)))
    return out


def _decide_fit(ctx: Ctx, access: list[KeyValueAccess]) -> None:
    """DEC-06 and DEC-07: one table for the model, and whether every pattern is key-addressable."""
    name = ctx.model.settings.name
    unserved = [a.pattern for a in access if not a.steps]
    grouped = [a.pattern for a in access if a.group is not None]
    ctx.decide("DEC-06", Subject.of_model(name), f"one table `{name}` for every entity",
               "the model is one bounded context whose patterns read related entities together: one table lets "
               "an item collection hold an item with its children and lets GSIs be shared (overloaded) across "
               "entity types", None, payload=Access(Operation.QUERY, name))
    served = len(access) - len(unserved)
    why = (f"{served} of {len(access)} patterns are a GetItem, Query or BatchGetItem, none a Scan")
    if unserved:
        why += f"; not served here: {', '.join(unserved)} (coded diagnostics say what to use instead)"
    if grouped:
        why += f"; grouped in the client over a bounded Query: {', '.join(grouped)}"
    ctx.decide("DEC-07", Subject.of_model(name), "key-value fits" if not unserved else "key-value fits, with gaps",
               why, None, payload=Access(Operation.QUERY, name))


def _diagnose_gaps(ctx: Ctx) -> None:
    model = ctx.model
    refs = sum(1 for e in model.entities if not e.junction for f in e.references)
    if refs:
        ctx.diags.report(codes.NO_FOREIGN_KEYS, model.settings.span, count=refs,
                         workaround="the application must check a referenced item exists (a ConditionCheck in "
                                    "the write's transaction) and clean up children when it deletes a parent")
    checked = [e.name for e in model.entities if e.checks or any(f.checks for f in e.fields)]
    if checked:
        ctx.diags.report(codes.NO_CHECKS, model.settings.span, count=sum(
            len(e.checks) + sum(len(f.checks) for f in e.fields) for e in model.entities), entities=", ".join(checked),
            workaround="validate in the application before writing (the SDL checks are its specification)")
    _ = type_name
