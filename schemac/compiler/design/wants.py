"""Derive index needs from access patterns: the root entity's key (equality, sort, range), the lookups that
path predicates, reverse aggregates and includes make on other entities, and the rows writes find by key."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import takewhile

from schemac.compiler.design import codes
from schemac.compiler.design.context import LOW_RATE_PER_S, Ctx, pred_text
from schemac.compiler.design.needs import Role, Segment, Want, grouped_range
from schemac.compiler.keyset import tiebreak
from schemac.compiler.model import Entity, FieldOrigin, Include, KeyPart, OrderKey, Predicate, Query, Write

# aggregates whose argument column the index carries, so that a grouped read is an index-only scan
# (a count of a column reads it too: PostgreSQL's secondary indexes do not hold the primary key)
AGGREGATED_FROM_INDEX = ("min", "max", "sum", "avg", "count")


@dataclass
class QueryNeeds:
    query: Query
    root: Want | None
    aux: list[Want] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Key:
    """A key under construction for one entity."""

    entity: Entity
    eq: list[str] = field(default_factory=list)
    const_eq: list[str] = field(default_factory=list)
    where: list[Predicate] = field(default_factory=list)
    range: str | None = None
    filters: list[str] = field(default_factory=list)

    def add_eq(self, name: str) -> None:
        if name not in self.eq:
            self.eq.append(name)


def _low_rate(rate: float | None, batch: bool) -> bool:
    return batch or (rate is not None and rate < LOW_RATE_PER_S)


def _new_key(e: Entity) -> _Key:
    key = _Key(e)
    if e.tenant_field is not None:
        key.eq.append(e.tenant_field.name)
    return key


def _add_local(ctx: Ctx, key: _Key, p: Predicate, const_ranges: list[Predicate]) -> None:
    """Place one local, non-text predicate: equality, range, partial-index predicate or filter. A bucket
    predicate (`quarter(f) = ?`) is a range on the field (SC-BKT-01)."""
    if p.bucket is not None and not p.is_constant:
        if key.range is None:
            key.range = p.field
        else:
            key.filters.append(pred_text(p))
    elif p.is_equality:
        key.add_eq(p.field)
    elif p.is_range:
        if key.range is None:
            key.range = p.field
        else:
            key.filters.append(pred_text(p))
    elif p.is_constant and ctx.caps.partial_indexes:
        key.where.append(p)
    elif p.is_constant and p.op in ("=", "is_null"):
        if p.field not in key.eq and p.field not in key.const_eq:
            key.const_eq.append(p.field)
    elif p.is_constant:
        const_ranges.append(p)
    else:
        key.filters.append(pred_text(p))


def _place_const_ranges(key: _Key, const_ranges: list[Predicate]) -> None:
    for p in const_ranges:
        if key.range is None:
            key.range = p.field
        else:
            key.filters.append(pred_text(p))


def _sort_parts(ctx: Ctx, q_order: tuple[OrderKey, ...], skip: set[str], notes: list[str]) -> tuple[KeyPart, ...]:
    parts: list[KeyPart] = []
    for o in q_order:
        if len(o.steps) != 1 or not o.entities:
            notes.append(f"sorted in memory by `{'.'.join(o.steps)}` (not a column of the root)")
            break
        if o.field in skip:
            continue
        parts.append(KeyPart(field=o.field, descending=o.descending))
    if not ctx.caps.descending_indexes and any(p.descending for p in parts):
        first = parts[0].descending
        run = list(takewhile(lambda p: p.descending == first, parts))
        if len(run) < len(parts):
            notes.append("mixed sort directions: the target has no descending index columns, the tail is "
                         "sorted in memory")
        parts = [KeyPart(field=p.field) for p in run]
    return tuple(parts)


def _cap(ctx: Ctx, segs: tuple[Segment, ...], entity: str, node: object) -> tuple[Segment, ...]:
    """Trim a key to the target's column limit (SC0402): the leading columns still narrow the scan."""
    limit = ctx.caps.max_index_columns
    parts = [p for s in segs for p in s.parts]
    if len(parts) <= limit:
        return segs
    ctx.diags.report(codes.TOO_MANY_COLUMNS, getattr(node, "span", None), entity=entity, count=len(parts),
                     limit=limit, kept=", ".join(p.field for p in parts[:limit]))
    out: list[Segment] = []
    room = limit
    for seg in segs:
        if room <= 0:
            break
        out.append(Segment(seg.kind, seg.parts[:room]))
        room -= len(out[-1].parts)
    return tuple(out)


