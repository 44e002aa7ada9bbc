"""How each read access pattern is served: GetItem, Query or BatchGetItem steps, never a Scan (DDB-A01).

Two passes: `route` decides per pattern what serves it (the table's key, an item collection, a guard item,
an index need, aggregate items) and registers index needs; after the needs are numbered (`Indexes.allocate`)
the returned builders make the steps with their key conditions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Access, Subject
from schemac.compiler.design.estimates import RANGE_SELECTIVITY, matched_rows
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.indexes import Indexes, IndexNeed, index_template
from schemac.compiler.design.keyvalue.layout import (
    Filter,
    KeyCondition,
    KeyValueAccess,
    ReadStep,
)
from schemac.compiler.design.keyvalue.live import live_filters, unexpired
from schemac.compiler.design.keyvalue.needs import Shape, shape_of, tag_of
from schemac.compiler.design.keyvalue.placement import Place
from schemac.compiler.design.plans import Operation
from schemac.compiler.design.sizes import row_bytes
from schemac.compiler.model import Entity, Include, Query
from schemac.compiler.naming import singular

Builder = Callable[[], KeyValueAccess]
LOW_RATE_PER_S = 1.0
LOW_RATE_MAX_ITEMS = 100_000.0


class Reads:
    """The shared state of one design run's read planning."""

    def __init__(self, ctx: Ctx, places: dict[str, Place], indexes: Indexes) -> None:
        self.ctx, self.places, self.indexes = ctx, places, indexes
        self.copies: dict[str, list[tuple[str, ...]]] = {}  # (attribute, via, entity, field[, why])
        self.copied: set[tuple[str, str]] = set()  # (pattern, include path) served by copies

    def item_bytes(self, entity: str) -> float:
        return float(row_bytes(self.ctx.model, self.ctx.entity(entity)))

    def rcu(self, entity: str, items: float, consistent: bool, batch: bool = False) -> float:
        per = 1.0 if consistent else 0.5
        size = self.item_bytes(entity)
        if batch:  # each item rounds up on its own
            return round(max(items, 1.0) * math.ceil(size / 4096) * per, 2)
        return round(max(math.ceil(max(items, 1.0) * size / 4096), 1) * per, 2)

    def tenant_param(self, e: Entity) -> dict[str, str]:
        t = e.tenant_field
        return {t.name: f"{t.name}_id"} if t is not None else {}


def fill(template: str, names: dict[str, str]) -> str:
    """Rename a template's holes (IR fields) to the pattern's parameter names."""
    for name, param in names.items():
        template = template.replace(f"<{name}>", f"<{param}>")
    return template


def is_low_rate(q: Query) -> bool:
    return q.batch or (q.rate_per_s is not None and q.rate_per_s < LOW_RATE_PER_S)


def route(reads: Reads, q: Query) -> Builder | None:
    """The builder of `q`'s access, or None when the caller serves it otherwise (aggregates)."""
    ctx = reads.ctx
    e = ctx.entity(q.entity)
    if q.is_union:
        return _union(reads, q)
    s = shape_of(ctx, q, e)
    if s.copies:
        reads.copies.setdefault(e.name, []).extend(s.copies)
    if s.unserved:
        return lambda: KeyValueAccess(pattern=q.name, entity=e.name, unserved=s.unserved, round_trips=0)
    place = reads.places[e.name]
    names = {**reads.tenant_param(e), **s.params}
    root = _root(reads, q, e, s, place, names)
    return lambda: _access(reads, q, e, root())


def _access(reads: Reads, q: Query, e: Entity, first: list[ReadStep]) -> KeyValueAccess:
    first, rest, kids = _collection_read(reads, q, e, first)
    root = first[-1]
    steps = [*first]
    for kid in kids:  # what the children include, from the children the one Query returned
        steps += _include_steps(reads, q, reads.ctx.entity(kid.entity), kid.nested, kid.name, root)
    steps += _include_steps(reads, q, e, rest, "", root)
    parents = {"": 1.0}
    total = 0.0
    for i, st in enumerate(steps):
        runs = parents.get(st.after or "", 1.0) if st.per_item or st.operation == "BatchGetItem" else 1.0
        if st.operation == "BatchGetItem":  # one key per item of the step before: the items it returns
            st = steps[i] = st.model_copy(update={"items_read": round(runs, 2), "items_returned": round(runs, 2),
                                                  "rcu": round(st.rcu * runs, 2)})
            runs = 1.0
        total += st.rcu * runs
        parents[st.name] = st.items_returned * runs
    depth = len({st.after for st in steps})
    copied = tuple(sorted(p for n, p in reads.copied if n == q.name))
    return KeyValueAccess(pattern=q.name, entity=e.name, steps=tuple(steps), rcu=round(total, 2),
                          round_trips=depth, copied=copied, collection=tuple((k.name, root.name) for k in kids))


