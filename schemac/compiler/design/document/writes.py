"""How each write is done: the documents it touches, the operators, and a transaction when there is more
than one step (an embedded child is one atomic update of its parent: no transaction, MDB-E09).

Parameters are named as the SQL targets name them (`organization_id`, `student_id`); the application also
passes what MongoDB cannot make itself: the id (`id`, UUIDv7 or the next number) and the clock
(`created_at`, `updated_at`), and the copied fields of an extended reference (`course_title`).
"""

from __future__ import annotations

from decimal import Decimal

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.access import LIVE, Reads, _ir_type, param_type, predicate_conds, tenant_param
from schemac.compiler.design.document.buckets import child_steps, source_steps
from schemac.compiler.design.document.keys import collection_name, column_name, doc_key, element_key
from schemac.compiler.design.document.layout import Computed, Cond, DocumentWrite, Embedding, Relation, Step
from schemac.compiler.links import link_entity
from schemac.compiler.model import Entity, Field, FieldOrigin, ScalarKind, Write

AUDIT = "audit_log"
_GENERATED = (FieldOrigin.ID, FieldOrigin.CREATED_AT, FieldOrigin.UPDATED_AT)


def _type(ctx: Ctx, e: Entity, f: Field) -> tuple[str, str, bool]:
    if f.is_reference:
        t = ctx.entity(f.target or "")
        pk = t.field(t.primary_key[0]) if t.primary_key else None
        kind = pk.scalar.kind.value if pk is not None and pk.scalar is not None else "uuid"
    elif f.scalar is not None:
        kind = f.scalar.kind.value if f.kind.value == "scalar" else f"list<{f.scalar.kind.value}>"
    else:
        kind = "json"
    return column_name(f), kind, f.optional or f.origin is FieldOrigin.DELETED_AT


def _document(ctx: Ctx, e: Entity, emb: Embedding | None, reads: Reads) -> tuple[list[tuple[str, str]], list]:
    """(key, parameter) of a new document or element, and the parameters it takes."""
    doc: list[tuple[str, str]] = []
    params: list[tuple[str, str, bool]] = []
    for f in e.stored_fields:
        if emb is not None and emb.mode == "embed" and (f.name == emb.by or f.origin is FieldOrigin.TENANT):
            continue
        if f.origin is FieldOrigin.DELETED_AT or f.maintained:
            continue
        name, kind, nullable = _type(ctx, e, f)
        if f.origin is FieldOrigin.ID:
            name = "id"
        doc.append((element_key(f) if emb is not None and emb.mode == "embed" else doc_key(f), name))
        params.append((name, kind, nullable))
    for c in reads.places.copies:
        if c.holder == e.name and c.mode == "extended_reference":
            source = ctx.entity(c.source or "")
            for src, key in c.fields:
                name = f"{c.path}_{key}"
                f = source.field(src)
                doc.append((f"{c.path}.{key}", name))
                params.append((name, _type(ctx, source, f)[1] if f is not None else "json", True))
    return doc, params


def _constants(e: Entity, reads: Reads, emb: Embedding | None) -> tuple[tuple[str, object], ...]:
    """What a new document starts with: live, counters at 0, empty embedded and id arrays."""
    out: list[tuple[str, object]] = []
    out += [(x.path, ()) for x in reads.places.embeds.values() if x.parent == e.name]
    out += [(r.path, ()) for r in reads.places.relations if r.owner == e.name and r.mode == "id_array" and r.path]
    if e.soft_delete:
        out.append((LIVE, None))
    out += [(doc_key(f), _zero(f)) for f in e.fields if f.maintained]
    out += [(c.path, 0) for c in reads.places.copies if c.holder == e.name and c.mode == "computed" and c.by
            and not e.field(c.fields[0][0] if c.fields else "")]
    return tuple(out)


def _zero(f: Field) -> int | Decimal:
    """A maintained value's start in the field's BSON type: a decimal sum starts at Decimal128 0, not int 0."""
    return Decimal(0) if f.scalar is not None and f.scalar.kind is ScalarKind.DECIMAL else 0


def _parent_filter(ctx: Ctx, parent: Entity, param: str) -> tuple[Cond, ...]:
    t = tenant_param(ctx, parent)
    out = [Cond(path=doc_key(parent.tenant_field), op="eq", param=t[0])] if t and parent.tenant_field else []
    return (*out, Cond(path="_id", op="eq", param=param))


