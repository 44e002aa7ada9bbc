"""The items each write touches, in one TransactWriteItems when more than one (DDB-U01, DDB-U02):
the entity's own item, its guard items for `unique`, the ADDs of the counters and aggregate items it
feeds, the `v<n>` copy of a versioned item, and the edge items of a many-to-many link.
"""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import OptimisticCheck, Subject
from schemac.compiler.design.keyvalue.encoding import holes
from schemac.compiler.design.keyvalue.layout import (
    AggregateItem,
    EdgeList,
    EntityItems,
    Filter,
    KeyValueWrite,
    UniqueGuard,
    WriteStep,
)
from schemac.compiler.design.keyvalue.live import live_filters
from schemac.compiler.design.keyvalue.moves import move_steps
from schemac.compiler.model import Entity, FieldKind, Write

GENERATED = ("id", "created_at", "updated_at")


def item_keys(items: EntityItems) -> tuple[tuple[str, str], ...]:
    return tuple(pair for k in items.keys for pair in k.attributes())


def _table_key(items: EntityItems) -> tuple[tuple[str, str], ...]:
    k = items.keys[0]
    return (("PK", k.partition), ("SK", k.sort or ""))


def stored(e: Entity) -> list[str]:
    """The fields an insert writes: every stored one but maintained aggregates (deleted_at included, so a
    soft-deleted item can be loaded as such)."""
    return [f.name for f in e.stored_fields if not f.maintained]


def _wcu(ctx: Ctx, items: EntityItems, steps: list[WriteStep]) -> float:
    """COST-01: 1 WCU per KB per item written, twice inside a transaction, plus one write per secondary index
    the entity's item is in (ALL projection: every change of the item rewrites its index entries)."""
    own = math.ceil(max(items.item_bytes, 1.0) / 1024)
    # a moved aggregate whose item is the same for both groups (a counter filtered by the moved field): at most
    # one of its two ADDs is sent
    steps = [s for s in steps if not (s.move == "old" and any(
        t.move == "new" and t.aggregate == s.aggregate and t.keys == s.keys for t in steps))]
    table = sum(own if s.role in ("item", "version") else 1 for s in steps)
    indexed = sum(own * (len(items.keys) - 1) for s in steps if s.role == "item")
    return float(table * (2 if len(steps) > 1 else 1) + indexed)


def insert_write(ctx: Ctx, e: Entity, items: EntityItems, guards: list[UniqueGuard],
                 aggs: list[AggregateItem], name: str | None = None) -> KeyValueWrite:
    copies = tuple((c.attribute, c.attribute) for c in items.copies)
    # maintained counters and sums start at 0, so a parent with no children reads 0, not a missing attribute
    zeros = tuple((f.name, "=0") for f in e.stored_fields if f.maintained)
    zeros += tuple((a.name, "=0") for a in aggs if a.parent == e.name and e.field(a.name) is None)
    steps = [WriteStep(action="Put", role="item", entity=e.name, keys=item_keys(items), condition="not_exists",
                       sets=tuple((f, f) for f in stored(e)) + copies + zeros)]
    if e.versioned:
        version = tuple((a, t.replace("#v0", "#v<version>")) for a, t in _table_key(items))
        steps.append(WriteStep(action="Put", role="version", entity=e.name, keys=version, condition="not_exists",
                               sets=tuple((f, f) for f in stored(e))))
    for g in guards:
        if g.entity == e.name:
            key = (("PK", g.keys.partition), ("SK", g.keys.sort or g.keys.partition))
            steps.append(WriteStep(action="Put", role="guard", entity=e.name, keys=key, condition="not_exists",
                                   sets=tuple((h, h) for h in _item_holes(items)),
                                   when=live_filters(e, False) + tuple(  # NULLs never collide, as in SQL
                                       Filter(field=h, op="is_not_null") for h in _nullable_holes(e, key))))
    steps += _aggregate_steps(e, aggs, +1)
    chained, reads = _chained_steps(ctx, e, aggs, +1)
    steps = _holding_parent(steps, reads, aggs) + chained
    return KeyValueWrite(write=name or f"insert {e.name}", entity=e.name, op="insert", steps=tuple(steps),
                         reads=tuple(reads),
                         transaction=len(steps) > 1, params=tuple(stored(e)),
                         wcu=_wcu(ctx, items, steps))