def _collection_read(reads: Reads, q: Query, e: Entity, first: list[ReadStep]
                     ) -> tuple[list[ReadStep], tuple[Include, ...], list[Include]]:
    """One item read by its full key, with children included whole from its own item collection: a single
    Query on the partition returns the item and those children together (DDB-K08)."""
    last = first[-1]
    place = reads.places[e.name]
    if place.kind != "home" or last.key.index is not None or last.key.sort_op != "=":
        return first, q.include, []
    kids = [i for i in q.include if i.kind == "to_many" and i.limit is None and not i.order
            and _in_collection(reads, e, i)]
    if not kids:
        return first, q.include, []
    ctx = reads.ctx
    items = 1.0 + sum(max(ctx.rows(k.entity) / max(ctx.rows(e.name), 1.0), 1.0) for k in kids)
    strong = q.consistency == "strong"
    merged = last.model_copy(update={
        "operation": "Query", "key": last.key.model_copy(update={"sort_op": None, "sort": None}),
        "types": (type_name(e.name), *(type_name(k.entity) for k in kids)), "items_read": round(items, 2),
        "items_returned": round(items, 2), "rcu": reads.rcu(e.name, items, strong)})
    ctx.decide("DDB-K08", Subject.of_pattern(q.name, e.name),
               f"one Query of the {e.name} item collection returns it with its {', '.join(k.name for k in kids)}",
               f"the {e.name} and the {', '.join(k.entity for k in kids)} items share a partition (an item "
               f"collection), so a Query on PK alone reads them in one round trip (about {items:,.0f} items)",
               q.span, payload=Access(Operation.QUERY, "table"))
    return [*first[:-1], merged], tuple(i for i in q.include if i not in kids), kids


def _in_collection(reads: Reads, parent: Entity, inc: Include) -> bool:
    place = reads.places[inc.entity]
    return place.kind == "collection" and place.parent == parent.name and place.via == inc.via


def _root(reads: Reads, q: Query, e: Entity, s: Shape, place: Place, names: dict[str, str]
          ) -> Callable[[], list[ReadStep]]:
    ctx = reads.ctx
    strong = q.consistency == "strong"
    eq = set(s.eq)
    keyed = set(place.sort_fields) | _partition_fields(place)
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    keyed.discard(tenant or "")
    one = matched_rows(ctx, e, [f for f in s.eq if e.field(f) is not None], ())
    if eq and eq == keyed and not s.consts and not s.filters:
        return lambda: [_get(reads, e, place, names, strong)]
    if place.kind != "home" and eq == _partition_fields(place) - {tenant} and _order_fits(s, place):
        return lambda: [_collection_query(reads, q, e, s, place, names, strong)]
    if place.kind != "home" and eq == _partition_fields(place) - {tenant} and strong:
        # a strong read of the collection in another order: a local secondary index (DDB-I01, DDB-A07)
        lsi = reads.indexes.need(e.name, s.eq, s.consts, s.order, type_name(e.name), q.name, local=place.partition)
        return lambda: [_index_query(reads, q, e, s, lsi, names, one, strong=True)]
    if _unique_alone(e, s.eq) and strong and not s.consts:
        return lambda: _guarded_get(reads, e, s, place, names)
    low = is_low_rate(q)
    reuse = reads.indexes.reusable(e.name, s.eq, s.consts) if low else None
    scoped = [*([tenant] if tenant else []), *(reuse.eq if reuse is not None else ())]
    if reuse is not None and matched_rows(ctx, e, scoped) <= LOW_RATE_MAX_ITEMS:
        reuse.serves.append(q.name)
        ctx.decide("DDB-A02", Subject.of_pattern(q.name, e.name),
                   f"reuse the index of {reuse.serves[0]}, filter the rest",
                   f"{q.name} runs {'as a batch' if q.batch else 'rarely'}: it reads the partition of an index "
                   f"another pattern needs ({', '.join(reuse.serves[:-1])}) and filters, rather than adding "
                   f"an index that every {e.name} write would pay for", q.span,
                   payload=Access(Operation.QUERY, reuse.serves[0]))
        return lambda: [_index_query(reads, q, e, s, reuse, names, one)]
    need = reads.indexes.need(e.name, s.eq, s.consts, s.order, type_name(e.name), q.name)
    return lambda: [_index_query(reads, q, e, s, need, names, one)]


