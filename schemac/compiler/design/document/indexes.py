"""Indexes per collection: what the reads want (ESR order, tenant first), unique indexes restricted to live
documents, TTL for @expires, a text index for @search, multikey indexes into id arrays; no index that is a
prefix of another (MDB-I03), and at most 64 per collection."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.document import codes
from schemac.compiler.design.document.access import LIVE, IndexWant
from schemac.compiler.design.document.keys import collection_name, doc_key, element_key
from schemac.compiler.design.document.layout import DocumentIndex, Embedding, Relation
from schemac.compiler.design.document.payloads import DocIndex
from schemac.compiler.design.document.validators import BSON
from schemac.compiler.model import Entity, FieldOrigin

MAX_INDEXES = 64
# `deleted_at` is always present (null while live), so `$type: "null"` selects exactly the live documents:
# MongoDB accepts it in a partial filter, where `$ne`, `$exists: false` and `{deleted_at: null}`-style
# negations are refused or do not exclude what they should (MDB-I05, MDB-I07)
LIVE_FILTER: dict[str, object] = {LIVE: {"$type": "null"}}

@dataclass
class IndexSet:
    by_collection: dict[str, list[DocumentIndex]] = field(default_factory=dict)
    # (source, collection) -> index name serving it; "_id_" for the primary key
    served: dict[tuple[str, str], str] = field(default_factory=dict)


def index_name(keys: tuple[tuple[str, object], ...], partial: dict[str, object] | None = None) -> str:
    """MongoDB's default name (`organization_id_1_student_id_1_created_at_-1`); a partial index built for a
    constant predicate adds it (`_where_status_open`), so that it never takes a full index's name."""
    name = "_".join(f"{k}_{d}" for k, d in keys)
    consts = [f"{k}_{str(v).lower()}" for k, v in (partial or {}).items() if not isinstance(v, dict)]
    return f"{name}_where_{'_'.join(consts)}" if consts else name


def plan_indexes(ctx: Ctx, wants: list[IndexWant], embeds: dict[str, Embedding],
                 relations: list[Relation]) -> IndexSet:
    out = IndexSet()
    pool: dict[str, list[DocumentIndex]] = {}
    for e in ctx.model.entities:
        if e.junction:
            continue
        emb = embeds.get(e.name)
        if emb is None or emb.mode == "subset":
            _entity_indexes(ctx, e, pool)
        else:
            _embedded_uniques(ctx, e, emb, pool)
    for r in relations:
        if r.mode == "id_array" and r.path:
            owner = ctx.entity(r.owner)
            keys = tuple((k, 1) for k in (_tenant_key(owner), r.path) if k)
            _add(pool, DocumentIndex(collection=collection_name(owner), name=index_name(keys), keys=keys,  # type: ignore[arg-type]
                                     multikey=True, serves=(f"{r.owner}.{r.field}",)))
    for w in wants:
        if w.primary:
            out.served[(w.source, w.collection)] = "_id_"
            continue
        if not w.keys:
            continue
        partial = dict(w.partial) or None
        served = _served_by(pool.get(w.collection, []), w)
        if served is not None:
            _add(pool, served.model_copy(update={"serves": (w.source,)}))
            continue
        _add(pool, DocumentIndex(collection=w.collection, name=index_name(w.keys, partial), keys=w.keys,  # type: ignore[arg-type]
                                 partial_filter=partial, serves=(w.source,)))
    for coll, indexes in pool.items():
        kept = _merge_prefixes(ctx, indexes, out)
        if len(kept) + 1 > MAX_INDEXES:
            ctx.diags.report(codes.TOO_MANY_INDEXES, None, collection=coll, count=len(kept) + 1)
        out.by_collection[coll] = kept
        for ix in kept:
            for s in ix.serves:
                out.served[(s, coll)] = ix.name
    return out


def _served_by(existing: list[DocumentIndex], w: IndexWant) -> DocumentIndex | None:
    """A unique index whose keys start with the want's and whose partial filter the read implies (the live
    filter is in every read of a soft-deleting entity; a `$type` filter where the read has equality)."""
    for ix in existing:
        if not ix.unique or ix.keys[:len(w.keys)] != w.keys:
            continue
        eq = {k for k, _ in w.keys}
        partial = ix.partial_filter or {}
        if all(k == LIVE or k in eq or (w.partial and (k, v) in w.partial) for k, v in partial.items()):
            return ix
    return None


def _tenant_key(e: Entity) -> str | None:
    t = e.tenant_field
    return doc_key(t) if t is not None else None


def _entity_indexes(ctx: Ctx, e: Entity, pool: dict[str, list[DocumentIndex]]) -> None:
    coll = collection_name(e)
    for u in e.uniques:
        keys = tuple((doc_key(f), 1) for name in u.fields if (f := e.field(name)) is not None)
        partial = _unique_filter(e, u.fields)
        _add(pool, DocumentIndex(collection=coll, name=index_name(keys), keys=keys, unique=True,  # type: ignore[arg-type]
                                 partial_filter=partial or None, serves=(f"unique {e.name}({', '.join(u.fields)})",)))
    if e.expires:
        f = e.field(e.expires)
        keys = ((doc_key(f), 1),)  # type: ignore[arg-type]
        _add(pool, DocumentIndex(collection=coll, name=index_name(keys), keys=keys, ttl_seconds=0,  # type: ignore[arg-type]
                                 serves=(f"@expires {e.name}.{e.expires}",)))