def insert_write(ctx: Ctx, w_name: str, e: Entity, reads: Reads, computed: list[Computed]) -> DocumentWrite:
    emb = reads.places.embeds.get(e.name)
    doc, params = _document(ctx, e, emb, reads)
    steps: list[Step] = []
    consts = _constants(e, reads, emb)
    if emb is None or emb.mode == "subset":
        steps.append(Step(collection=collection_name(e), op="insertOne", document=tuple(doc),
                          set_values=consts, why=f"the {e.name} document"))
    if emb is not None:
        parent = ctx.entity(emb.parent)
        by = e.field(emb.by)
        tenant = doc_key(e.tenant_field) if e.tenant_field is not None else None
        element = tuple(("id" if k == "_id" else k, p) for k, p in doc if k != tenant) \
            if emb.mode == "subset" else tuple(doc)
        push_slice = (emb.limit or 0, tuple((k, d) for k, d in emb.order)) if emb.mode == "subset" else None
        guard = _unique_guard(e, emb) if emb.mode == "embed" else ()
        steps.append(Step(collection=collection_name(parent), op="updateOne",
                          filter=(*_parent_filter(ctx, parent, column_name(by)), *guard),  # type: ignore[arg-type]
                          push=((emb.path, element),), push_slice=push_slice,  # type: ignore[arg-type]
                          push_values=consts if emb.mode == "embed" else (),  # live: deleted_at null, counters 0
                          role="subset" if emb.mode == "subset" else "embedded",
                          why=("subset: the element joins the parent's array, which keeps the first "
                               f"{emb.limit} by {', '.join(k for k, _ in emb.order)}") if emb.mode == "subset"
                          else f"embedded: the element is pushed into {emb.parent}.{emb.path}"
                          + ("; no document matches when its unique key is taken (a duplicate)" if guard else "")))
    steps += _counters(ctx, e, reads, +1, steps)
    steps += source_steps(ctx, e, computed, "insert") + child_steps(ctx, e, computed, +1)
    steps += _audit(ctx, e, "insert")
    tp = tenant_param(ctx, e)
    all_params = ([tp] if tp and not any(p[0] == tp[0] for p in params) else []) + params
    return DocumentWrite(write=w_name, entity=e.name, op="insert", transaction=len(steps) > 1,
                         params=declared(ctx, e, all_params, steps), steps=tuple(steps))


def _unique_guard(e: Entity, emb: Embedding) -> tuple[Cond, ...]:
    """A unique key over the parent and one field of the element (`unique (course, position)`): the push
    matches only a parent without that value, so a duplicate matches no document and is refused."""
    out = []
    for u in e.uniques:
        rest = [f for n in u.fields if n != emb.by and (f := e.field(n)) is not None
                and f.origin is not FieldOrigin.TENANT]
        if emb.by in u.fields and len(rest) == 1:
            out.append(Cond(path=f"{emb.path}.{element_key(rest[0])}", op="ne", param=column_name(rest[0])))
    return tuple(out)


def _used(steps: list[Step]) -> list[str]:
    """Every parameter the steps use, in order."""
    names: list[str] = []
    for s in steps:
        conds = [*s.filter, *s.array_filters, *s.when, *(c for _, cs in s.pull for c in cs)]
        names += [c.param for c in conds if c.param is not None]
        names += [p for _, p in (*s.document, *s.set)] + [v for _, v in s.inc if isinstance(v, str)]
        names += [p for _, element in s.push for _, p in element]
    return list(dict.fromkeys(names))


_EXTRA = {"changes": ("json", True), "updated_at": ("timestamp", False), "created_at": ("timestamp", False),
          "previous": ("json", False)}


def declared(ctx: Ctx, e: Entity, params: list[tuple[str, str, bool]],
             steps: list[Step]) -> tuple[tuple[str, str, bool], ...]:
    """The write's parameters: those it declares, then any other a step uses (typed by the entity's fields,
    the audit's and history's own, or a bucket's start), so that every `$param` is listed."""
    out = list(params)
    known = {p[0] for p in out}
    columns = {column_name(f): f for f in e.stored_fields}
    for name in _used(steps):
        if name in known:
            continue
        f = columns.get(name)
        if f is not None:
            out.append(_type(ctx, e, f))
        elif name == "id":
            out.append(("id", _type(ctx, e, e.field(e.primary_key[0]))[1] if e.primary_key else "uuid", False))  # type: ignore[arg-type]
        else:
            kind, nullable = _EXTRA.get(name, ("timestamp", False))
            out.append((name, kind, nullable))
        known.add(name)
    return tuple(out)