def _partition_fields(place: Place) -> set[str]:
    from schemac.compiler.design.keyvalue.encoding import holes

    return set(holes(place.partition))


def _order_fits(s: Shape, place: Place) -> bool:
    return not s.order or tuple(s.order) == tuple(place.sort_fields[: len(s.order)])


def _unique_alone(e: Entity, eq: tuple[str, ...]) -> bool:
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    return bool(eq) and any(set(u.fields) - {tenant} == set(eq) for u in e.uniques)


def _get(reads: Reads, e: Entity, place: Place, names: dict[str, str], strong: bool, *, name: str = "",
         after: str | None = None) -> ReadStep:
    """GetItem by the full key; a Query on the same key when soft-deleted items must be filtered out (a
    GetItem cannot filter), which reads the same one item."""
    holes = "item" if after is not None else "param"
    key = KeyCondition(partition=fill(place.partition, names), sort_op="=", sort=fill(place.sort, names),
                       holes=holes)  # type: ignore[arg-type]
    live = live_filters(e, on_index=False) + unexpired(e)
    return ReadStep(name=name, operation="Query" if live else "GetItem", entity=e.name,
                    types=(type_name(e.name),), key=key, after=after, per_item=after is not None,
                    consistent=strong, filters=live, rcu=reads.rcu(e.name, 1, strong))


def _guarded_get(reads: Reads, e: Entity, s: Shape, place: Place, names: dict[str, str]) -> list[ReadStep]:
    """A strongly consistent read by a unique value: the guard item (DDB-U01) holds the item's key fields."""
    guard = guard_template(e, s.eq)
    first = ReadStep(name="", operation="GetItem", entity=e.name, types=("GUARD",),
                     key=KeyCondition(partition=fill(guard, names), sort_op="=", sort=fill(guard, names)),
                     consistent=True, rcu=1.0)
    return [first, _get(reads, e, place, {}, True, name="item", after="")]


def guard_template(e: Entity, fields: tuple[str, ...] | list[str]) -> str:
    tenant = e.tenant_field
    prefix = f"{type_name(tenant.target)}#<{tenant.name}>#" if tenant is not None and tenant.target else ""
    body = "#".join(f"{f.upper()}#<{f}>" for f in fields if tenant is None or f != tenant.name)
    return f"{prefix}UNIQUE#{type_name(e.name)}#{body}"


def _range_bounds(tag: str, r: Filter | None) -> tuple[str, str, str] | None:
    if r is None:
        return None
    p, p2 = f"<{r.param}>", f"<{r.param2}>"
    bounds = {"between": (f"{tag}#{p}", f"{tag}#{p2}#~"), "<": (f"{tag}#", f"{tag}#{p}"),
              "<=": (f"{tag}#", f"{tag}#{p}#~"), ">": (f"{tag}#{p}#~", f"{tag}#~"),
              ">=": (f"{tag}#{p}", f"{tag}#~")}
    low, high = bounds[r.op]
    return "between", low, high


def _sort_condition(tag: str, s: Shape) -> tuple[str, str, str | None]:
    bounds = _range_bounds(tag, s.range) if s.range is not None and s.order[:1] == (s.range.field,) else None
    if bounds is not None:
        return bounds
    return "begins_with", f"{tag}#", None


def _collection_query(reads: Reads, q: Query, e: Entity, s: Shape, place: Place, names: dict[str, str],
                      strong: bool) -> ReadStep:
    tag = type_name(e.name)
    op, low, high = _sort_condition(tag, s)
    key = KeyCondition(partition=fill(place.partition, names), sort_op=op, sort=low, sort_high=high)  # type: ignore[arg-type]
    s.filters += s.consts + live_filters(e, on_index=False)
    step = _query_step(reads, q, e, s, key, strong, "")
    return step.model_copy(update={"sorted_by": place.sort_fields})


