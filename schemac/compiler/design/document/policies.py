"""Policies and scale of the document design: tenancy, soft delete, audit, GDPR erasure (copies included),
validation level, document sizes at the horizon and shard-key proposals; and the family-neutral plans."""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx, bytes_text, count_text, rate_text
from schemac.compiler.design.decisions import Access, Audit, Erasure, SoftDelete, Subject, Tenancy
from schemac.compiler.design.document import codes
from schemac.compiler.design.document.keys import collection_name, doc_key
from schemac.compiler.design.document.layout import (
    Collection,
    Computed,
    DocumentAccess,
    DocumentLayout,
    DocumentWrite,
    Placement,
    ShardKey,
)
from schemac.compiler.design.document.layout import (
    Erasure as ErasureStep,
)
from schemac.compiler.design.document.payloads import Computed as ComputedPayload
from schemac.compiler.design.document.payloads import Copied, DocumentSize, Placed, ShardProposal, Validation
from schemac.compiler.design.document.placement import SIZE_GUARD, Placements, stored_entities
from schemac.compiler.design.estimates import matched_rows
from schemac.compiler.design.model import Growth
from schemac.compiler.design.plans import Cost, Operation, PatternPlan, WriteCost, WritePlan
from schemac.compiler.design.sizes import row_bytes
from schemac.compiler.keyset import tiebreak
from schemac.compiler.model import Query

CHUNK = 128 * 2**20  # MongoDB's default chunk size (range sharding)
SHARD_DOCUMENTS = 1_000_000.0  # collections from this many documents get a shard-key proposal
SHARD_BYTES = 200 * 2**30  # ... which is needed at the horizon from this size (one replica set holds less)
BSON_OVERHEAD = 1.3  # key names and type bytes in every document, against the row's packed values


def plan_computed(ctx: Ctx, computed: dict[str, Computed]) -> None:
    for q, c in computed.items():
        e = ctx.entity(c.source)
        buckets = ", ".join(f"{b}({f})" for _, f, b in c.keys if b)
        rows = ctx.rows(e.name)
        ctx.decide("MDB-P04", Subject.of_pattern(q, e.name),
                   f"computed bucket documents `{c.collection}`, one per ({', '.join(k for k, _, _ in c.keys)}), "
                   f"kept by an upserting $inc in every {e.name} write",
                   f"grouping {count_text(rows)} {e.name} documents by {buckets} on every read would scan them; "
                   "the aggregate documents answer it from a handful of small documents (MDB-P03)",
                   payload=ComputedPayload(collection=c.collection, source=e.name, documents=rows))


def plan_policies(ctx: Ctx, collections: list[Collection]) -> bool:
    m = ctx.model
    scoped = tuple(e.name for e in stored_entities(ctx) if e.tenant_field is not None)
    if m.settings.tenant:
        ctx.decide("MDB-I01", Subject.of_model(m.settings.name),
                   f"the tenant key `{m.settings.tenant.lower()}_id` in every tenant-scoped document and first in "
                   "every filter and index", "MongoDB has no row-level security: isolation is every generated "
                   "filter's equality on the tenant, which also leads each index (MDB-I01)", m.settings.span,
                   payload=Tenancy(enforcement="application", entities=scoped))
    soft = tuple(e.name for e in stored_entities(ctx) if e.soft_delete)
    if soft:
        ctx.decide("MDB-I07", Subject.of_model(m.settings.name),
                   "soft delete: `deleted_at` is always present, null while live; reads filter "
                   "`{deleted_at: {$type: \"null\"}}`, and unique indexes are partial on the same filter",
                   "MongoDB refuses `$ne` and `$exists: false` in partial filters, and `{deleted_at: null}` also "
                   "matches a missing key; a read that states the index's filter uses it", m.settings.span,
                   payload=SoftDelete(entities=soft))
    audited = [e.name for e in m.entities if e.audited]
    if m.settings.audit and audited:
        ctx.decide("SC-AUD-01", Subject.of_model(m.settings.name),
                   f"audit: an `audit_log` document per change of {', '.join(audited)}, inserted in the write's "
                   "transaction", "MongoDB has no triggers: the write itself records who changed what, atomically "
                   "with the change (a multi-document transaction, MDB-E09)", m.settings.span,
                   payload=Audit(mechanism="application"))
        return True
    return False


