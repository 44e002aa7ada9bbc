"""The document planner (MongoDB): placements (collections, embedded arrays, subsets, extended references,
computed values, many-to-many), reads and writes, indexes, validators, policies and scale, each choice a
decision with an MDB-*/DEC-* rule id; then the family-neutral pattern and write plans."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document import codes as _codes  # noqa: F401  (registers SC044x)
from schemac.compiler.design.document.access import IndexWant, Reads, plan_access
from schemac.compiler.design.document.aggregates import computed_for
from schemac.compiler.design.document.indexes import decide_indexes, plan_indexes
from schemac.compiler.design.document.keys import collection_name, stored_keys
from schemac.compiler.design.document.layout import (
    Collection,
    Computed,
    DocumentAccess,
    DocumentIndex,
    DocumentLayout,
    DocumentWrite,
    Placement,
    Validator,
)
from schemac.compiler.design.document.placement import plan_placements, stored_entities
from schemac.compiler.design.document.policies import (
    decide_collections,
    decide_placements,
    pattern_plan,
    plan_computed,
    plan_erasure,
    plan_growth,
    plan_policies,
    write_plan,
)
from schemac.compiler.design.document.validators import computed_schema, entity_schema, history_schema
from schemac.compiler.design.document.writes import AUDIT, insert_write, keyed_write, link_write
from schemac.compiler.design.model import Design


def plan(ctx: Ctx) -> Design:
    model = ctx.model
    places = plan_placements(ctx)
    computed = {q.name: c for q in model.queries if (c := computed_for(ctx, q)) is not None}
    plan_computed(ctx, computed)
    reads = Reads(places=places, computed=computed)
    accesses: list[DocumentAccess] = []
    wants: list[IndexWant] = []
    for q in model.queries:
        access, w = plan_access(ctx, q, reads)
        accesses.append(access)
        wants += w
    index_set = plan_indexes(ctx, wants, places.embeds, places.relations)
    decide_indexes(ctx, index_set.by_collection)
    accesses = [_with_index(a, index_set.served) for a in accesses]
    buckets = list(computed.values())
    writes = _writes(ctx, reads, buckets)
    placements = _placements(ctx, reads)
    collections = _collections(ctx, reads, buckets, index_set.by_collection)
    collections, growth = plan_growth(ctx, collections, placements)
    decide_placements(ctx, places)
    decide_collections(ctx, collections)
    audit = plan_policies(ctx, collections)
    if audit:
        collections.append(audit_collection(ctx))
    layout = DocumentLayout(
        database=model.settings.name, tenant=_tenant_key(ctx), collections=tuple(collections),
        placements=tuple(placements), copies=tuple(places.copies), relations=tuple(places.relations),
        computed=tuple(buckets), access=tuple(accesses), writes=tuple(writes),
        erasure=tuple(plan_erasure(ctx, places)), audit=AUDIT if audit else None)
    return Design(model=model, target=ctx.target, capabilities=ctx.caps, layout=layout,
                  patterns=tuple(pattern_plan(ctx, q, a) for q, a in zip(model.queries, accesses, strict=True)),
                  writes=tuple(write_plan(ctx, w, layout) for w in writes if w.write in {x.name for x in model.writes}),
                  growth=tuple(growth), decisions=tuple(ctx.decisions))


def audit_collection(ctx: Ctx) -> Collection:
    """`audit_log`: one document per change of an @audited entity, read by entity and id, newest first."""
    audited = tuple(e.name for e in ctx.model.entities if e.audited)
    schema = {"bsonType": "object", "required": ["entity", "entity_id", "op", "at", "changes"],
              "properties": {"entity": {"bsonType": "string", "enum": list(audited)},
                             "entity_id": {"bsonType": ["binData", "long", "int"]},
                             "op": {"bsonType": "string", "enum": ["insert", "update", "upsert", "delete"]},
                             "at": {"bsonType": "date"}, "changes": {"bsonType": ["object", "null"]}}}
    keys = (("entity", 1), ("entity_id", 1), ("at", -1))
    index = DocumentIndex(collection=AUDIT, name="entity_1_entity_id_1_at_-1", keys=keys,  # type: ignore[arg-type]
                          serves=("audit trail of one document",))
    return Collection(name=AUDIT, entities=audited, role="audit", indexes=(index,),
                      validator=Validator(json_schema={"$jsonSchema": schema}))


def _tenant_key(ctx: Ctx) -> str | None:
    for e in ctx.model.entities:
        if e.tenant_field is not None:
            return f"{e.tenant_field.name}_id"
    return None


def _with_index(a: DocumentAccess, served: dict[tuple[str, str], str]) -> DocumentAccess:
    update: dict[str, object] = {"index": served.get((a.pattern, a.collection))}
    if a.branches:
        update["branches"] = tuple(_with_index(b, served) for b in a.branches)
    if a.follow_ups:
        update["follow_ups"] = tuple(_with_index(f, served) for f in a.follow_ups)
    if a.next:  # a next page reads the first page's index (cursor.py)
        update["next"] = tuple(_on_index(n, update["index"]) for n in a.next)  # type: ignore[arg-type]
    return a.model_copy(update=update)


def _on_index(a: DocumentAccess, index: str | None) -> DocumentAccess:
    return a.model_copy(update={"index": index, "branches": tuple(_on_index(b, index) for b in a.branches)})


def _writes(ctx: Ctx, reads: Reads, buckets: list[Computed]) -> list[DocumentWrite]:
    out = []
    for w in ctx.model.writes:
        link = link_write(ctx, w, reads.places.relations)
        if link is not None:
            out.append(link)
            continue
        e = ctx.entity(w.entity)
        out.append(insert_write(ctx, w.name, e, reads, buckets) if w.op == "insert" else
                   keyed_write(ctx, w, reads, buckets))
    for e in stored_entities(ctx):
        out.append(insert_write(ctx, f"insert {e.name}", e, reads, buckets))
    return out


def _placements(ctx: Ctx, reads: Reads) -> list[Placement]:
    out = []
    for e in stored_entities(ctx):
        emb = reads.places.embeds.get(e.name)
        own = emb is None or emb.mode == "subset"
        keys = stored_keys(e) if own else stored_keys(e, embedded_by=emb.by)  # type: ignore[union-attr]
        out.append(Placement(entity=e.name, collection=collection_name(e) if own else None, keys=keys, embedded=emb))
    return out


def _collections(ctx: Ctx, reads: Reads, buckets: list[Computed], indexes: dict) -> list[Collection]:
    places = reads.places
    embeds = list(places.embeds.values())
    out = []
    for e in stored_entities(ctx):
        emb = places.embeds.get(e.name)
        if emb is not None and emb.mode == "embed":
            continue
        name = collection_name(e)
        schema = {"$jsonSchema": entity_schema(ctx, e, embeds, places.copies, places.relations)}
        out.append(Collection(name=name, entities=(e.name,), embedded=tuple(x for x in embeds if x.parent == e.name),
                              validator=Validator(json_schema=schema), indexes=tuple(indexes.get(name, ())),
                              history=f"{name}_history" if e.versioned else None,
                              documents_at_horizon=ctx.rows(e.name)))
        if e.versioned:
            out.append(Collection(name=f"{name}_history", entities=(e.name,), role="history",
                                  validator=Validator(json_schema={"$jsonSchema": history_schema(ctx, e)}),
                                  documents_at_horizon=ctx.rows(e.name) * 4))
    for r in places.relations:
        if r.mode == "link_collection" and r.collection:
            out.append(Collection(name=r.collection, entities=(r.owner, r.target), role="link",
                                  indexes=tuple(indexes.get(r.collection, ()))))
    for c in buckets:
        out.append(Collection(name=c.collection, entities=(c.source,), role="computed",
                              validator=Validator(json_schema={"$jsonSchema": computed_schema(ctx, c)}),
                              indexes=tuple(indexes.get(c.collection, ()))))
    return out