def _index_query(reads: Reads, q: Query, e: Entity, s: Shape, need: IndexNeed, names: dict[str, str],
                 one: float, strong: bool = False) -> ReadStep:
    t = index_template(reads.ctx, e, need)
    extra = [f for f in s.eq if f not in need.eq]
    filters = tuple(Filter(field=f, op="=", param=s.params[f]) for f in extra)
    filters += tuple(c for c in s.consts if c not in need.consts)
    s2 = Shape(entity=s.entity, eq=s.eq, consts=s.consts, order=s.order, descending=s.descending,
               range=s.range if need.order[:1] == s.order[:1] else None, filters=s.filters + filters,
               params=s.params)
    if s2.range is None and s.range is not None:
        s2.filters += (s.range,)
    op, low, high = _sort_condition(need.tag, s2)
    key = KeyCondition(index=need.index, partition_attr=need.partition_attr, sort_attr=f"{need.index}SK",
                       partition=fill(t.partition, names), sort_op=op, sort=low, sort_high=high)  # type: ignore[arg-type]
    if need.local:
        s2.filters += live_filters(e, on_index=False)
    step = _query_step(reads, q, e, s2, key, strong, "")
    return step.model_copy(update={"sorted_by": (*need.order, *(() if "id" in need.order else ("id",)))})


def _query_step(reads: Reads, q: Query, e: Entity, s: Shape, key: KeyCondition, strong: bool,
                name: str) -> ReadStep:
    ctx = reads.ctx
    tenant = [e.tenant_field.name] if e.tenant_field is not None else []
    est_eq = tenant + ([f for f in s.eq if e.field(f) is not None] or [c[1] for c in s.copies])
    local = [p for p in q.where if len(p.steps) == 1 and p.bucket is None and (p.is_constant or p.is_range)]
    filtered = {f.field for f in s.filters}
    returned = matched_rows(ctx, e, est_eq, local)
    returned *= RANGE_SELECTIVITY ** sum(1 for f in s.filters if f.op == "in")
    read = matched_rows(ctx, e, [x for x in est_eq if x not in filtered],
                        [p for p in local if p.steps[-1] not in filtered])
    limit = q.limit if not s.filters else None
    if q.limit is not None:
        returned = min(returned, q.limit)
        read = min(read, q.limit) if not s.filters else read
    filters = s.filters + tuple(f for f in unexpired(e) if f not in s.filters)
    if filters != s.filters:
        limit = None  # a filter reads past the limit: the client stops after it
    return ReadStep(name=name, operation="Query", entity=e.name, types=(type_name(e.name),), key=key,
                    descending=s.descending, limit=limit, consistent=strong, filters=filters,
                    items_read=round(max(read, 1.0), 2), items_returned=round(max(returned, 1.0), 2),
                    rcu=reads.rcu(e.name, read, strong))


def _union(reads: Reads, q: Query) -> Builder:
    """`from A | B`: every listed entity in one GSI partition with one sort-key tag (the pattern's)."""
    ctx = reads.ctx
    first = ctx.entity(q.sources[0])
    shapes = {name: shape_of(ctx, q, ctx.entity(name)) for name in q.sources}
    tag = tag_of(q)
    needs = [reads.indexes.need(n, shapes[n].eq, shapes[n].consts, shapes[n].order, tag, q.name, q.sources)
             for n in q.sources]
    s = shapes[first.name]
    names = {**reads.tenant_param(first), **s.params}

    def build() -> KeyValueAccess:
        step = _index_query(reads, q, first, s, needs[0], names, 0)
        step = step.model_copy(update={"entity": first.name, "types": tuple(type_name(n) for n in q.sources)})
        return KeyValueAccess(pattern=q.name, entity=first.name, steps=(step,), rcu=step.rcu)
    return build


def _include_steps(reads: Reads, q: Query, parent: Entity, incs: tuple[Include, ...], path: str,
                   after: ReadStep) -> list[ReadStep]:
    out: list[ReadStep] = []
    for inc in incs:
        name = f"{path}.{inc.name}" if path else inc.name
        if inc.kind == "to_one" and copy_include(reads, q, parent, inc, after):
            reads.copied.add((q.name, name))
            continue
        step = _include_step(reads, q, parent, inc, name, after)
        out.append(step)
        if inc.kind == "many":
            target = reads.ctx.entity(inc.entity)
            fetch = _batch_get(reads, q, target, f"{name}.{inc.entity}", name, singular(inc.via), inc)
            out.append(fetch)
            out += _include_steps(reads, q, target, inc.nested, fetch.name, fetch)
        else:
            out += _include_steps(reads, q, reads.ctx.entity(inc.entity), inc.nested, name, step)
    return out


HOT_READ_PER_S = 50.0


