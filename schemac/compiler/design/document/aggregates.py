"""Reads that are aggregation pipelines: embedded children read as rows, grouped reads, `from A | B` with
$unionWith, and bucketed aggregates read from their aggregate documents (MDB-P03, MDB-P04)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.access import (
    IndexWant,
    Reads,
    base_filter,
    element_conds,
    esr_keys,
    live_partial,
    params_of,
    predicate_conds,
    sort_of,
)
from schemac.compiler.design.document.keys import collection_name, column_name, doc_key
from schemac.compiler.design.document.layout import Computed, Cond, DocumentAccess, Embedding, Stage
from schemac.compiler.design.document.results import entity_columns
from schemac.compiler.model import Entity, FieldKind, Param, Query
from schemac.compiler.naming import snake

ENTITY = "entity"  # the key a union's rows carry their entity name in (as the SQL targets' column)


def embedded_access(ctx: Ctx, q: Query, emb: Embedding, reads: Reads) -> tuple[DocumentAccess, list[IndexWant]]:
    """Children embedded in their parent, read as rows: match the parent by `_id`, unwind the array and merge
    the parent's keys into each element (MDB-E02: the read is one document)."""
    child = ctx.entity(q.entity)
    parent = ctx.entity(emb.parent)
    outer, inner = element_conds(ctx, child, emb, q, reads)
    merged = [(column_name(f), doc_key(f)) for f in (child.tenant_field,) if f is not None]
    by = child.field(emb.by)
    merged.append((column_name(by), "_id"))  # type: ignore[arg-type]
    stage = Stage(kind="element", path=emb.path, keys=tuple(merged), filter=tuple(inner))
    sort = sort_of(ctx, child, q, element=True)
    columns = [(c, c if c in dict(merged) else p) for c, p in entity_columns(ctx, child, element=True)]
    access = DocumentAccess(pattern=q.name, collection=collection_name(parent), kind="aggregate",
                            filter=tuple(outer), stages=(stage,), post_sort=tuple(sort), post_limit=q.limit,  # type: ignore[arg-type]
                            params=params_of(ctx, q, child), ordered=bool(sort), result_id="id",
                            columns=tuple(columns),
                            why=f"{q.entity} is embedded in {emb.parent}.{emb.path}: one {emb.parent} document by "
                                "_id, its array unwound")
    return access, [IndexWant(collection_name(parent), (), (), q.name, primary=True)]


def group_access(ctx: Ctx, q: Query, reads: Reads) -> tuple[DocumentAccess, list[IndexWant]]:
    e = ctx.entity(q.entity)
    coll = collection_name(e)
    conds = base_filter(ctx, e)
    for p in q.where:
        conds += predicate_conds(ctx, e, p, reads)
    keys: list[tuple[str, str]] = []
    buckets: list[tuple[str, str]] = []
    for k in q.group:
        f = e.field(k.field)
        if f is None:
            continue
        out = _group_name(q, k.steps, k.bucket, f)
        keys.append((out, doc_key(f)))
        if k.bucket is not None:
            buckets.append((out, k.bucket))
    accs: list[tuple[str, str, str | None]] = []
    columns = [(c, f"_id.{c}") for c, _ in keys]
    for s in q.select:
        if s.func is None:
            continue
        f = e.field(s.steps[0]) if s.steps else None
        accs.append((s.alias, s.func, doc_key(f) if f is not None else None))
        columns.append((s.alias, s.alias))
    post = []
    for o in q.order:
        name = o.steps[0] if not o.entities else column_name(e.field(o.field))  # type: ignore[arg-type]
        post.append((name if not o.entities else f"_id.{name}", -1 if o.descending else 1))
    index_keys, partial = esr_keys(conds, [])
    partial = live_partial(e, partial)
    seen = {k for k, _ in index_keys}
    extra = [p for _, p in keys if p not in seen] + [p for _, _, p in accs if p and p != "_id" and p not in seen]
    index_keys = (*index_keys, *((p, 1) for p in dict.fromkeys(extra)))
    access = DocumentAccess(pattern=q.name, collection=coll, kind="aggregate", filter=tuple(conds),
                            stages=(Stage(kind="group", keys=tuple(keys), buckets=tuple(buckets),
                                          accumulators=tuple(accs)),),
                            post_sort=tuple(post), post_limit=q.limit, params=params_of(ctx, q, e),  # type: ignore[arg-type]
                            ordered=bool(post), columns=tuple(columns),
                            why="grouped on the server from the index's entries")
    return access, [IndexWant(coll, index_keys, partial, q.name)]


def _group_name(q: Query, steps: tuple[str, ...], bucket: str | None, f: object) -> str:
    """A group key's result column: the select item's alias, else `<field>_<bucket>` or the column name."""
    for s in q.select:
        if s.func is None and s.relation is None and s.steps == steps and s.bucket == bucket:
            return f"{s.alias}_id" if bucket is None and s.alias == steps[0] and column_name(f) != steps[0] \
                else s.alias  # type: ignore[arg-type]
    return f"{steps[-1]}_{bucket}" if bucket else column_name(f)  # type: ignore[arg-type]


