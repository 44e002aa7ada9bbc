"""How each read access pattern is served: a find, or an aggregate, on one collection, with the tenant and
the live filter in every filter, and the index it needs in ESR order (MDB-I01).

An `IndexWant` is what a read needs from its collection's indexes; indexes.py merges them into indexes and
names them, and the planner then fills each access's `index`.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.cursor import continuation, paged
from schemac.compiler.design.document.keys import collection_name, column_name, doc_key, element_key
from schemac.compiler.design.document.layout import Computed, Cond, Copy, DocumentAccess, Embedding, ResultArray
from schemac.compiler.design.document.nullorder import nulls_last
from schemac.compiler.design.document.placement import Placements
from schemac.compiler.design.document.results import (
    array_label,
    copied_columns,
    entity_columns,
    field_columns,
    include_columns,
    result_array,
)
from schemac.compiler.keyset import tiebreak
from schemac.compiler.model import Const, Entity, FieldKind, FieldOrigin, Include, OnDelete, Param, Predicate, Query
from schemac.compiler.naming import singular, snake

LIVE = "deleted_at"  # the soft-delete key: null (present) while the document is live

_OPS = {"=": "eq", "in": "in", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "!=": "ne"}


@dataclass(frozen=True)
class IndexWant:
    """What one read needs from its collection's indexes: keys in ESR order and a constant partial filter."""

    collection: str
    keys: tuple[tuple[str, int | str], ...]
    partial: tuple[tuple[str, object], ...] = ()
    source: str = ""
    primary: bool = False  # served by `_id`: no index to create


@dataclass
class Reads:
    """What the access planner needs from the placement and computed decisions."""

    places: Placements
    computed: dict[str, Computed]  # query -> its aggregate documents

    def copy(self, holder: str, by: str) -> Copy | None:
        return next((c for c in self.places.copies if c.holder == holder and c.by == by
                     and c.mode == "extended_reference"), None)

    @property
    def copies(self) -> dict[tuple[str, str], Copy]:
        return {(c.holder, c.by or ""): c for c in self.places.copies if c.mode == "extended_reference"}


def param_type(ctx: Ctx, p: Param) -> tuple[str, str, bool]:
    f = ctx.entity(p.entity).field(p.field)
    kind = "uuid" if f is None else _ir_type(ctx, f.target, f) if f.kind is FieldKind.REFERENCE else \
        (f.scalar.kind.value if f.scalar else "json")
    return p.name, ("list<" + kind + ">") if p.is_list else kind, False


def _ir_type(ctx: Ctx, target: str | None, f: object) -> str:
    e = ctx.entity(target or "")
    pk = e.field(e.primary_key[0]) if e.primary_key else None
    return pk.scalar.kind.value if pk is not None and pk.scalar is not None else "uuid"


def tenant_param(ctx: Ctx, e: Entity) -> tuple[str, str, bool] | None:
    t = e.tenant_field
    return None if t is None else (column_name(t), _ir_type(ctx, t.target, t), False)


def base_filter(ctx: Ctx, e: Entity, *, live: bool = True) -> list[Cond]:
    out = []
    t = e.tenant_field
    if t is not None:
        out.append(Cond(path=doc_key(t), op="eq", param=column_name(t)))
    if live and e.soft_delete:
        out.append(Cond(path=LIVE, op="live"))
    return out


def predicate_conds(ctx: Ctx, e: Entity, p: Predicate, reads: Reads, element: bool = False) -> list[Cond]:
    if not p.is_local:
        copy = reads.copy(e.name, p.steps[0])
        target = ctx.entity(p.entities[1])
        f = target.field(p.field)
        key = dict(copy.fields).get(p.field, p.field) if copy else p.field
        base = f"{copy.path if copy else doc_key(e.field(p.steps[0]))}.{key}"  # type: ignore[arg-type]
        return _conds(base, p, f is not None and f.kind is FieldKind.REFERENCE)
    f = e.field(p.field)
    path = (element_key(f) if element else doc_key(f)) if f is not None else p.field
    return _conds(path, p, False)