def _item_holes(items: EntityItems) -> list[str]:
    k = items.keys[0]
    return list(dict.fromkeys(holes(k.partition) + holes(k.sort or "")))


def _aggregate_steps(e: Entity, aggs: list[AggregateItem], sign: int) -> list[WriteStep]:
    out = []
    for a in aggs:
        if a.child != e.name:
            continue
        key = (("PK", a.keys[0].partition), ("SK", a.keys[0].sort or ""))
        adds = tuple((attr, (f if sign > 0 else f"-{f}") if func == "sum" and f else str(sign))
                     for attr, func, f in a.values if func in ("count", "sum") and not _maintained(e, f))
        # a sum of a maintained field follows the children's writes (_chained_steps); the insert starts it at 0,
        # so that a group whose rows have no children yet reads 0, as a SUM over them does
        adds += tuple((attr, "0") for attr, func, f in a.values if sign > 0 and func == "sum" and _maintained(e, f))
        sets = tuple((attr, f or "") for attr, func, f in a.values if func in ("max", "min"))
        if sign < 0 and sets:
            continue
        if not a.parent:  # an aggregate item carries its group values, to be read back as columns
            sets += tuple((g.replace("|", "_"), g) for g in a.group)
        keyed = tuple(Filter(field=h, op="is_not_null") for h in _nullable_holes(e, key))
        out.append(WriteStep(action="Update", role="counter" if a.parent else "aggregate", entity=e.name,
                             keys=key, adds=adds, sets=sets, when=a.where + live_filters(e, False) + keyed,
                             aggregate=a.name))
    return out


def _chained_steps(ctx: Ctx, e: Entity, aggs: list[AggregateItem], sign: int) -> tuple[list[WriteStep], list[str]]:
    """A group aggregate summing a maintained field (`sum(total)`, total = sum(LineItem.amount)) follows the
    child's writes: the LineItem write ADDs its amount to its order's group item, whose key values (the
    order's created_at and status) it reads from the order first (`reads`: `order->Order.created_at`)."""
    steps: list[WriteStep] = []
    reads: list[str] = []
    for a in aggs:
        if a.parent is not None:
            continue
        parent = ctx.entity(a.child)
        for attr, func, name in a.values:
            f = parent.field(name) if name else None
            agg = f.default.aggregate if f is not None and f.default is not None else None
            if func != "sum" or agg is None or agg.child != e.name or agg.func != "sum" or agg.field is None:
                continue
            tenant = parent.tenant_field.name if parent.tenant_field is not None else None
            rename = {h: h if h.split("|")[0] == tenant else f"{agg.via}_{h}"
                      for _, t in (("PK", a.keys[0].partition), ("SK", a.keys[0].sort or "")) for h in holes(t)}
            key = tuple((k, _rename_holes(t, rename)) for k, t in (("PK", a.keys[0].partition),
                                                                 ("SK", a.keys[0].sort or "")))
            reads += [f"{agg.via}->{parent.name}.{h.split('|')[0]}" for h, r in rename.items() if r != h]
            amount = agg.field if sign > 0 else f"-{agg.field}"
            steps.append(WriteStep(action="Update", role="aggregate", entity=e.name, keys=key,
                                   adds=((attr, amount),), aggregate=a.name))
    return steps, list(dict.fromkeys(reads))


def _holding_parent(steps: list[WriteStep], reads: list[str], aggs: list[AggregateItem]) -> list[WriteStep]:
    """The child's ADD to its parent's maintained sum holds on the parent's group values the write read
    (`order->Order.status`): an update moving the parent to another group between the read and this write
    cancels it, so the amount never lands in a group the parent has left (DDB-A06)."""
    held: dict[str, list[tuple[str, str]]] = {}
    for r in reads:
        via, _, rest = r.partition("->")
        parent, field = rest.split(".", 1)
        held.setdefault(parent, []).append((field, f"{via}_{field}"))
    parents = {a.name: a.parent for a in aggs if a.parent}
    out, done = [], set()
    for s in steps:
        parent = parents.get(s.aggregate or "") if s.role == "counter" else None
        if parent in held and parent not in done:  # one condition per parent item
            s = s.model_copy(update={"expects": (*s.expects, *held[parent])})
            done.add(parent)
        out.append(s)
    return out


def _rename_holes(template: str, rename: dict[str, str]) -> str:
    for old, new in rename.items():
        template = template.replace(f"<{old}>", f"<{new}>")
    return template