def _counters(ctx: Ctx, e: Entity, reads: Reads, sign: int, steps: list[Step], *,
              upserting: bool = False) -> list[Step]:
    """$inc of the computed values this entity's writes keep (MDB-P03): in the parent's update when the child
    is embedded there (one atomic update), else a step of the transaction."""
    out: list[Step] = []
    for c in reads.places.copies:
        if c.mode != "computed" or c.source != e.name or c.by is None:
            continue
        holder = ctx.entity(c.holder)
        field = holder.field(c.fields[0][0]) if c.fields else None
        agg = field.default.aggregate if field is not None and field.default is not None else None
        by = e.field(c.by)
        amount: str | int = sign
        negate: tuple[str, ...] = ()
        if agg is not None and agg.func == "sum" and agg.field:
            amount = column_name(e.field(agg.field))  # type: ignore[arg-type]
            negate = (c.path,) if sign < 0 else ()
        cond = " when the document matches the counter's condition" if agg is not None and agg.where else ""
        when = tuple(x for p in (agg.where if agg is not None else ()) for x in predicate_conds(ctx, e, p, reads))
        emb = reads.places.embeds.get(e.name)
        if emb is not None and emb.mode == "embed" and emb.parent == c.holder:
            for i, s in enumerate(steps):
                if s.collection == collection_name(holder) and s.op == "updateOne":
                    steps[i] = s.model_copy(update={"inc": (*s.inc, (c.path, amount)), "negate": (*s.negate, *negate),
                                                    "why": s.why + f"; $inc {c.path} in the same update"})
            continue
        out.append(Step(collection=collection_name(holder), op="updateOne",
                        filter=_parent_filter(ctx, holder, column_name(by)), inc=((c.path, amount),),  # type: ignore[arg-type]
                        role="counter", when=when, negate=negate, inserted_only=upserting,
                        why=f"computed: {c.holder}.{c.path} ({'+' if sign > 0 else '-'}){cond}"))
    return out


def _audit(ctx: Ctx, e: Entity, op: str) -> list[Step]:
    if not (e.audited and ctx.model.settings.audit):
        return []
    doc = (("entity_id", "id"), ("at", "updated_at"), ("changes", "changes"))
    return [Step(collection=AUDIT, op="insertOne", document=doc, set_values=(("entity", e.name), ("op", op)),
                 role="audit",
                 why=f"audit: the {op} recorded in the same transaction")]


def keyed_write(ctx: Ctx, w: Write, reads: Reads, computed: list[Computed]) -> DocumentWrite:
    e = ctx.entity(w.entity)
    emb = reads.places.embeds.get(e.name)
    by_params = [param_type(ctx, p) for p in w.params]
    tp = tenant_param(ctx, e)
    params = ([tp] if tp else []) + by_params
    changed = [f for f in e.stored_fields if f.name not in w.by and f.origin not in (*_GENERATED, FieldOrigin.TENANT,
               FieldOrigin.DELETED_AT) and not f.maintained and (not w.fields or f.name in w.fields)]
    sets = (*tuple((doc_key(f), column_name(f)) for f in changed), ("updated_at", "updated_at"))
    params += [(_type(ctx, e, f)) for f in changed] + [("updated_at", "timestamp", False)]
    conds = [Cond(path=doc_key(e.tenant_field), op="eq", param=tp[0])] if tp and e.tenant_field else []
    conds += [Cond(path=doc_key(e.field(b)), op="eq", param=column_name(e.field(b))) for b in w.by]  # type: ignore[arg-type]
    coll = collection_name(e)
    steps: list[Step] = []
    if emb is not None and emb.mode == "embed":
        steps.append(_element_write(ctx, w, e, emb, changed))
    elif w.op == "delete":
        steps.append(Step(collection=coll, op="updateOne" if e.soft_delete else "deleteOne",
                          filter=(*conds, *([Cond(path=LIVE, op="live")] if e.soft_delete else [])),
                          set=(("deleted_at", "updated_at"),) if e.soft_delete else (),
                          why="soft delete: deleted_at set, the document stays" if e.soft_delete else "hard delete"))
    else:
        steps.append(Step(collection=coll, op="updateOne", filter=(*conds, *([Cond(path=LIVE, op="live")]
                          if e.soft_delete and w.op == "update" else [])), set=sets, upsert=w.op == "upsert",
                          why="upsert by its unique key" if w.op == "upsert" else f"update by {', '.join(w.by)}"))
    steps += _fan_out(ctx, e, changed, reads, w)
    if e.versioned:
        steps.append(Step(collection=f"{coll}_history", op="insertOne",
                          document=(("entity_id", "id"), ("valid_from", "updated_at"), ("document", "previous")),
                          role="history",
                          why="@versioned: the previous version kept in the history collection"))
    if w.op in ("delete", "upsert"):
        steps += _counters(ctx, e, reads, -1 if w.op == "delete" else +1, steps, upserting=w.op == "upsert")
    steps += source_steps(ctx, e, computed, w.op, tuple(f.name for f in changed))
    if w.op == "delete":
        steps += child_steps(ctx, e, computed, -1)
    steps += _audit(ctx, e, w.op)
    if w.op == "delete":
        params = ([tp] if tp else []) + by_params
    return DocumentWrite(write=w.name, entity=e.name, op=w.op, transaction=len(steps) > 1,
                         params=declared(ctx, e, params, steps), steps=tuple(steps))