def plan_erasure(ctx: Ctx, places: Placements) -> list[ErasureStep]:
    if ctx.model.settings.compliance != "gdpr":
        return []
    out: list[ErasureStep] = []
    for e in stored_entities(ctx):
        pii = [f for f in e.fields if f.pii]
        if not pii:
            continue
        emb = places.embeds.get(e.name)
        coll = collection_name(e) if emb is None or emb.mode == "subset" else collection_name(ctx.entity(emb.parent))
        paths = tuple(doc_key(f) for f in pii)
        out.append(ErasureStep(collection=coll, entity=e.name, paths=paths, action="unset",
                               why=f"the subject's {e.name} document: personal fields set to null"))
        copies = _copy_erasure(ctx, places, e.name, {f.name for f in pii})
        out += copies
        ctx.decide("SC-GDPR-01", Subject.of_entity(e.name),
                   f"GDPR erasure: {', '.join(paths)} nulled in `{coll}`"
                   + (f" and in {len(copies)} sets of copies ({', '.join(sorted({c.collection for c in copies}))})"
                      if copies else ""),
                   "a copy of personal data is personal data: the erasure plan lists each collection that holds it",
                   e.span, payload=Erasure(action="anonymise", fields=paths))
    return out


def _copy_erasure(ctx: Ctx, places: Placements, source: str, pii: set[str]) -> list[ErasureStep]:
    """The copies of a subject's personal fields: in the holder's documents, and in the arrays of the parent
    that embeds the holder (every element, `$[]`)."""
    out: list[ErasureStep] = []
    for c in places.copies:
        if c.mode != "extended_reference" or c.source != source:
            continue
        copied = tuple(f"{c.path}.{key}" for name, key in c.fields if name in pii)
        if not copied:
            continue
        why = (f"copies of {source}'s personal data (extended reference {c.holder}.{c.path}): "
               f"{count_text(c.fan_out)} documents per subject")
        emb = places.embeds.get(c.holder)
        by = doc_key(ctx.entity(c.holder).field(c.by or ""))  # type: ignore[arg-type]
        if emb is None or emb.mode == "subset":
            out.append(ErasureStep(collection=collection_name(ctx.entity(c.holder)), entity=c.holder, paths=copied,
                                   action="unset", by=by, why=why))
        if emb is not None:
            out.append(ErasureStep(collection=collection_name(ctx.entity(emb.parent)), entity=c.holder,
                                   paths=tuple(f"{emb.path}.$[el].{p}" for p in copied), action="unset",
                                   by=f"el.{by}", why=why + f"; the elements of {emb.parent}.{emb.path} it wrote"))
    return out


def plan_growth(ctx: Ctx, collections: list[Collection], placements: list[Placement]) -> tuple[list[Collection],
                                                                                               list[Growth]]:
    out, growth = [], []
    for c in collections:
        if c.role not in ("entity",):
            out.append(c)
            continue
        e = ctx.entity(c.entities[0])
        base = row_bytes(ctx.model, e) * BSON_OVERHEAD
        worst = base
        average = base
        for emb in c.embedded:
            child = ctx.entity(emb.entity)
            per = ctx.rows(child.name) / max(ctx.rows(e.name), 1.0)
            item = row_bytes(ctx.model, child) * BSON_OVERHEAD
            average += min(per, emb.limit or per) * item
            worst += (emb.max_items or per) * item
        docs = ctx.rows(e.name)
        size = docs * average
        ctx.decide("MDB-E08", Subject.of_entity(e.name),
                   f"`{c.name}` documents: {bytes_text(average)} on average, {bytes_text(worst)} at worst; "
                   f"{count_text(docs)} documents, {bytes_text(size)} at the horizon",
                   "worst case: every embedded array at its bound; the guard is well inside 16 MiB",
                   payload=DocumentSize(collection=c.name, average_bytes=average, worst_bytes=worst))
        if worst > SIZE_GUARD:
            ctx.diags.report(codes.DOCUMENT_TOO_LARGE, e.span, collection=c.name, size=bytes_text(worst),
                             reason="embedded arrays at their bound")
        shard = _shard_key(ctx, c, docs, size)
        out.append(c.model_copy(update={"document_bytes_at_horizon": average, "shard_key": shard}))
        growth.append(Growth(entity=e.name, rows_at_horizon=docs, row_bytes=int(average), table_bytes=size,
                             index_bytes=docs * 40.0 * max(1, len(c.indexes)),
                             revisit="shard on the proposed key" if size >= SHARD_BYTES else None))
    return out, growth