def keyed_write(ctx: Ctx, w: Write, e: Entity, items: EntityItems, guards: list[UniqueGuard],
                aggs: list[AggregateItem]) -> KeyValueWrite:
    if w.op == "insert":
        return insert_write(ctx, e, items, guards, aggs, w.name)
    key = _table_key(items)
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    by = set(w.by) | ({tenant} if tenant else set())
    needed = set(_item_holes(items))
    reads = tuple(sorted(f"{e.name}.{h}" for h in needed - by))
    if w.op == "delete":
        steps = [WriteStep(action="Delete", role="item", entity=e.name, keys=key, condition="exists")]
        steps += _aggregate_steps(e, aggs, -1)
        chained, chained_reads = _chained_steps(ctx, e, aggs, -1)
        steps = _holding_parent(steps, chained_reads, aggs) + chained
        counted = {h for s in steps[1:] for t in (dict(s.keys).values()) for h in holes(t)}
        counted |= {c.field for s in steps[1:] for c in s.when} | {v.lstrip("-") for s in steps[1:] for _, v in s.adds}
        reads += tuple(f"{e.name}.{f}" for f in sorted(counted) if f not in by and e.field(f) is not None
                       and not f.lstrip("-").isdigit()) + tuple(chained_reads)
    else:
        fields = w.fields or tuple(f for f in stored(e) if f not in (*GENERATED, "deleted_at", "version")
                                   and f not in by)
        copies = tuple((c.attribute, c.attribute) for c in items.copies if c.via in fields)
        sets = (*tuple((f, f) for f in fields), *copies, ("updated_at", "updated_at"))
        moved = _moved_keys(items, (*fields, *(c.attribute for c in items.copies if c.via in fields)))
        sets += tuple(moved)
        if w.op == "upsert":
            sets += (("id", "id"), ("created_at", "created_at"))
        moves, move_reads, expects = move_steps(ctx, e, w, set(fields), aggs)
        steps = [WriteStep(action="Update", role="item", entity=e.name, keys=key,
                           condition="exists" if w.op == "update" else "none", sets=sets, expects=tuple(expects))]
        if e.versioned:
            steps, version_reads = _versioned(e, key, steps[0], (*fields, *by))
            reads += version_reads
            ctx.decide("DDB-K07", Subject.of_write(w.name, e.name),
                       f"{w.name}: UpdateItem of v0 and Put of #v<n+1> in one TransactWriteItems",
                       "the version-prefix pattern: the write reads v0 (GetItem), sets version n+1 on the "
                       "condition that v0 still holds version n, and puts the copy #v<n+1> with "
                       "attribute_not_exists(PK) in the same transaction: of two writers racing from version n "
                       "exactly one commits, so no version item exists without its update, nor an update "
                       "without its version item, and no version number is skipped", w.span,
                       payload=OptimisticCheck("version"))
        reads += tuple(f"{e.name}.{h}" for kv in moved for h in holes(kv[1]) if h not in fields and h not in by
                       and f"{e.name}.{h}" not in reads)
        steps += moves
        reads += tuple(r for r in move_reads if r not in reads and r.split(".", 1)[1] not in by)
    copied = {c.attribute for c in items.copies}
    written = [v for s in steps if s.role == "item" for a, v in s.sets
               if not a.startswith("GSI") and a not in copied and "|" not in v]
    params = tuple(dict.fromkeys(f for f in (tenant, *w.by, *written) if f))
    return KeyValueWrite(write=w.name, entity=e.name, op=w.op, steps=tuple(steps),
                         transaction=len(steps) > 1,
                         params=params, reads=tuple(dict.fromkeys(reads)), wcu=_wcu(ctx, items, steps))


NEXT_VERSION = "version|next"  # the version read first, plus one (1 when there is no item yet)