def _by_filter(ctx: Ctx, e: Entity, w: Write) -> tuple[Cond, ...]:
    tp = tenant_param(ctx, e)
    conds = [Cond(path=doc_key(e.tenant_field), op="eq", param=tp[0])] if tp and e.tenant_field else []
    return (*conds, *(Cond(path=doc_key(f), op="eq", param=column_name(f)) for b in w.by if (f := e.field(b))))


def _element_write(ctx: Ctx, w: Write, e: Entity, emb: Embedding, changed: list[Field]) -> Step:
    parent = ctx.entity(emb.parent)
    by = e.field(emb.by)
    filt = _parent_filter(ctx, parent, column_name(by))  # type: ignore[arg-type]
    others = [Cond(path=element_key(e.field(b)), op="eq", param=column_name(e.field(b)))  # type: ignore[arg-type]
              for b in w.by if b != emb.by]
    if w.op == "delete":
        return Step(collection=collection_name(parent), op="updateOne", filter=filt, pull=((emb.path, tuple(others)),),
                    role="embedded",
                    why=f"embedded: the element is pulled from {emb.parent}.{emb.path}")
    sets = tuple((f"{emb.path}.$[el].{element_key(f)}", column_name(f)) for f in changed)
    return Step(collection=collection_name(parent), op="updateOne", filter=filt, set=sets, role="embedded",
                array_filters=tuple(Cond(path=f"el.{c.path}", op=c.op, param=c.param) for c in others),
                why=f"embedded: the matching element of {emb.parent}.{emb.path} updated in place")


def _fan_out(ctx: Ctx, e: Entity, changed: list[Field], reads: Reads, w: Write) -> list[Step]:
    """Extended references and subsets that copy what the write changes: kept in step (the fan-out)."""
    out: list[Step] = []
    names = {f.name for f in changed}
    own = [(f"{c.path}.{key}", f"{c.path}_{key}") for c in reads.places.copies
           if c.holder == e.name and c.mode == "extended_reference" and c.by in names for _, key in c.fields]
    if own and w.op != "delete":
        out.append(Step(collection=collection_name(e), op="updateOne", filter=_by_filter(ctx, e, w), set=tuple(own),
                        role="copy", why="extended reference: a changed reference brings the new target's copied "
                                         "fields (the application reads them first)"))
    for c in reads.places.copies:
        if c.mode != "extended_reference" or c.source != e.name:
            continue
        sets = tuple((f"{c.path}.{key}", column_name(e.field(src))) for src, key in c.fields  # type: ignore[arg-type]
                     if src in names and e.field(src) is not None)
        if not sets:
            continue
        holder = ctx.entity(c.holder)
        emb = reads.places.embeds.get(c.holder)
        by = holder.field(c.by or "")
        if emb is not None and emb.mode == "embed":
            parent = ctx.entity(emb.parent)
            sets = tuple((f"{emb.path}.$[el].{k}", v) for k, v in sets)
            out.append(Step(collection=collection_name(parent), op="updateMany",
                            filter=(Cond(path=f"{emb.path}.{doc_key(by)}", op="eq", param="id"),),  # type: ignore[arg-type]
                            set=sets, array_filters=(Cond(path=f"el.{doc_key(by)}", op="eq", param="id"),),  # type: ignore[arg-type]
                            role="copy",
                            why=f"extended reference: the copies in {emb.parent}.{emb.path}"))
            continue
        out.append(Step(collection=collection_name(holder), op="updateMany",
                        filter=(Cond(path=doc_key(by), op="eq", param="id"),), set=sets, role="copy",  # type: ignore[arg-type]
                        why=f"extended reference: the copies in {c.holder}.{c.path} (fan-out {c.fan_out:.0f})"))
    emb = reads.places.embeds.get(e.name)
    if emb is not None and emb.mode == "subset" and w.op != "delete":
        out += _subset_steps(ctx, e, emb, changed, reads, w)
    return out


