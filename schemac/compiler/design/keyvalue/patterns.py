"""How each read access pattern is served: GetItem, Query or BatchGetItem steps, never a Scan (DDB-A01).

Two passes: `route` decides per pattern what serves it (the table's key, an item collection, a guard item,
an index need, aggregate items) and registers index needs; after the needs are numbered (`Indexes.allocate`)
the returned builders make the steps with their key conditions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.estimates import matched_rows
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.indexes import Indexes, IndexNeed, index_template
from schemac.compiler.design.keyvalue.layout import (
    Filter,
    KeyCondition,
    KeyValueAccess,
    ReadStep,
)
from schemac.compiler.design.keyvalue.live import live_filters
from schemac.compiler.design.keyvalue.needs import Shape, shape_of, tag_of
from schemac.compiler.design.keyvalue.placement import Place
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
        self.copies: dict[str, list[tuple[str, str, str, str]]] = {}

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
    steps = [*first, *_include_steps(reads, q, e, q.include, first[-1].name if first else "", first[-1])]
    parents = {"": 1.0}
    total = 0.0
    for st in steps:
        runs = parents.get(st.after or "", 1.0) if st.per_item else 1.0
        total += st.rcu * runs
        parents[st.name] = st.items_returned * runs
    depth = len({st.after for st in steps})
    return KeyValueAccess(pattern=q.name, entity=e.name, steps=tuple(steps), rcu=round(total, 2),
                          round_trips=depth)


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
    if _unique_alone(e, s.eq) and strong and not s.consts:
        return lambda: _guarded_get(reads, e, s, place, names)
    low = q.batch or (q.rate_per_s is not None and q.rate_per_s < LOW_RATE_PER_S)
    reuse = reads.indexes.reusable(e.name, s.eq, s.consts) if low else None
    if reuse is not None and matched_rows(ctx, e, list(reuse.eq), ()) <= LOW_RATE_MAX_ITEMS:
        reuse.serves.append(q.name)
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
    live = live_filters(e, on_index=False)
    return ReadStep(name=name, operation="Query" if live else "GetItem", entity=e.name,
                    types=(type_name(e.name),), key=key, after=after, per_item=after is not None,
                    consistent=strong, filters=live, rcu=reads.rcu(e.name, 1, strong))


def _guarded_get(reads: Reads, e: Entity, s: Shape, place: Place, names: dict[str, str]) -> list[ReadStep]:
    """A strongly consistent read by a unique value: the guard item (DDB-U01) holds the item's key fields."""
    guard = guard_template(e, s.eq)
    first = ReadStep(name="", operation="GetItem", entity=e.name, types=("UNIQUE",),
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
    s.filters += live_filters(e, on_index=False)
    return _query_step(reads, q, e, s, key, strong, "")


def _index_query(reads: Reads, q: Query, e: Entity, s: Shape, need: IndexNeed, names: dict[str, str],
                 one: float) -> ReadStep:
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
    key = KeyCondition(index=need.index, partition_attr=f"{need.index}PK", sort_attr=f"{need.index}SK",
                       partition=fill(t.partition, names), sort_op=op, sort=low, sort_high=high)  # type: ignore[arg-type]
    return _query_step(reads, q, e, s2, key, False, "")


def _query_step(reads: Reads, q: Query, e: Entity, s: Shape, key: KeyCondition, strong: bool,
                name: str) -> ReadStep:
    ctx = reads.ctx
    est_eq = [f for f in s.eq if e.field(f) is not None] or [c[1] for c in s.copies]
    consts = [p for p in q.where if p.is_constant]
    returned = matched_rows(ctx, e, est_eq, consts)
    read = returned if not s.filters else matched_rows(ctx, e, est_eq, [p for p in consts])
    if s.filters:
        read = max(read, returned * 3)
    limit = q.limit if not s.filters else None
    if q.limit is not None:
        returned = min(returned, q.limit)
        read = min(read, q.limit) if not s.filters else read
    return ReadStep(name=name, operation="Query", entity=e.name, types=(type_name(e.name),), key=key,
                    descending=s.descending, limit=limit, consistent=strong, filters=s.filters,
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
    if place.kind == "collection" and place.parent == parent.name and order == place.sort_fields[: len(order)]:
        key = KeyCondition(partition=reads.places[parent.name].partition, sort_op="begins_with",
                           sort=f"{type_name(child.name)}#", holes="item")
        live = live_filters(child, on_index=False)
    else:
        need = reads.indexes.need(child.name, (inc.via,), (), order, type_name(child.name), q.name)
        t = index_template(ctx, child, need)
        key = KeyCondition(index=need.index, partition_attr=f"{need.index}PK", sort_attr=f"{need.index}SK",
                           partition=t.partition.replace(f"<{inc.via}>", "<id>"), sort_op="begins_with",
                           sort=f"{need.tag}#", holes="item")
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