def copy_include(reads: Reads, q: Query, parent: Entity, inc: Include, after: ReadStep) -> bool:
    """Copy a to-one include's fields into the parent item (DDB-R02) when the read is hot, names a few
    fields, and the writes that would have to update the copies cost less than the follow-up reads saved."""
    ctx = reads.ctx
    if not inc.fields or inc.nested or (q.rate_per_s or 0.0) < HOT_READ_PER_S:
        return False
    target = ctx.entity(inc.entity)
    fan_out = max(ctx.rows(parent.name) / max(ctx.rows(target.name), 1.0), 1.0)
    changes = sum(w.rate_per_s or 0.0 for w in ctx.model.writes if w.entity == target.name
                  and w.op in ("update", "upsert") and (not w.fields or set(w.fields) & set(inc.fields)))
    parents = after.items_returned
    saved = (q.rate_per_s or 0.0) * reads.rcu(target.name, parents, False, batch=True)
    cost = changes * fan_out
    if cost >= saved:
        return False
    for f in inc.fields:
        why = (f"{q.name} reads {inc.entity}.{f} with every {parent.name} at {q.rate_per_s:g}/s: copied into the "
               f"{parent.name} item it saves {saved:,.1f} RCU/s of BatchGetItem; a change of {inc.entity}.{f} "
               f"must update about {fan_out:,.0f} {parent.name} items (declared changes: {changes:g}/s, "
               f"{cost:,.1f} item updates/s)")
        reads.copies.setdefault(parent.name, []).append((f"{inc.name}_{f}", inc.via, inc.entity, f, why))
    return True


def _include_step(reads: Reads, q: Query, parent: Entity, inc: Include, name: str, after: ReadStep) -> ReadStep:
    ctx = reads.ctx
    child = ctx.entity(inc.entity)
    strong = q.consistency == "strong"
    if inc.kind == "to_one":
        return _batch_get(reads, q, child, name, after.name, inc.via, inc)
    if inc.kind == "many":
        place = reads.places[parent.name]
        tag = f"{type_name(inc.entity)}_EDGE"
        key = KeyCondition(partition=place.partition, sort_op="begins_with", sort=f"{tag}#", holes="item")
        return ReadStep(name=name, operation="Query", entity=parent.name, types=(tag,), key=key,
                        after=after.name, per_item=True, consistent=strong, items_read=5, items_returned=5,
                        rcu=reads.rcu(parent.name, 5, strong), via=inc.via, fields=inc.fields)
    per_parent = max(ctx.rows(child.name) / max(ctx.rows(parent.name), 1.0), 1.0)
    if inc.limit is not None:
        per_parent = min(per_parent, inc.limit)
    place = reads.places[child.name]
    order = tuple(k.field for k in inc.order)
    desc = bool(inc.order and inc.order[0].descending)
    live: tuple[Filter, ...] = ()
    if (place.kind == "collection" and place.parent == parent.name and place.via == inc.via
            and order == place.sort_fields[: len(order)]):
        key = KeyCondition(partition=reads.places[parent.name].partition, sort_op="begins_with",
                           sort=f"{type_name(child.name)}#", holes="item")
        live = live_filters(child, on_index=False)
    else:
        need = reads.indexes.need(child.name, (inc.via,), (), order, type_name(child.name), q.name)
        t = index_template(ctx, child, need)
        key = KeyCondition(index=need.index, partition_attr=need.partition_attr, sort_attr=f"{need.index}SK",
                           partition=t.partition.replace(f"<{inc.via}>", "<id>"), sort_op="begins_with",
                           sort=f"{need.tag}#", holes="item")
    live += unexpired(child)
    return ReadStep(name=name, operation="Query", entity=child.name, types=(type_name(child.name),), key=key,
                    after=after.name, per_item=True, descending=desc, limit=None if live else inc.limit,
                    consistent=strong and key.index is None, filters=live, items_read=round(per_parent, 2),
                    items_returned=round(per_parent, 2), rcu=reads.rcu(child.name, per_parent, strong),
                    via=inc.via, fields=inc.fields)


def _batch_get(reads: Reads, q: Query, target: Entity, name: str, after: str, via: str, inc: Include) -> ReadStep:
    place = reads.places[target.name]
    strong = q.consistency == "strong"
    key = KeyCondition(partition=place.partition.replace("<id>", f"<{via}>"), sort_op="=",
                       sort=place.sort.replace("<id>", f"<{via}>"), holes="item")
    return ReadStep(name=name, operation="BatchGetItem", entity=target.name, types=(type_name(target.name),),
                    key=key, after=after, consistent=strong, rcu=reads.rcu(target.name, 1, strong, batch=True),
                    via=via, fields=inc.fields)