def _conds(path: str, p: Predicate, _ref: bool) -> list[Cond]:
    if p.bucket is not None and isinstance(p.value, Param):
        return _bucket_conds(path, p)
    if p.op == "match":
        return [Cond(path=path, op="text", param=p.value.name if isinstance(p.value, Param) else None)]
    if p.op == "is_null":
        return [Cond(path=path, op="null")]
    if p.op == "is_not_null":
        return [Cond(path=path, op="not_null")]
    if p.op == "between":
        return [_cond(path, "gte", p.value), _cond(path, "lte", p.value2)]
    return [_cond(path, _OPS[p.op], p.value)]


def _bucket_conds(path: str, p: Predicate) -> list[Cond]:
    """`quarter(f) between ? and ?` reads f from the first bucket's start to the last bucket's end: the
    parameters name buckets by their first instant (SC-BKT-01), so the end is `$dateAdd` of one bucket."""
    first = p.value.name if isinstance(p.value, Param) else None
    last = p.value2.name if isinstance(p.value2, Param) else first
    end = Cond(path=path, op="before_end", param=last, bucket=p.bucket)
    if p.op in ("=", "between"):
        return [Cond(path=path, op="gte", param=first), end]
    if p.op == ">=":
        return [Cond(path=path, op="gte", param=first)]
    if p.op == "<":
        return [Cond(path=path, op="lt", param=first)]
    if p.op == "<=":
        return [end.model_copy(update={"param": first})]
    return [Cond(path=path, op="gte", param=first, bucket=p.bucket)]  # `>`: from the next bucket (see render)


def _cond(path: str, op: str, v: Param | Const | None) -> Cond:
    if isinstance(v, Param):
        return Cond(path=path, op=op, param=v.name)  # type: ignore[arg-type]
    return Cond(path=path, op=op, value=None if v is None else v.value)  # type: ignore[arg-type]


def esr_keys(conds: list[Cond], sort: list[tuple[str, int]]) -> tuple[tuple[tuple[str, int | str], ...],
                                                                         tuple[tuple[str, object], ...]]:
    """Index keys in equality, sort, range order (MDB-I01), and the constant equalities as a partial filter
    (MDB-I05). An `in` with a sort goes after the sort keys: several values would break the order."""
    eq = [c.path for c in conds if c.op == "eq" and c.param is not None]
    partial = tuple((c.path, c.value) for c in conds if c.op == "eq" and c.param is None)
    ins = [c.path for c in conds if c.op == "in"]
    ranges = [c.path for c in conds if c.op in ("lt", "lte", "gt", "gte", "before_end")]
    keys: list[tuple[str, int | str]] = [(k, 1) for k in dict.fromkeys(eq)]
    if not sort:
        keys += [(k, 1) for k in ins if (k, 1) not in keys]
    seen = {k for k, _ in keys}
    keys += [(k, d) for k, d in sort if k not in seen]
    seen |= {k for k, _ in sort}
    keys += [(k, 1) for k in [*ins, *ranges] if k not in seen and not (seen.add(k))]  # type: ignore[func-returns-value]
    if not keys and partial:  # only constants: the partial index is keyed on them (a small, sparse index)
        keys = [(k, 1) for k in dict.fromkeys(k for k, _ in partial)]
    return tuple(keys), partial


