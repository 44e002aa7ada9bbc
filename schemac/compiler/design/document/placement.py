"""What is a collection, what is embedded, what is copied: the document planner's first decisions.

An @owner child is embedded in its parent when it is read with it (an include, an action that groups the
two, or every query of the child names its parent) and its array is bounded (MDB-E02, MDB-E08). An include
with `limit N` keeps the N first children in the parent and the full set in its own collection (MDB-P02).
A to-one include (or a path predicate) on a read that is read more often than its source is written copies
the fields it reads (MDB-P01, MDB-E07). Maintained aggregates are computed in the writes (MDB-P03).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from schemac.compiler.design import codes as _codes  # noqa: F401  (shared codes registered first)
from schemac.compiler.design.context import Ctx, bytes_text, count_text, rate_text
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.document import codes
from schemac.compiler.design.document.keys import column_name, doc_key
from schemac.compiler.design.document.layout import Copy, Embedding, Relation
from schemac.compiler.design.document.payloads import Copied, ManyToMany, Placed
from schemac.compiler.design.document.results import array_label
from schemac.compiler.design.sizes import row_bytes
from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, Include, Query, ScalarKind
from schemac.compiler.naming import pascal, plural, singular, snake

ONE_TO_FEW = 200  # MDB-E02: children per parent that embed as an array
OUTLIER_FACTOR = 10  # the largest parent holds this many times the average children (MDB-P05)
SIZE_GUARD = 2 * 2**20  # a document stays well inside MongoDB's 16 MiB (MDB-E08)
DEFAULT_PER_OWNER = 10.0  # many-to-many members per owner when no volume says otherwise


@dataclass
class Placements:
    embeds: dict[str, Embedding] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    # (pattern, include path) -> how an include is read: "embedded", "copy", "follow_up"
    includes: dict[tuple[str, str], str] = field(default_factory=dict)


def stored_entities(ctx: Ctx) -> list[Entity]:
    """Every entity of the model but the junctions (a many-to-many is the owner's field here)."""
    return [e for e in ctx.model.entities if not e.junction]


def write_rate(ctx: Ctx, entity: str, ops: tuple[str, ...] = ("insert", "update", "upsert", "delete")) -> float:
    return sum(w.rate_per_s or 0.0 for w in ctx.model.writes if w.entity == entity and w.op in ops)


def plan_placements(ctx: Ctx) -> Placements:
    out = Placements()
    _embeddings(ctx, out)
    _copies(ctx, out)
    _computed(ctx, out)
    _relations(ctx, out)
    return out


# -- embedding --------------------------------------------------------------------------------------------------


def _per_parent(ctx: Ctx, child: Entity, parent: str, by: str) -> tuple[float, float]:
    """(average, bound) children per parent at the horizon. A unique key of the parent and enum fields bounds
    it exactly (one price per region); otherwise the largest parent holds OUTLIER_FACTOR times the average."""
    average = ctx.rows(child.name) / max(ctx.rows(parent), 1.0)
    for u in child.uniques:
        rest = [child.field(f) for f in u.fields if f not in (by, *(t for t in [ctx.tenant_of(child.name)] if t))]
        if by in u.fields and rest and all(f is not None and f.scalar is not None and f.scalar.kind is ScalarKind.ENUM
                                          for f in rest):
            bound = math.prod(len(f.scalar.values) for f in rest if f is not None and f.scalar is not None)
            return min(average, bound), float(bound)
    return average, float(math.ceil(max(average, 1.0) * OUTLIER_FACTOR))


def _read_signal(ctx: Ctx, child: Entity, by: Field) -> tuple[str, Include | None] | None:
    """The pattern that reads the child with its parent, and the include, if any."""
    for q in ctx.model.queries:
        for inc in q.include:
            if q.entity == by.target and inc.kind == "to_many" and inc.entity == child.name and inc.via == by.name:
                return q.name, inc
    parents = {q.name for q in ctx.model.queries if q.entity == by.target}
    children = {q.name for q in ctx.model.queries if q.entity == child.name}
    for a in ctx.model.actions:
        if parents & set(a.queries) and children & set(a.queries):
            return a.name, None
    own = [q for q in ctx.model.queries if q.entity == child.name]
    if own and all(_keyed_by(q, by.name) for q in own):
        return own[0].name, None
    return None


def _keyed_by(q: Query, name: str) -> bool:
    return not q.is_union and any(p.is_local and p.field == name and p.op == "=" for p in q.where)


def _embeddings(ctx: Ctx, out: Placements) -> None:
    candidates: dict[str, Embedding] = {}
    for child in stored_entities(ctx):
        by = child.owner_field
        if by is None or by.target is None or by.target == child.name or ctx.entity(by.target).junction:
            continue
        signal = _read_signal(ctx, child, by)
        if signal is None:
            continue
        emb = _embedding(ctx, child, by, *signal)
        if emb is not None:
            candidates[child.name] = emb
    # one level: a child whose own children embed in it stays a collection; so does a versioned one
    for name, emb in candidates.items():
        if any(e.parent == name for e in candidates.values()) or ctx.entity(name).versioned:
            continue
        out.embeds[name] = emb
        _decide_embedding(ctx, emb)
    _subsets(ctx, out)


def _embedding(ctx: Ctx, child: Entity, by: Field, pattern: str, inc: Include | None) -> Embedding | None:
    parent = by.target or ""
    average, bound = _per_parent(ctx, child, parent, by.name)
    path = plural(snake(child.name)) if inc is None else array_label(inc)
    if inc is not None and inc.limit is not None:
        return _subset(child, parent, by.name, path, inc, average)
    worst = row_bytes(ctx.model, ctx.entity(parent)) + bound * row_bytes(ctx.model, child)
    if bound <= ONE_TO_FEW and worst <= SIZE_GUARD:
        return Embedding(entity=child.name, parent=parent, by=by.name, path=path, mode="embed",
                         max_items=bound)
    if inc is not None:
        reason = (f"exceed the {ONE_TO_FEW} of a one-to-few array" if bound > ONE_TO_FEW
                  else f"exceed the {bytes_text(SIZE_GUARD)} document guard")
        ctx.diags.report(codes.UNBOUNDED_EMBED, inc.span, child=child.name, parent=parent, pattern=pattern,
                         bound=count_text(bound), size=bytes_text(worst), reason=reason)
        ctx.decide("MDB-E04", Subject.of_entity(child.name), f"a collection of its own, carrying `{doc_key(by)}`",
                   f"{count_text(average)} per {parent} on average, up to {count_text(bound)}: an unbounded array "
                   f"would outgrow the parent document", child.span,
                   payload=Placed(mode="reference", parent=parent, per_parent=average, bound=bound, worst_bytes=worst))
    return None


def _subset(child: Entity, parent: str, by: str, path: str, inc: Include, average: float) -> Embedding:
    order = tuple((o.field, -1 if o.descending else 1) for o in inc.order) or (("created_at", -1),)
    return Embedding(entity=child.name, parent=parent, by=by, path=path, mode="subset", order=order,  # type: ignore[arg-type]
                     limit=inc.limit, max_items=float(inc.limit or 0))


def _decide_embedding(ctx: Ctx, emb: Embedding) -> None:
    child = ctx.entity(emb.entity)
    if emb.mode == "subset":
        order = ", ".join(f"{k}{' desc' if d == -1 else ''}" for k, d in emb.order)
        ctx.decide("MDB-P02", Subject.of_entity(child.name),
                   f"subset: the {emb.limit} first by {order} embedded in {emb.parent}.{emb.path}; every {child.name} "
                   f"also in its own collection", "the parent's read needs only those children: one read, a bounded "
                   "array, and the full set stays queryable", child.span,
                   payload=Placed(mode="subset", parent=emb.parent, path=emb.path, bound=float(emb.limit or 0)))
        return
    average = ctx.rows(child.name) / max(ctx.rows(emb.parent), 1.0)
    worst = row_bytes(ctx.model, ctx.entity(emb.parent)) + (emb.max_items or 0) * row_bytes(ctx.model, child)
    ctx.decide("MDB-E02", Subject.of_entity(child.name),
               f"embedded in {emb.parent}.{emb.path} (an array, up to {count_text(emb.max_items or 0)} per "
               f"{emb.parent})",
               f"read with its parent; {count_text(average)} per {emb.parent} on average, {bytes_text(worst)} at worst "
               f"(outliers at {OUTLIER_FACTOR}x the average), well inside 16 MiB: one read, one atomic write (MDB-E09)",
               child.span, payload=Placed(mode="embed", parent=emb.parent, path=emb.path, per_parent=average,
                                          bound=emb.max_items or 0, worst_bytes=worst))


def _subsets(ctx: Ctx, out: Placements) -> None:
    """A non-owned child included with `limit N` on a read that outruns the child's writes: a subset too."""
    for q in ctx.model.queries:
        for inc in q.include:
            if inc.kind != "to_many" or inc.limit is None or inc.entity in out.embeds:
                continue
            child = ctx.entity(inc.entity)
            writes = write_rate(ctx, child.name)
            if (q.rate_per_s or 0.0) <= writes:
                continue
            average = ctx.rows(child.name) / max(ctx.rows(q.entity), 1.0)
            emb = _subset(child, q.entity, inc.via, array_label(inc), inc, average)
            out.embeds[child.name] = emb
            _decide_embedding(ctx, emb)


# -- extended references ----------------------------------------------------------------------------------------


def _copies(ctx: Ctx, out: Placements) -> None:
    wanted: dict[tuple[str, str], tuple[Field, list[str], float, str]] = {}
    for q in ctx.model.queries:
        rate = q.rate_per_s or 0.0
        for holder, inc in _to_one_includes(ctx, q.entity, q.include):
            ref = ctx.entity(holder).field(inc.via)
            if ref is None or ref.target is None:
                continue
            fields = list(inc.fields) or _copyable(ctx.entity(ref.target))
            _want(wanted, holder, ref, fields, rate, q.name)
        for p in q.where:
            if not p.is_local and len(p.steps) == 2:
                ref = ctx.entity(q.entity).field(p.steps[0])
                if ref is not None and ref.kind is FieldKind.REFERENCE:
                    _want(wanted, q.entity, ref, [p.steps[1]], rate, q.name)
        for s in q.select:
            if s.func is None and s.relation is None and len(s.steps) == 2:
                ref = ctx.entity(q.entity).field(s.steps[0])
                if ref is not None and ref.kind is FieldKind.REFERENCE:
                    _want(wanted, q.entity, ref, [s.steps[1]], rate, q.name)
    for (holder, _), (ref, fields, rate, pattern) in wanted.items():
        _copy_or_not(ctx, out, holder, ref, fields, rate, pattern)


def _want(wanted: dict, holder: str, ref: Field, fields: list[str], rate: float, pattern: str) -> None:
    key = (holder, ref.name)
    if key in wanted:
        _, old, old_rate, old_pattern = wanted[key]
        merged = old + [f for f in fields if f not in old]
        wanted[key] = (ref, merged, old_rate + rate, old_pattern)
    else:
        wanted[key] = (ref, list(fields), rate, pattern)


def _to_one_includes(ctx: Ctx, root: str, includes: tuple[Include, ...]) -> list[tuple[str, Include]]:
    out: list[tuple[str, Include]] = []
    for inc in includes:
        if inc.kind == "to_one":
            out.append((root, inc))
        out += _to_one_includes(ctx, inc.entity, inc.nested)
    return out


def _copyable(target: Entity) -> list[str]:
    """An include without a field list reads every stored field but the id, the tenant and deleted_at."""
    return [f.name for f in target.stored_fields
            if f.origin not in (FieldOrigin.ID, FieldOrigin.TENANT, FieldOrigin.DELETED_AT)]


def _copy_or_not(ctx: Ctx, out: Placements, holder: str, ref: Field, fields: list[str], rate: float,
                 pattern: str) -> None:
    source = ref.target or ""
    updates = write_rate(ctx, source, ("update", "upsert"))
    fan_out = ctx.rows(holder) / max(ctx.rows(source), 1.0)
    subject = Subject.of_reference(holder, ref.name)
    if rate < updates:
        out.includes[(holder, ref.name)] = "follow_up"
        ctx.decide("MDB-E07", subject, f"referenced by `{doc_key(ref)}` only; {pattern} reads {source} with a "
                   "second round trip", f"read {rate_text(rate)}, but {source} changes {rate_text(updates)}: a copy "
                   "would be rewritten more often than it is read", ref.span,
                   payload=Copied(mode="reference", source=source, fields=tuple(fields), fan_out=fan_out))
        return
    target = ctx.entity(source)
    keys = tuple((f, column_name(target.field(f)) if target.field(f) else f) for f in fields)  # type: ignore[arg-type]
    copy = Copy(holder=holder, path=snake(ref.name), mode="extended_reference", source=source, by=ref.name,
                fields=keys, fan_out=fan_out)
    out.copies.append(copy)
    out.includes[(holder, ref.name)] = "copy"
    pii = [f for f in fields if (target.field(f) is not None and target.field(f).pii)]  # type: ignore[union-attr]
    changes = (f"{source} changes {rate_text(updates)}" if updates else f"no declared write changes {source}")
    ctx.decide("MDB-P01", subject,
               f"extended reference: {holder}.{copy.path} keeps `{doc_key(ref)}` and copies "
               f"{', '.join(fields)}" + (f" (personal data: erased with the source, {', '.join(pii)})" if pii else ""),
               f"{pattern} reads them at {rate_text(rate)} without a $lookup (MDB-E10); update fan-out: one {source} "
               f"change rewrites {count_text(fan_out)} {holder} documents on average, and {changes}", ref.span,
               payload=Copied(mode="extended_reference", source=source, fields=tuple(fields), fan_out=fan_out))


# -- computed ---------------------------------------------------------------------------------------------------


def _computed(ctx: Ctx, out: Placements) -> None:
    for e in stored_entities(ctx):
        for f in e.fields:
            if f.maintained and f.default is not None and f.default.aggregate is not None:
                agg = f.default.aggregate
                copy = Copy(holder=e.name, path=doc_key(f), mode="computed", source=agg.child, by=agg.via,
                            fields=((f.name, doc_key(f)),))
                out.copies.append(copy)
                where = " where ..." if agg.where else ""
                ctx.decide("MDB-P03", Subject.of_field(e.name, f.name),
                           f"computed: `{agg.func}({agg.child}{'.' + agg.field if agg.field else ''}{where})` kept by "
                           f"$inc in the {agg.child} writes", "read with the document, never recomputed on read; "
                           "the $inc goes in the same write (or its transaction)", f.span,
                           payload=Copied(mode="computed", source=agg.child, fields=(f.name,)))
    for q in ctx.model.queries:
        for s in q.select:
            if s.relation is None or s.via is None or s.func != "count":
                continue
            holder = ctx.entity(q.entity)
            if any(f.maintained and f.default and f.default.aggregate and f.default.aggregate.child == s.relation
                   and f.default.aggregate.via == s.via and not f.default.aggregate.where for f in holder.fields):
                continue
            path = f"{snake(s.relation)}_count"
            if any(c.holder == holder.name and c.path == path for c in out.copies):
                continue
            out.copies.append(Copy(holder=holder.name, path=path, mode="computed", source=s.relation, by=s.via))
            ctx.decide("MDB-P03", Subject.of_pattern(q.name, holder.name),
                       f"computed: {holder.name}.{path} counts live {s.relation} documents, kept by $inc in their "
                       "inserts and deletes", f"{q.name} reads the count at {rate_text(q.rate_per_s)}: no $lookup "
                       "or count over the children per read", s.span,
                       payload=Copied(mode="computed", source=s.relation, fields=(path,)))


# -- many-to-many -----------------------------------------------------------------------------------------------


def _relations(ctx: Ctx, out: Placements) -> None:
    for e in stored_entities(ctx):
        for f in e.fields:
            if f.kind is not FieldKind.MANY or f.target is None:
                continue
            per_owner = _members_per_owner(ctx, e, f)
            subject = Subject.of_reference(e.name, f.name)
            if per_owner * OUTLIER_FACTOR <= ONE_TO_FEW * 5:
                path = f"{singular(snake(f.name))}_ids"
                out.relations.append(Relation(owner=e.name, field=f.name, target=f.target, mode="id_array", path=path,
                                              max_items=per_owner * OUTLIER_FACTOR))
                ctx.decide("MDB-E05", subject, f"an array of {f.target} ids in {e.name}.{path}, with a multikey index",
                           f"about {count_text(per_owner)} per {e.name}: the owner's side is bounded, and the array "
                           "is read with the owner; no link collection, no $lookup", f.span,
                           payload=ManyToMany(mode="id_array", path=path, per_owner=per_owner))
            else:
                coll = f"{plural(snake(e.name))}_{snake(f.name)}"
                out.relations.append(Relation(owner=e.name, field=f.name, target=f.target, mode="link_collection",
                                              collection=coll, max_items=per_owner))
                ctx.decide("MDB-E05", subject, f"a link collection `{coll}`",
                           f"about {count_text(per_owner)} per {e.name}: both sides are large", f.span,
                           payload=ManyToMany(mode="link_collection", path=coll, per_owner=per_owner))


def _members_per_owner(ctx: Ctx, owner: Entity, f: Field) -> float:
    junction = next((e for e in ctx.model.entities if e.junction and e.name == owner.name + pascal(f.name)), None)
    if junction is not None and junction.volume.declared:
        return junction.volume.at_horizon / max(ctx.rows(owner.name), 1.0)
    return DEFAULT_PER_OWNER