def _subset_steps(ctx: Ctx, e: Entity, emb: Embedding, changed: list[Field], reads: Reads, w: Write) -> list[Step]:
    """A subset's copy follows its document: an update sets the element in place; an upsert (which may add
    the document) pulls the element and pushes the document again, sorted and cut to the subset's size."""
    parent = ctx.entity(emb.parent)
    filt = _parent_filter(ctx, parent, column_name(e.field(emb.by)))  # type: ignore[arg-type]
    keys = [b for b in w.by if b != emb.by]
    match = tuple(Cond(path=element_key(e.field(b)), op="eq", param=column_name(e.field(b)))  # type: ignore[arg-type]
                  for b in keys)
    if w.op == "upsert":
        doc, _ = _document(ctx, e, emb, reads)
        tenant = doc_key(e.tenant_field) if e.tenant_field is not None else None
        element = tuple(("id" if k == "_id" else k, p) for k, p in doc if k != tenant)
        return [Step(collection=collection_name(parent), op="updateOne", filter=filt, pull=((emb.path, match),),
                     role="subset", why=f"subset: the old copy leaves {emb.parent}.{emb.path}"),
                Step(collection=collection_name(parent), op="updateOne", filter=filt, push=((emb.path, element),),
                     push_slice=(emb.limit or 0, emb.order), role="subset",
                     why=f"subset: the document (as the upsert returns it) goes back in, {emb.parent}.{emb.path} "
                         f"sorted and cut to {emb.limit}")]
    sets = tuple((f"{emb.path}.$[el].{element_key(f)}", column_name(f)) for f in changed)
    if not sets:
        return []
    return [Step(collection=collection_name(parent), op="updateOne", filter=filt, set=sets,
                 array_filters=tuple(c.model_copy(update={"path": f"el.{c.path}"}) for c in match), role="subset",
                 why=f"subset: the copy in {emb.parent}.{emb.path}, when it is among the kept ones")]


def link_write(ctx: Ctx, w: Write, relations: list[Relation]) -> DocumentWrite | None:
    """A write naming a many-to-many's link (`insert TicketTags`, `delete TicketTags by (ticket, tag)`): an
    `$addToSet` / `$pull` of the target's id in the owner's id array, or a document of the link collection
    (MDB-E05 decided which). None when `w` names no link."""
    rel = ctx.model.relation_named(w.entity)
    stored = next((r for r in relations if rel is not None and (r.owner, r.field) == (rel.owner, rel.field)), None)
    if rel is None or stored is None:
        return None
    owner = ctx.entity(rel.owner)
    link = link_entity(rel, owner)
    params = [(column_name(f), _ir_type(ctx, f.target, f), False) for f in link.references]
    own, target = f"{rel.owner_side}_id", f"{rel.target_side}_id"
    insert = w.op in ("insert", "upsert")
    if stored.mode == "id_array" and stored.path:
        step = Step(collection=collection_name(owner), op="updateOne", filter=_parent_filter(ctx, owner, own),
                    add_to_set=((stored.path, target),) if insert else (),
                    pull=() if insert else ((stored.path, (Cond(path="", op="eq", param=target),)),),
                    role="own", why=f"the link is the {rel.target} id in {rel.owner}.{stored.path} (MDB-E05)")
    else:
        t = tenant_param(ctx, owner)
        keys = ((doc_key(owner.tenant_field), t[0]),) if t and owner.tenant_field else ()
        keys += ((f"{rel.owner.lower()}_id", own), (f"{rel.target.lower()}_id", target))
        step = (Step(collection=stored.collection or "", op="insertOne", document=keys, role="own",
                     why="one document per link in the link collection (MDB-E05)") if insert else
                Step(collection=stored.collection or "", op="deleteOne", role="own",
                     filter=tuple(Cond(path=k, op="eq", param=p) for k, p in keys),
                     why="one document per link in the link collection (MDB-E05)"))
    op = "insert" if insert else "delete"
    return DocumentWrite(write=w.name, entity=rel.owner, op=op, params=tuple(params), steps=(step,))