def live_partial(e: Entity, partial: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
    """A read of a soft-deleting entity states the live filter, so its index holds live documents only
    (partial on `{deleted_at: {$type: "null"}}`, as the unique indexes): deleted documents are never scanned."""
    return ((LIVE, {"$type": "null"}), *partial) if e.soft_delete else partial


def sort_of(ctx: Ctx, e: Entity, q: Query, *, element: bool = False) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for o in q.order:
        f = e.field(o.field) if o.entities else None
        if f is None:
            continue
        out.append((element_key(f) if element else doc_key(f), -1 if o.descending else 1))
    if out and q.limit is not None and len(out) == len(q.order):
        last = out[-1][1]
        for name in tiebreak(e, q):
            f = e.field(name)
            if f is not None and (doc_key(f), last) not in out:
                out.append((element_key(f) if element else doc_key(f), last))
    return out


def params_of(ctx: Ctx, q: Query, e: Entity) -> tuple[tuple[str, str, bool], ...]:
    out = [t] if (t := tenant_param(ctx, e)) is not None else []
    out += [param_type(ctx, p) for p in q.params]
    return tuple(out)


def plan_access(ctx: Ctx, q: Query, reads: Reads) -> tuple[DocumentAccess, list[IndexWant]]:
    from schemac.compiler.design.document import aggregates

    if q.is_union:
        return aggregates.union_access(ctx, q, reads)
    if q.name in reads.computed:
        return aggregates.computed_access(ctx, q, reads.computed[q.name])
    emb = reads.places.embeds.get(q.entity)
    if emb is not None and emb.mode == "embed":
        return aggregates.embedded_access(ctx, q, emb, reads)
    if q.group or any(s.func for s in q.select if s.relation is None):
        return aggregates.group_access(ctx, q, reads)
    return find_access(ctx, q, reads)


def find_access(ctx: Ctx, q: Query, reads: Reads) -> tuple[DocumentAccess, list[IndexWant]]:
    e = ctx.entity(q.entity)
    coll = collection_name(e)
    conds = base_filter(ctx, e)
    for p in q.where:
        conds += predicate_conds(ctx, e, p, reads)
    sort = sort_of(ctx, e, q)
    columns, projection, arrays, omitted, follow_ups, wants = _select(ctx, q, e, reads)
    keys, partial = esr_keys(conds, sort)
    partial = live_partial(e, partial)
    text = [c for c in conds if c.op == "text"]
    if text:
        keys = (*((k, d) for k, d in keys if k != text[0].path and (k, d) != (LIVE, 1)), (text[0].path, "text"))
    primary = any(c.path == "_id" and c.op == "eq" for c in conds)
    want = IndexWant(coll, keys, partial, q.name, primary=primary)
    access = DocumentAccess(pattern=q.name, collection=coll, kind="find", filter=tuple(conds),
                            sort=tuple(sort), limit=1 if q.returns_one and q.limit is None else q.limit,  # type: ignore[arg-type]
                            projection=projection, params=params_of(ctx, q, e), ordered=bool(sort),
                            result_id="_id" if not q.select else None, columns=tuple(columns),
                            arrays=tuple(arrays), omitted=tuple(omitted), follow_ups=tuple(follow_ups),
                            why=_null_order(e, q))
    out = nulls_last(ctx, e, access, _doc_keys(e))
    if paged(q):
        out = out.model_copy(update={"next": continuation(e, access, _doc_keys(e))})
    return out, [want, *wants]


def _doc_keys(e: Entity) -> dict[str, str]:
    return {doc_key(f): f.name for f in e.stored_fields}


def _null_order(e: Entity, q: Query) -> str:
    """MongoDB orders a null before every value (ascending): said where an optional field is sorted on."""
    optional = [o.field for o in q.order if o.entities and (f := e.field(o.field)) is not None and f.optional]
    if not optional:
        return ""
    return (f"{', '.join(optional)} may be null: MongoDB sorts null before every value ascending (after them "
            "descending), where the SQL targets put it last")


def _select(ctx: Ctx, q: Query, e: Entity, reads: Reads):  # type: ignore[no-untyped-def]
    """(columns, projection, arrays, omitted, follow-ups, index wants) of a find's result."""
    if q.select:
        columns = []
        for s in q.select:
            columns.append(_select_column(ctx, e, s, reads))
        projection = tuple(dict.fromkeys(p for _, p in columns))
        return columns, projection, [], [], [], []
    columns = entity_columns(ctx, e)
    arrays: list[ResultArray] = []
    omitted: list[tuple[str, str]] = []
    follow_ups: list[DocumentAccess] = []
    wants: list[IndexWant] = []
    present = {c for c, _ in columns}
    for inc in q.include:
        _include(ctx, q, e, inc, reads, columns, arrays, omitted, follow_ups, wants, present)
    return columns, (), arrays, omitted, follow_ups, wants


def _select_column(ctx: Ctx, e: Entity, s, reads: Reads) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    if s.relation is not None:
        copy = next(c for c in reads.places.copies if c.holder == e.name and c.mode == "computed"
                    and c.source == s.relation and c.by == s.via)
        return s.alias, copy.path
    if len(s.steps) == 2:
        copy = reads.copy(e.name, s.steps[0])
        key = dict(copy.fields).get(s.steps[1], s.steps[1]) if copy else s.steps[1]
        return s.alias, f"{copy.path if copy else s.steps[0]}.{key}"
    f = e.field(s.steps[0])
    alias = f"{s.alias}_id" if f is not None and f.kind is FieldKind.REFERENCE and s.alias == s.steps[0] else s.alias
    return alias, doc_key(f) if f is not None else s.steps[0]


def _include(ctx: Ctx, q: Query, e: Entity, inc: Include, reads: Reads, columns: list, arrays: list,
             omitted: list, follow_ups: list, wants: list, present: set[str]) -> None:
    if inc.kind == "to_one":
        copy = reads.copy(e.name, inc.via)
        if copy is not None:
            new = copied_columns(ctx, copy, inc, "", present)
            columns += new
            present.update(c for c, _ in new)
        else:
            fu, w = _follow_one(ctx, q, e, inc)
            follow_ups.append(fu)
            wants.append(w)
            omitted += [(f"{inc.name}_{c}", f"read by the follow-up `{fu.pattern}`") for c in _cols(ctx, inc)]
        return
    emb = reads.places.embeds.get(inc.entity)
    if inc.kind == "to_many" and emb is not None and emb.parent == e.name and emb.by == inc.via:
        skip = inc.via if emb.mode == "embed" else None
        arrays.append(result_array(ctx, inc, emb.path, reads.copies, skip))
        if skip is not None and (not inc.fields or inc.via in inc.fields):
            via = ctx.entity(inc.entity).field(inc.via)
            omitted.append((f"{array_label(inc)}.{column_name(via)}",  # type: ignore[arg-type]
                            "the parent document's _id: an embedded element does not repeat it"))
        return
    fu, w = _follow_many(ctx, q, e, inc)
    follow_ups.append(fu)
    wants.append(w)
    omitted.append((array_label(inc), f"assembled from the follow-up `{fu.pattern}` (a second round trip)"))


def _cols(ctx: Ctx, inc: Include) -> list[str]:
    return [c for f in include_columns(ctx.entity(inc.entity), inc.fields) if f.origin is not FieldOrigin.ID
            for c, _ in field_columns(ctx, f, "")]


def _follow_one(ctx: Ctx, q: Query, e: Entity, inc: Include) -> tuple[DocumentAccess, IndexWant]:
    """One `_id: {$in}` read for the referenced documents of every result (not one per result). Whether the
    referenced document must be live follows the reference's ON DELETE, as the SQL targets' join does (SC-DEL-02):
    a restricting reference reads a soft-deleted target as history, a cascading or SET NULL one as absent."""
    target = ctx.entity(inc.entity)
    ref = e.field(inc.via)
    assert ref is not None, inc.via
    key = doc_key(ref)
    coll = collection_name(target)
    ids = f"{key}s"
    live = (ref.on_delete or OnDelete.RESTRICT) is not OnDelete.RESTRICT
    conds = [*base_filter(ctx, target, live=live), Cond(path="_id", op="in", param=ids)]
    cols = [c for f in include_columns(target, inc.fields) for c in field_columns(ctx, f, doc_key(f))]
    fills = tuple((f"{inc.name}_{c}", c) for c in _cols(ctx, inc))
    how = "live ones only" if live else "soft-deleted ones too (a restricting reference reads history)"
    fu = DocumentAccess(pattern=f"{q.name}.{inc.name}", collection=coll, kind="find", filter=tuple(conds),
                        params=_fu_params(ctx, target, ids, f"list<{_ir_type(ctx, target.name, None)}>"),
                        result_id="_id", columns=tuple(cols),
                        fills_row=fills, bind=((ids, key),), join=((key, "_id"),),
                        why=f"the {inc.entity} documents the results reference, by `_id` (the distinct `{key}` "
                            f"values of the results, {how}); each result takes the one its `{key}` names")
    return fu, IndexWant(coll, (), (), fu.pattern, primary=True)


def _follow_many(ctx: Ctx, q: Query, e: Entity, inc: Include) -> tuple[DocumentAccess, IndexWant]:
    target = ctx.entity(inc.entity)
    coll = collection_name(target)
    if inc.kind == "many":
        param = f"{singular(snake(inc.via))}_ids"  # the owner's id array (placement.py names it so)
        conds = [*base_filter(ctx, target), Cond(path="_id", op="in", param=param)]
        why = f"the {inc.entity} documents whose ids the result's `{param}` array holds"
        sort: list[tuple[str, int]] = []
        key: tuple[tuple[str, int | str], ...] = ()
    else:
        via = target.field(inc.via)
        param = doc_key(via) if via is not None else inc.via
        conds = [*base_filter(ctx, target), Cond(path=param, op="eq", param=param)]
        sort = [(doc_key(f), -1 if o.descending else 1) for o in inc.order if (f := target.field(o.field))]
        why = f"the {inc.entity} documents of one result, by `{param}`"
        key, _ = esr_keys(conds, sort)
    cols = [(column_name(f), doc_key(f)) for f in include_columns(target, inc.fields)]
    bound = param if inc.kind == "many" else "_id"  # the owner's id array, or the owner's own id
    fu = DocumentAccess(pattern=f"{q.name}.{inc.name}", collection=coll, kind="find", filter=tuple(conds),
                        sort=tuple(sort), limit=inc.limit,  # type: ignore[arg-type]
                        params=_fu_params(ctx, target, param, f"list<{_ir_type(ctx, target.name, None)}>"
                                          if inc.kind == "many" else _ir_type(ctx, e.name, None)),
                        ordered=bool(sort), result_id="_id", columns=tuple(cols), why=why,
                        fills=array_label(inc), bind=((param, bound),))
    fu = nulls_last(ctx, target, fu, _doc_keys(target))
    return fu, IndexWant(coll, key, live_partial(target, ()), fu.pattern, primary=inc.kind == "many")


def _fu_params(ctx: Ctx, target: Entity, param: str, kind: str) -> tuple[tuple[str, str, bool], ...]:
    out = [t] if (t := tenant_param(ctx, target)) is not None else []
    return (*out, (param, kind, False))


def element_conds(ctx: Ctx, child: Entity, emb: Embedding, q: Query, reads: Reads) -> tuple[list[Cond], list[Cond]]:
    """(parent filter, element filter) of a read of embedded children by their parent."""
    parent = ctx.entity(emb.parent)
    outer = base_filter(ctx, parent)
    inner: list[Cond] = []
    for p in q.where:
        if p.is_local and p.field == emb.by and isinstance(p.value, Param) and p.op == "=":
            outer.append(Cond(path="_id", op="eq", param=p.value.name))
        else:
            inner += predicate_conds(ctx, child, p, reads, element=True)
    if child.soft_delete:
        inner.append(Cond(path=LIVE, op="live"))
    return outer, inner