def _shard_key(ctx: Ctx, c: Collection, docs: float, size: float) -> ShardKey | None:
    if docs < SHARD_DOCUMENTS:
        return None
    e = ctx.entity(c.entities[0])
    chunks = math.ceil(size / CHUNK)
    t = e.tenant_field
    if t is not None:
        keys: tuple = ((doc_key(t), 1), ("_id", "hashed"))
        why = (f"{count_text(docs)} documents x {bytes_text(size / max(docs, 1))} = {bytes_text(size)}, "
               f"{chunks} chunks of 128 MiB: the tenant leads (every query targets one tenant's shards), the "
               "hashed _id spreads one large tenant's inserts (UUIDv7 ids grow, so a ranged _id would send every "
               "insert to one chunk)")
    else:
        keys = (("_id", "hashed"),)
        why = (f"{count_text(docs)} documents x {bytes_text(size / max(docs, 1))} = {bytes_text(size)}, {chunks} "
               "chunks of 128 MiB: hashed _id, because sequential ids would send every insert to the last chunk; "
               "reads by _id stay targeted, the others scatter-gather")
    needed = size >= SHARD_BYTES
    why += (f"; needed at the horizon ({bytes_text(size)} is past {bytes_text(SHARD_BYTES)} per replica set)" if needed
            else f"; not needed at the horizon: one replica set holds {bytes_text(size)} (shard past "
                 f"{bytes_text(SHARD_BYTES)})")
    ctx.decide("MDB-E08", Subject.of_entity(e.name), f"shard key proposal for `{c.name}`: "
               f"{{{', '.join(f'{k}: {d!r}' if d == 'hashed' else f'{k}: {d}' for k, d in keys)}}}", why,
               payload=ShardProposal(collection=c.name, keys=keys, documents=docs, bytes=size, chunks=chunks))
    return ShardKey(keys=keys, why=why)


def decide_placements(ctx: Ctx, places: Placements) -> None:
    """Every entity not embedded is a collection of its own (MDB-E03, MDB-E06), every many-to-one a stored
    id, and a versioned entity keeps its replaced versions in a history collection."""
    copied = {(c.holder, c.by) for c in places.copies if c.mode == "extended_reference"}
    for e in stored_entities(ctx):
        emb = places.embeds.get(e.name)
        if emb is not None and emb.mode == "embed":
            continue
        alone = [q.name for q in ctx.model.queries if e.name in (q.sources or (q.entity,))]
        why = (f"read on its own ({', '.join(alone)})" if alone else
               "no read of its own: it is written, referenced or copied from here, and a collection keeps each "
               "document small and its writes single-document")
        if e.owner_field is not None and emb is None:
            why += f"; not embedded in {e.owner_field.target}: no read takes the two together within a bound"
        ctx.decide("MDB-E06" if alone else "MDB-E03", Subject.of_entity(e.name),
                   f"a collection of its own, `{collection_name(e)}`", why, e.span,
                   payload=Placed(mode="collection", parent=None))
        if e.versioned:
            ctx.decide("MDB-E06", Subject.of_entity(e.name),
                       f"@versioned: the current document in `{collection_name(e)}`, every replaced version in "
                       f"`{collection_name(e)}_history`", "reads take the current version with one lookup; the "
                       "history is read apart (disputes, as-of prices) and grows on its own, so it is not an "
                       "array in the document; the update inserts the old version in its transaction",
                       e.span, payload=Placed(mode="collection", parent=None))
        for f in e.references:
            if f.origin.value == "tenant" or (e.name, f.name) in copied or (emb is not None and f.name == emb.by):
                continue
            ctx.decide("MDB-E03", Subject.of_reference(e.name, f.name),
                       f"many-to-one: the {f.target} id stored as `{doc_key(f)}`",
                       "no read takes the referenced document's fields here, so nothing is copied", f.span,
                       payload=Copied(mode="reference", source=f.target, fields=()))