def union_access(ctx: Ctx, q: Query, reads: Reads) -> tuple[DocumentAccess, list[IndexWant]]:
    """`from A | B`: each entity keeps its collection; one aggregate on the first with a $unionWith per other,
    each branch matched, sorted and limited through its own index, then merged, sorted and limited."""
    common = _common(ctx, q)
    wants: list[IndexWant] = []
    branches = []
    for name in q.sources:
        e = ctx.entity(name)
        conds = base_filter(ctx, e)
        for p in q.where:
            conds += predicate_conds(ctx, e, p.model_copy(update={"entities": (name,) * len(p.entities)}), reads)
        bq = q.model_copy(update={"entity": name, "sources": (name,)})
        sort = sort_of(ctx, e, bq)
        project = tuple((column_name(f), doc_key(f)) for f in (e.field(c) for c in common) if f is not None)
        keys, partial = esr_keys(conds, sort)
        wants.append(IndexWant(collection_name(e), keys, live_partial(e, partial), q.name))
        branches.append(DocumentAccess(pattern=q.name, collection=collection_name(e), kind="aggregate",
                                       filter=tuple(conds), sort=tuple(sort), limit=q.limit, project=project,  # type: ignore[arg-type]
                                       type_value=name))
    first, rest = branches[0], branches[1:]
    out_sort = tuple(("id" if k == "_id" else k, d) for k, d in first.sort)
    columns = [(c, c) for c, _ in first.project] + [(ENTITY, ENTITY)]
    e0 = ctx.entity(q.entity)
    access = first.model_copy(update={
        "branches": tuple(rest), "post_sort": out_sort, "post_limit": q.limit, "params": params_of(ctx, q, e0),
        "ordered": bool(out_sort), "result_id": None, "columns": tuple(columns),
        "why": f"$unionWith: {', '.join(q.sources)} keep their own collections (their documents differ and are "
               "read apart elsewhere); each branch reads at most the limit through its own index"})
    return access, wants


def _common(ctx: Ctx, q: Query) -> list[str]:
    entities = [ctx.entity(n) for n in q.sources]
    first, rest = entities[0], entities[1:]
    out = []
    for f in first.stored_fields:
        if f.name == "deleted_at" or f.kind not in (FieldKind.SCALAR, FieldKind.REFERENCE):
            continue
        others = [e.field(f.name) for e in rest]
        if all(o is not None and o.kind is f.kind and o.scalar == f.scalar and o.target == f.target for o in others):
            out.append(f.name)
    return out


# -- bucketed aggregates ------------------------------------------------------------------------------------------


def computed_for(ctx: Ctx, q: Query) -> Computed | None:
    """Aggregate documents for a grouped read over a time bucket whose values are counts and sums."""
    if q.is_union or not any(k.bucket for k in q.group):
        return None
    if any(s.relation or (s.func not in ("count", "sum") and s.func is not None) for s in q.select):
        return None
    e = ctx.entity(q.entity)
    keys: list[tuple[str, str, str | None]] = []
    where: list[tuple[str, object]] = []
    grouped = {(k.field, k.bucket) for k in q.group if k.bucket}
    for p in q.where:
        if not p.is_local or (p.bucket is not None and (p.field, p.bucket) not in grouped):
            return None
        if p.bucket is None and isinstance(p.value, Param) and p.op == "=":
            keys.append((_column(e, p.field), p.field, None))
        elif p.is_constant and p.op == "=":
            where.append((doc_key(e.field(p.field)), p.value.value if p.value is not None else None))  # type: ignore[arg-type, union-attr]
        elif p.bucket is None:
            return None
    for k in q.group:
        key = (f"{k.field}_{k.bucket}" if k.bucket else _column(e, k.field), k.field, k.bucket)
        if key not in keys:
            keys.append(key)
    values = tuple((s.alias, s.func, doc_key(e.field(s.steps[0])) if s.steps else None)  # type: ignore[arg-type]
                   for s in q.select if s.func is not None)
    return Computed(collection=f"{q.name}_buckets", source=e.name, keys=tuple(keys), values=values,  # type: ignore[arg-type]
                    where=tuple(where))  # type: ignore[arg-type]


def _column(e: Entity, name: str) -> str:
    f = e.field(name)
    return column_name(f) if f is not None else snake(name)


def computed_access(ctx: Ctx, q: Query, comp: Computed) -> tuple[DocumentAccess, list[IndexWant]]:
    e = ctx.entity(q.entity)
    conds = [c for c in base_filter(ctx, e, live=False)]
    by_field = {src: key for key, src, bucket in comp.keys if bucket is None}
    ranges: list[Cond] = []
    for p in q.where:
        if p.bucket is not None:
            key = next(k for k, src, b in comp.keys if src == p.field and b == p.bucket)
            if p.op == "between":
                ranges += [Cond(path=key, op="gte", param=_pname(p.value)),
                           Cond(path=key, op="lte", param=_pname(p.value2))]
            else:
                ranges.append(Cond(path=key, op={"=": "eq"}.get(p.op, "gte"), param=_pname(p.value)))  # type: ignore[arg-type]
        elif isinstance(p.value, Param):
            conds.append(Cond(path=by_field[p.field], op="eq", param=p.value.name))
        # a constant predicate chose the documents counted (Computed.where): nothing to filter here
    conds += ranges
    columns = [(k, k) for k, _, _ in comp.keys if not any(c.path == k and c.op == "eq" and c.param for c in conds)]
    columns += [(k, k) for k, _, _ in comp.values]
    keys, _ = esr_keys(conds, [])
    access = DocumentAccess(pattern=q.name, collection=comp.collection, kind="find", filter=tuple(conds),
                            params=params_of(ctx, q, e), columns=tuple(columns),
                            why=f"computed: one aggregate document per bucket in `{comp.collection}`, kept by $inc in "
                                f"the {comp.source} writes; the read returns them without grouping")
    return access, [IndexWant(comp.collection, keys, (), q.name)]


def _pname(v: object) -> str | None:
    return v.name if isinstance(v, Param) else None