def _unique_filter(e: Entity, fields: tuple[str, ...]) -> dict[str, object]:
    """Live documents only (MDB-I07); an optional key only where it has a value (MDB-I06), by its type."""
    partial: dict[str, object] = dict(LIVE_FILTER) if e.soft_delete else {}
    for name in fields:
        f = e.field(name)
        if f is not None and f.optional and f.scalar is not None:
            partial[doc_key(f)] = {"$type": BSON.get(f.scalar.kind, "string")}
    return partial


def _embedded_uniques(ctx: Ctx, e: Entity, emb: Embedding, pool: dict[str, list[DocumentIndex]]) -> None:
    """A unique key of an embedded entity without its parent (a payment's provider reference) is a unique
    multikey index across parents; one with the parent is kept by the write that adds the element."""
    parent = ctx.entity(emb.parent)
    for u in e.uniques:
        rest = [n for n in u.fields
                if n != emb.by and (f := e.field(n)) is not None and f.origin is not FieldOrigin.TENANT]
        if emb.by in u.fields or not rest:
            continue
        t = _tenant_key(parent)
        paths = [f"{emb.path}.{element_key(e.field(n))}" for n in rest]  # type: ignore[arg-type]
        keys = tuple((k, 1) for k in ([t] if t else []) + paths)
        # a parent without elements has no value here: indexed as null, it would collide with the next one
        partial = {p: {"$type": BSON.get(e.field(n).scalar.kind, "string")}  # type: ignore[union-attr]
                   for p, n in zip(paths, rest, strict=True)}
        _add(pool, DocumentIndex(collection=collection_name(parent), name=index_name(keys), keys=keys, unique=True,  # type: ignore[arg-type]
                                 partial_filter=partial, multikey=True,
                                 serves=(f"unique {e.name}({', '.join(u.fields)})",)))


def _add(pool: dict[str, list[DocumentIndex]], ix: DocumentIndex) -> None:
    same = pool.setdefault(ix.collection, [])
    for i, old in enumerate(same):
        if old.keys == ix.keys and old.partial_filter == ix.partial_filter and old.ttl_seconds == ix.ttl_seconds:
            same[i] = old.model_copy(update={"serves": (*old.serves, *ix.serves), "unique": old.unique or ix.unique,
                                             "multikey": old.multikey or ix.multikey})
            return
    same.append(ix)


def _merge_prefixes(ctx: Ctx, indexes: list[DocumentIndex], out: IndexSet) -> list[DocumentIndex]:
    """Drop a non-unique index whose keys are a prefix of another with the same partial filter (MDB-I03)."""
    kept: list[DocumentIndex] = []
    for ix in indexes:
        longer = next((o for o in indexes if o is not ix and not ix.unique and ix.ttl_seconds is None
                       and len(o.keys) > len(ix.keys) and o.keys[:len(ix.keys)] == ix.keys
                       and o.partial_filter == ix.partial_filter and "text" not in dict(o.keys).values()), None)
        if longer is None:
            kept.append(ix)
            continue
        ctx.decide("MDB-I03", Subject.of_index(ix.collection, ix.name), f"not created: `{longer.name}` serves it",
                   "its keys are a prefix of the longer index's, which serves the same queries",
                   payload=DocIndex(action="merged", collection=ix.collection, name=ix.name, keys=ix.keys,
                                    covered_by=longer.name))
        for i, k in enumerate(kept):
            if k is longer:
                kept[i] = k.model_copy(update={"serves": (*k.serves, *ix.serves)})
        # the longer one may not be kept yet: fold the serves into it in the list
        for j, o in enumerate(indexes):
            if o is longer:
                indexes[j] = o.model_copy(update={"serves": (*o.serves, *ix.serves)})
    return [next((i for i in indexes if i.name == k.name and i.collection == k.collection), k) for k in kept]


def decide_indexes(ctx: Ctx, indexes: dict[str, list[DocumentIndex]]) -> None:
    for coll, kept in indexes.items():
        for ix in kept:
            rule, why = _rule(ix)
            ctx.decide(rule, Subject.of_index(coll, ix.name), _choice(ix), why,
                       payload=DocIndex(action="create", collection=coll, name=ix.name, keys=ix.keys,
                                        unique=ix.unique, partial=ix.partial_filter is not None))


def _rule(ix: DocumentIndex) -> tuple[str, str]:
    if ix.ttl_seconds is not None:
        return "MDB-I08", "@expires: MongoDB's TTL monitor removes each document once the date passes"
    if "text" in dict(ix.keys).values():
        return "MDB-I01", "@search: the text index answers $text; the tenant leads it, so the search needs its equality"
    if ix.unique and ix.partial_filter:
        return "MDB-I07", ("unique among live documents: the partial filter uses $type, which MongoDB accepts "
                           "(never $ne or $exists: false)")
    if ix.unique:
        return "MDB-I01", "the declared unique key, enforced by MongoDB"
    if ix.multikey:
        return "MDB-I04", "a multikey index into one array (never two arrays in one compound index)"
    if ix.partial_filter:
        return "MDB-I05", "the query's constant predicate is the partial filter: a smaller index the query implies"
    return "MDB-I01", "equality keys first (the tenant leading), then the sort, then the range"


def _choice(ix: DocumentIndex) -> str:
    keys = ", ".join(f"{k}: {d}" for k, d in ix.keys)
    extra = " unique" if ix.unique else ""
    if ix.partial_filter:
        extra += f", partial on {ix.partial_filter}"
    if ix.ttl_seconds is not None:
        extra += f", expireAfterSeconds {ix.ttl_seconds}"
    serves = f" for {', '.join(ix.serves)}" if ix.serves else ""
    return f"`{{{keys}}}`{extra}{serves}"