def decide_collections(ctx: Ctx, collections: list[Collection]) -> None:
    for c in collections:
        if c.validator is None:
            continue
        ctx.decide("MDB-V06", Subject.of_entity(c.entities[0]),
                   f"`{c.name}` validator: validationLevel strict, validationAction error",
                   "every insert and update is checked and a bad document is refused, not logged: the collection "
                   "is new, so no existing document can be invalid (moderate is for tightening a live collection)",
                   payload=Validation(collection=c.name, level="strict", action="error"))


# -- family-neutral plans -------------------------------------------------------------------------------------------


def pattern_plan(ctx: Ctx, q: Query, a: DocumentAccess) -> PatternPlan:
    e = ctx.entity(q.entity)
    tenant = (e.tenant_field.name,) if e.tenant_field is not None else ()
    eq = tuple(dict.fromkeys((*tenant, *(p.steps[0] for p in q.where if p.is_equality))))
    rng = tuple(p.field for p in q.where if p.is_local and p.is_range)
    sort = tuple(o.field for o in q.order if o.entities)
    if sort and q.limit is not None and not q.group:
        sort = (*sort, *(f for f in tiebreak(e, q) if f not in sort))
    preds = [p for p in q.where if p.is_local]
    rows = matched_rows(ctx, e, [p.field for p in preds if p.is_equality], preds)
    if q.limit is not None:
        rows = min(rows, float(q.limit))
    op = Operation.FIND if a.kind == "find" else Operation.AGGREGATE
    trips = 1 + len(a.follow_ups)
    why = a.why or (f"served by index {a.index}" if a.index else "")
    if a.index is None and not a.branches:
        ctx.diags.report(codes.NOT_INDEXED, q.span, pattern=q.name, collection=a.collection,
                         reason="no equality, sort or range to key an index on")
    ctx.decide("MDB-I01", Subject.of_pattern(q.name, q.entity),
               f"{a.kind} on `{a.collection}`" + (f" through `{a.index}`" if a.index else "")
               + (f", {len(a.follow_ups)} follow-up round trip(s)" if a.follow_ups else ""),
               f"{rate_text(q.rate_per_s)}; " + (why or "the filter's equality, sort and range are the index's keys"),
               q.span, payload=Access(operation=op, structure=a.index))
    return PatternPlan(query=q.name, entity=q.entity, operation=op, structure=a.index, equality=eq, sort=sort,
                       range=rng, expected_rows=rows, round_trips=trips, cost=Cost(index_entries=rows), why=why)


def write_plan(ctx: Ctx, w: DocumentWrite, layout: DocumentLayout) -> WritePlan:
    first = w.steps[0] if w.steps else None
    keyed = w.op != "insert"
    eq = tuple(c.path for c in first.filter) if first is not None and keyed else ()
    coll = layout.collection(first.collection) if first is not None else None
    copies = tuple(f"{s.collection} ({s.role})" for s in w.steps if s.role in ("copy", "subset", "history", "audit"))
    maintained = tuple(f"{s.collection}.{k}" for s in w.steps for k, _ in s.inc)
    entries = sum(len(c.indexes) for c in ([coll] if coll else [])) + 1
    cost = WriteCost(rate_per_s=next((x.rate_per_s for x in ctx.model.writes if x.name == w.write), None),
                     rows=len(w.steps), index_entries=entries, maintained=maintained, copies=copies,
                     triggers=tuple(s.why for s in w.steps[1:]))
    return WritePlan(write=w.write, entity=w.entity, op=w.op, operation=Operation.FIND if keyed else None,
                     structure="_id_" if keyed and any(c.path == "_id" for c in (first.filter if first else ()))
                     else None,
                     equality=eq, cost=cost,
                     why=f"{len(w.steps)} step(s)" + (" in one transaction" if w.transaction else ""))