def _versioned(e: Entity, key: tuple[tuple[str, str], ...], update: WriteStep, given: tuple[str, ...]
               ) -> tuple[list[WriteStep], tuple[str, ...]]:
    """DDB-K07 in one TransactWriteItems: the UpdateItem of v0 sets `version` to the version read first plus
    one, on the condition that v0 still holds the version read (optimistic: of two racing writers one wins,
    the other's whole transaction is cancelled), and the Put of `#v<next>` (attribute_not_exists) copies the
    new version: the written values over the item read first."""
    item = update.model_copy(update={"sets": (*update.sets, ("version", NEXT_VERSION)),
                                     "expects": (("version", "version"), *update.expects)})
    copy = WriteStep(action="Put", role="version", entity=e.name, condition="not_exists",
                     keys=tuple((a, t.replace("#v0", f"#v<{NEXT_VERSION}>")) for a, t in key),
                     sets=tuple((f, NEXT_VERSION if f == "version" else f) for f in stored(e)))
    # every value of the copy the write is not given is the current item's (id and created_at of an upsert
    # that finds the item too: the item's own win over freshly made ones)
    kept = [f for f in stored(e) if f not in given or f in ("id", "created_at")]
    reads = tuple(f"{e.name}.{f}" for f in ["version", *kept] if f != "updated_at")
    return [item, copy], tuple(dict.fromkeys(reads))


def erase_write(ctx: Ctx, e: Entity, items: EntityItems, guards: list[UniqueGuard]) -> KeyValueWrite | None:
    """GDPR erasure under soft delete (SC-GDPR-01): REMOVE the @pii attributes and the index keys built from
    them, set deleted_at, and delete the guard items that hold a @pii value, in one transaction."""
    pii = [f.name for f in e.stored_fields if f.pii]
    if ctx.model.settings.compliance != "gdpr" or not pii or not e.soft_delete:
        return None
    key = _table_key(items)
    index_keys = [a for k in items.keys[1:] if set(holes(k.partition) + holes(k.sort or "")) & set(pii)
                  for a, _ in k.attributes()]
    steps = [WriteStep(action="Update", role="item", entity=e.name, keys=key, condition="exists",
                       sets=(("deleted_at", "deleted_at"), ("updated_at", "updated_at")),
                       removes=(*pii, *index_keys))]
    reads: list[str] = []
    for g in guards:
        if g.entity == e.name and set(g.fields) & set(pii):
            steps.append(WriteStep(action="Delete", role="guard", entity=e.name,
                                   keys=(("PK", g.keys.partition), ("SK", g.keys.sort or g.keys.partition))))
            reads += [f"{e.name}.{f}" for f in g.fields]
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    params = tuple(f for f in (tenant, "id", "deleted_at", "updated_at") if f)
    return KeyValueWrite(write=f"erase {e.name}", entity=e.name, op="erase", steps=tuple(steps),
                         transaction=len(steps) > 1, params=params, reads=tuple(dict.fromkeys(reads)),
                         wcu=_wcu(ctx, items, steps))


def _nullable_holes(e: Entity, keys: tuple[tuple[str, str], ...]) -> list[str]:
    """Optional fields a key is built from: without a value there is no item to update (no team, no group)."""
    names = dict.fromkeys(h.split("|")[0] for _, t in keys for h in holes(t))
    return [n for n in names if (f := e.field(n)) is not None and f.optional]


def _maintained(e: Entity, name: str | None) -> bool:
    """A maintained field (a sum of children) is zero when its item is inserted: nothing to add then."""
    f = e.field(name) if name else None
    return f is not None and f.maintained


def _moved_keys(items: EntityItems, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """The index key attributes an update must rewrite: those built from a written field, or sparse on one."""
    out: list[tuple[str, str]] = []
    for k in items.keys[1:]:
        templates = [k.partition, k.sort or ""]
        if any(set(holes(t)) & set(fields) for t in templates) or any(c.field in fields for c in k.sparse):
            out += k.attributes()
    return out


def edge_write(ctx: Ctx, edge: EdgeList, name: str | None = None, *, delete: bool = False) -> KeyValueWrite:
    """Put (or Delete) one edge item of an adjacency list; `name` for a declared write of the link."""
    keys = (("PK", edge.keys.partition), ("SK", edge.keys.sort or ""))
    fields = list(dict.fromkeys(holes(edge.keys.partition) + holes(edge.keys.sort or "")))
    if edge.reverse is not None and not delete:
        keys += tuple(edge.reverse.attributes())
    step = WriteStep(action="Delete" if delete else "Put", role="edge", entity=edge.owner, keys=keys,
                     sets=() if delete else tuple((h, h) for h in fields))
    return KeyValueWrite(write=name or f"link {edge.owner}.{edge.field}", entity=edge.owner, op="link",
                         steps=(step,), transaction=False, params=tuple(fields), wcu=1.0)


def many_fields(e: Entity) -> list[str]:
    return [f.name for f in e.fields if f.kind is FieldKind.MANY]
