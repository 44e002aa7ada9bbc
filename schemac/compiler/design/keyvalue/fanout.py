"""The writes that keep copied attributes right when their source changes (DDB-R02's update fan-out, DDB-T04).

A copy (`Post.author_name` <- `Author.name` by `author`) lives on every item that references the source.
When a write changes (or erases) the source field, the write also finds those items through a key that
already exists, the table's (an item collection) or an index's, whose partition holds exactly the items of
one source id, and updates the copy on each. Never a Scan: without such a key the copy cannot be refreshed
by the write, and SC0477 says so.

The refresh runs in the source write's own TransactWriteItems when the items it can find, at the declared
volume, fit the 100-item limit with the write's own members (DDB-U02); otherwise in transactions of at most
100 updates after the write, eventually consistent, and the decision gives the arithmetic.
"""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.encoding import holes
from schemac.compiler.design.keyvalue.layout import (
    Copy,
    CopyRefresh,
    EntityItems,
    KeyCondition,
    KeyTemplate,
    KeyValueWrite,
)
from schemac.compiler.design.keyvalue.payloads import Refresh
from schemac.compiler.model import Entity

TRANSACTION_ITEMS = 100  # DDB-U02


def changed_fields(w: KeyValueWrite) -> tuple[set[str], bool]:
    """The source fields a write changes, and whether it removes them (an erasure)."""
    item = next((s for s in w.steps if s.role == "item"), None)
    if item is None or w.op not in ("update", "upsert", "erase"):
        return set(), False
    if w.op == "erase":
        return set(item.removes), True
    return {a for a, _ in item.sets}, False


def with_refreshes(ctx: Ctx, w: KeyValueWrite, by_name: dict[str, EntityItems]) -> KeyValueWrite:
    """`w` with the refreshes of every copy of a field it changes; SC0477 for copies no key reaches."""
    changed, removed = changed_fields(w)
    if not changed:
        return w
    source = ctx.entity(w.entity)
    refreshes: list[CopyRefresh] = []
    room = TRANSACTION_ITEMS - len(w.steps)  # the transaction's items left, smallest fan-outs first
    groups = [(holder, via, [c for c in holder.copies if c.entity == w.entity and c.field in changed and c.via == via])
              for holder in by_name.values() for via in dict.fromkeys(c.via for c in holder.copies)]
    for holder, via, group in sorted((g for g in groups if g[2]), key=lambda g: ctx.rows(g[0].entity)):
        refresh = _refresh(ctx, w, source, holder, via, group, removed, room)
        if refresh is not None:
            refreshes.append(refresh)
            room -= math.ceil(refresh.items) if refresh.transaction else 0
    if not refreshes:
        return w
    units = math.ceil(max(max(by_name[r.entity].item_bytes for r in refreshes), 1.0) / 1024)
    extra = sum(r.items * units * (2 if r.transaction else 1) for r in refreshes)
    return w.model_copy(update={"refreshes": tuple(refreshes), "wcu": round(w.wcu + extra, 2),
                                "transaction": w.transaction or any(r.transaction for r in refreshes)})


def _refresh(ctx: Ctx, w: KeyValueWrite, source: Entity, holder: EntityItems, via: str, copies: list[Copy],
             removed: bool, room: int) -> CopyRefresh | None:
    e = ctx.entity(holder.entity)
    attrs = ", ".join(f"{holder.entity}.{c.attribute}" for c in copies)
    key = _route(e, holder, via, removed)
    if key is None:
        declared = next((x.span for x in ctx.model.writes if x.name == w.write), None)
        ctx.diags.report(codes.COPY_NOT_REFRESHED, declared or e.span, write=w.write, copies=attrs,
                         entity=holder.entity, via=via, source=source.name)
        return None
    items = max(ctx.rows(e.name) / max(ctx.rows(source.name), 1.0), 1.0)
    own = TRANSACTION_ITEMS - room  # the write's own members and the refreshes already in its transaction
    transaction = math.ceil(items) <= room
    where = key.index or "the table"
    found = (f"a Query of {where} ({key.partition_attr} {key.partition}"
             + (f", begins_with {key.sort}" if key.sort else "") + f") finds the {holder.entity} items of one "
             f"{source.name}, about {items:,.0f} at the declared volume ({ctx.rows(e.name):,.0f} / "
             f"{ctx.rows(source.name):,.0f})")
    how = ("REMOVE the copies" if removed else "SET the copies to the new values") + (
        f", each on the condition that the item still references that {source.name} ({via})")
    if transaction:
        mode = (f"{math.ceil(items)} + {own} of the write's other members <= {TRANSACTION_ITEMS}: the updates join "
                f"the write's TransactWriteItems, so no reader sees the old copy after the write commits (a "
                f"{holder.entity} inserted while the Query runs may still read the old value: the GSI is "
                f"eventually consistent)")
    else:
        mode = (f"{math.ceil(items)} + {own} > {TRANSACTION_ITEMS} items: one transaction cannot hold them, so the "
                f"updates follow the write in TransactWriteItems of at most {TRANSACTION_ITEMS}, and the copies are "
                f"eventually consistent until the last one commits")
    ctx.decide("DDB-T04", Subject.of_write(w.write, w.entity), f"{w.write} refreshes {attrs}",
               f"{found}; the write will {how}. {mode}", source.span,
               payload=Refresh(holder.entity, tuple(c.attribute for c in copies), key.index, items, transaction))
    return CopyRefresh(entity=holder.entity, via=via, key=key, types=(holder.type_value,), items=items,
                       attributes=tuple((c.attribute, c.field) for c in copies), remove=removed,
                       transaction=transaction)


def _route(e: Entity, holder: EntityItems, via: str, removed: bool) -> KeyCondition | None:
    """A key of the holder's items whose partition is one source id's items (the table's: an item collection;
    an index's); sparse keys miss items, except that soft-deleted items (never read) may be missed by a write
    that is no erasure (an erasure must reach every copy of the data it erases)."""
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    for k in holder.keys:
        found = set(holes(k.partition))
        if via not in found or found - {via, tenant}:
            continue
        if any(not (c.field == "deleted_at" and c.op == "is_null" and not removed) for c in k.sparse):
            continue
        return _condition(k, via)
    return None


def _condition(k: KeyTemplate, via: str) -> KeyCondition:
    """Query the partition; the sort key's constant prefix (`POST#`) keeps other types of the partition out."""
    partition = k.partition.replace(f"<{via}>", "<id>")  # holes over the source's fields: its id, the tenant
    prefix = (k.sort or "").split("<", 1)[0]
    pk = f"{k.index}PK" if k.index is not None and k.index.startswith("GSI") else "PK"
    sk = f"{k.index}SK" if k.index is not None else "SK"
    return KeyCondition(index=k.index, partition_attr=pk, partition=partition, sort_attr=sk,
                        sort_op="begins_with" if prefix else None, sort=prefix or None)