def _segments(key: _Key, group: tuple[str, ...], extras: tuple[str, ...],
              sort: tuple[KeyPart, ...], after: tuple[str, ...] = ()) -> tuple[Segment, ...]:
    eq = tuple(KeyPart(field=f) for f in (*key.eq, *key.const_eq))
    segs = [Segment("set", eq)] if eq else []
    if grouped_range(key.range, group, extras, sort):
        segs.append(Segment("set", (KeyPart(field=key.range),)))  # type: ignore[arg-type]
    # a field already in the key (a bucket of the range field in `group`) is not a key part twice
    seen = {p.field for s in segs for p in s.parts}
    group = tuple(f for f in dict.fromkeys(group) if f not in seen)
    extras = tuple(f for f in dict.fromkeys(extras) if f not in seen and f not in group)
    if group:
        segs.append(Segment("set", tuple(KeyPart(field=f) for f in group)))
    if extras:
        segs.append(Segment("set", tuple(KeyPart(field=f) for f in extras)))
    if sort:
        segs.append(Segment("seq", sort))
    if after:
        segs.append(Segment("set", tuple(KeyPart(field=f) for f in after)))
    used = {p.field for s in segs for p in s.parts}
    if key.range is not None and key.range not in used:
        segs.append(Segment("set", (KeyPart(field=key.range),)))
    if not segs and key.where:
        fields = tuple(dict.fromkeys(p.field for p in key.where))
        segs.append(Segment("set", tuple(KeyPart(field=f) for f in fields)))
    return tuple(segs)


def query_needs(ctx: Ctx, q: Query) -> QueryNeeds:
    e = ctx.entity(q.entity)
    key = _new_key(e)
    notes: list[str] = []
    aux: list[Want] = []
    const_ranges: list[Predicate] = []
    matches: list[Predicate] = []
    low = _low_rate(q.rate_per_s, q.batch)
    for p in q.where:
        if not p.is_local:
            key.add_eq(p.steps[0])
            aux += _path_wants(ctx, q, p, low)
        elif p.op == "match":
            matches.append(p)
        else:
            _add_local(ctx, key, p, const_ranges)
    _place_const_ranges(key, const_ranges)
    aux += _subquery_wants(ctx, q, low)
    aux += _include_wants(ctx, q, q.entity, q.include, low)
    aux = [replace(w, batch=q.batch) for w in aux]
    if matches and _fulltext_blocked(ctx, e):
        notes.append(f"the full-text index is not used under row-level security (the match operator is not "
                     f"leakproof, so the policy's {e.tenant_field.name} filter runs first): the tenant's rows are read "
                     f"through this index and the match filters them (SC0420)")
        key.filters += [pred_text(p) for p in matches]
        matches = []
    text = _text_want(ctx, q, e, matches, key, low)
    if text is not None:
        return QueryNeeds(q, text, aux, notes)
    group = tuple(dict.fromkeys(o.field for o in q.group if len(o.steps) == 1 and o.field not in key.eq))
    extras = tuple(dict.fromkeys(
        s.steps[0] for s in q.select
        if s.func in AGGREGATED_FROM_INDEX and len(s.steps) == 1 and s.relation is None
        and s.steps[0] not in key.eq and s.steps[0] not in group))
    # `x in ?` with a sort reads like a range (ESR): several values side by side would break the index order
    after = tuple(p.field for p in q.where if p.is_local and p.op == "in") if q.order and not q.group else ()
    if after:
        key.eq = [f for f in key.eq if f not in after]
        notes.append(f"{', '.join(after)} (`in`) after the sort keys: several values would break the order")
    skip = set(key.eq) | set(key.const_eq)
    sort = () if q.group else _sort_parts(ctx, q.order, skip, notes)
    if sort and len(sort) == len(q.order):  # keyset pagination: the same tie-breaker the backends page by
        last = sort[-1].descending
        sort = (*sort, *(KeyPart(field=f, descending=last) for f in tiebreak(e, q) if f not in skip))
    segs = _cap(ctx, _segments(key, group, extras, sort, after), e.name, q)
    if not segs:
        ctx.diags.report(codes.FULL_SCAN, q.span, kind="query", name=q.name, entity=e.name,
                         reason="no predicate, sort or tenant to key an index on; add a where clause")
        return QueryNeeds(q, None, aux, notes)
    # the root's columns a query returns (a path reads its reference column here, the rest by key)
    select = () if any(s.func or s.relation for s in q.select) else \
        tuple(dict.fromkeys(s.steps[0] for s in q.select))
    root = Want(source=q.name, kind="query", role="root", entity=e.name, segments=segs,
                eq=(*key.eq, *key.const_eq), sort=sort, range=key.range, group=group,
                where=tuple(key.where), live=e.soft_delete,
                low_rate=low, batch=q.batch, rate=q.rate_per_s, limit=q.limit, select=select,
                filters=tuple(key.filters), span=q.span)
    return QueryNeeds(q, root, aux, notes)


def _fulltext_blocked(ctx: Ctx, e: Entity) -> bool:
    """Row-level security on a target whose full-text match cannot run before the policy (SC0420)."""
    return (ctx.caps.full_text and not ctx.caps.fulltext_under_rls and ctx.caps.row_level_security
            and ctx.model.settings.tenant is not None and e.tenant_field is not None)


def _text_want(ctx: Ctx, q: Query, e: Entity, matches: list[Predicate], key: _Key, low: bool) -> Want | None:
    if not matches:
        return None
    if not ctx.caps.full_text:
        for p in matches:
            ctx.diags.report(codes.NO_FULL_TEXT, p.span, entity=e.name, field=p.field,
                             workaround="the match is a filter after the other predicates; serve it from a "
                                        "search engine fed by the table")
            key.filters.append(pred_text(p))
        return None
    p = matches[0]
    filters = [*key.filters, *(pred_text(x) for x in matches[1:])]
    filters += [f"{f} = ?" for f in key.eq if f != p.field]
    return Want(source=q.name, kind="query", role="root", entity=e.name,
                segments=(Segment("set", (KeyPart(field=p.field),)),), method="fulltext", live=e.soft_delete,
                low_rate=low, rate=q.rate_per_s, limit=q.limit, filters=tuple(filters), span=p.span)


def _path_wants(ctx: Ctx, q: Query, p: Predicate, low: bool) -> list[Want]:
    out: list[Want] = []
    for i in range(1, len(p.steps)):
        e = ctx.entity(p.entities[i])
        key = _new_key(e)
        last = i == len(p.steps) - 1
        if last and p.op == "match":
            out.append(Want(source=q.name, kind="query", role="path", entity=e.name, method="fulltext",
                            segments=(Segment("set", (KeyPart(field=p.field),)),), live=e.soft_delete,
                            low_rate=low, rate=q.rate_per_s, span=p.span))
            continue
        if last:
            const_ranges: list[Predicate] = []
            _add_local(ctx, key, p.model_copy(update={"steps": (p.field,), "entities": (e.name,)}),
                       const_ranges)
            _place_const_ranges(key, const_ranges)
        else:
            key.add_eq(p.steps[i])
        out.append(_lookup(ctx, q.name, "path", key, low, q.rate_per_s, p))
    return out


def _lookup(ctx: Ctx, source: str, role: Role, key: _Key, low: bool, rate: float | None, node: object,
            sort: tuple[KeyPart, ...] = (), limit: int | None = None) -> Want:
    segs = _cap(ctx, _segments(key, (), (), sort), key.entity.name, node)
    return Want(source=source, kind="query", role=role, entity=key.entity.name, segments=segs,
                eq=(*key.eq, *key.const_eq), sort=sort, range=key.range, where=tuple(key.where),
                live=key.entity.soft_delete, low_rate=low, rate=rate, limit=limit,
                filters=tuple(key.filters), span=getattr(node, "span", None))


def _subquery_wants(ctx: Ctx, q: Query, low: bool) -> list[Want]:
    out: list[Want] = []
    for s in q.select:
        if s.relation is None or s.via is None:
            continue
        key = _new_key(ctx.entity(s.relation))
        key.add_eq(s.via)
        want = _lookup(ctx, q.name, "subquery", key, low, q.rate_per_s, s)
        out.append(replace(want, counts=s.func == "count"))
    return out


def _include_wants(ctx: Ctx, q: Query, root: str, includes: tuple[Include, ...], low: bool) -> list[Want]:
    out: list[Want] = []
    for inc in includes:
        if inc.kind == "to_many":
            key = _new_key(ctx.entity(inc.entity))
            key.add_eq(inc.via)
            sort = _sort_parts(ctx, inc.order, set(key.eq), [])
            out.append(_lookup(ctx, q.name, "include", key, low, q.rate_per_s, inc, sort, inc.limit))
        elif inc.kind == "many":
            junction = junction_of(ctx, root, inc.via)
            if junction is not None:
                key = _new_key(junction)
                key.add_eq(_junction_sides(junction)[0])
                out.append(_lookup(ctx, q.name, "include", key, low, q.rate_per_s, inc))
        out += _include_wants(ctx, q, inc.entity, inc.nested, low)
    return out


def junction_of(ctx: Ctx, owner: str, field_name: str) -> Entity | None:
    """The stored links of `owner.field_name` (a many-to-many) when the model planned stores them as an entity
    (the relational planner's junction table, `relational.junctions`); None otherwise."""
    rel = ctx.model.relation_of(owner, field_name)
    if rel is None:
        return None
    try:
        e = ctx.entity(rel.name)
    except KeyError:
        return None
    return e if e.junction else None


def _junction_sides(e: Entity) -> tuple[str, str]:
    sides = [x.name for x in e.references if x.origin is FieldOrigin.JUNCTION]
    return sides[0], sides[1]


def junction_sides(e: Entity) -> tuple[str, str] | None:
    sides = [x.name for x in e.references if x.origin is FieldOrigin.JUNCTION]
    return (sides[0], sides[1]) if len(sides) == 2 else None


def write_want(ctx: Ctx, w: Write) -> Want | None:
    if w.op == "insert" or not w.by:
        return None
    e = ctx.entity(w.entity)
    key = _new_key(e)
    for f in w.by:
        key.add_eq(f)
    return Want(source=w.name, kind="write", role="write", entity=e.name,
                segments=_cap(ctx, (Segment("set", tuple(KeyPart(field=f) for f in key.eq)),), e.name, w),
                eq=tuple(key.eq),
                live=e.soft_delete, low_rate=_low_rate(w.rate_per_s, False), rate=w.rate_per_s, span=w.span)
