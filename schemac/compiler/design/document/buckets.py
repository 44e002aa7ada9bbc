"""Computed bucket documents kept in step by the writes (MDB-P03, MDB-P04): an upserting `$inc` on the bucket
of the written document, a move between buckets when an update changes a key, and the sums of a maintained
field (an order's total) moved by the writes of its children (the line items)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.access import tenant_param
from schemac.compiler.design.document.keys import column_name, doc_key
from schemac.compiler.design.document.layout import Computed, Cond, Step
from schemac.compiler.model import Entity, Field

_WHY = "computed bucket: the aggregate document of the {what}, created on first use (the application passes the " \
       "bucket's start{also})"


def _filter(ctx: Ctx, e: Entity, comp: Computed, prefix: str = "") -> tuple[Cond, ...]:
    t = tenant_param(ctx, e)
    conds = [Cond(path=doc_key(e.tenant_field), op="eq", param=t[0])] if t and e.tenant_field else []
    conds += [Cond(path=key, op="eq", param=prefix + key) for key, _, _ in comp.keys]
    return tuple(conds)


def _values(e: Entity, comp: Computed, sign: int, *, new: bool = False) -> tuple[tuple[tuple[str, str | int], ...],
                                                                                tuple[str, ...]]:
    """($inc pairs, negated keys): counts by ±1, sums by the written field (a maintained one starts at 0 in a
    new document: its children's writes move it)."""
    inc: list[tuple[str, str | int]] = []
    negate: list[str] = []
    for key, func, path in comp.values:
        if func == "count":
            inc.append((key, sign))
            continue
        f = _field_at(e, path)
        if f is None or (f.maintained and new):
            continue
        inc.append((key, column_name(f)))
        if sign < 0:
            negate.append(key)
    return tuple(inc), tuple(negate)


def _field_at(e: Entity, path: str | None) -> Field | None:
    return next((f for f in e.stored_fields if doc_key(f) == path), None)


def source_steps(ctx: Ctx, e: Entity, computed: list[Computed], op: str, changed: tuple[str, ...] = ()) -> list[Step]:
    """The bucket steps of a write of the aggregated entity itself: insert (+1), delete (-1), or an update that
    changes a key or a summed field (out of the old bucket, into the new)."""
    out: list[Step] = []
    for comp in computed:
        if comp.source != e.name:
            continue
        if op in ("insert", "delete"):
            sign = 1 if op == "insert" else -1
            inc, negate = _values(e, comp, sign, new=op == "insert")
            out.append(Step(collection=comp.collection, op="updateOne", filter=_filter(ctx, e, comp), inc=inc,
                            negate=negate, upsert=True, role="bucket",
                            why=_WHY.format(what="written document", also="")))
            continue
        keys = {f for _, f, _ in comp.keys} | {f.name for _, _, p in comp.values if (f := _field_at(e, p))}
        if not keys & set(changed):
            continue
        inc, negate = _values(e, comp, -1)
        out.append(Step(collection=comp.collection, op="updateOne", filter=_filter(ctx, e, comp, "old_"), inc=inc,
                        negate=negate, upsert=True, role="bucket",
                        why=_WHY.format(what="document's bucket before the update", also=": old_<key> from the "
                                        "document the update returns")))
        inc, negate = _values(e, comp, 1)
        out.append(Step(collection=comp.collection, op="updateOne", filter=_filter(ctx, e, comp), inc=inc,
                        negate=negate, upsert=True, role="bucket",
                        why=_WHY.format(what="document's bucket after the update", also="")))
    return out


def child_steps(ctx: Ctx, child: Entity, computed: list[Computed], sign: int) -> list[Step]:
    """A child's write moves its parent's maintained sum, and so the sums of the parent's bucket."""
    out: list[Step] = []
    for comp in computed:
        holder = ctx.entity(comp.source)
        for key, func, path in comp.values:
            f = _field_at(holder, path)
            agg = f.default.aggregate if f is not None and f.default is not None else None
            if func != "sum" or agg is None or agg.child != child.name or agg.field is None:
                continue
            amount = child.field(agg.field)
            if amount is None:
                continue
            out.append(Step(collection=comp.collection, op="updateOne", filter=_filter(ctx, holder, comp),
                            inc=((key, column_name(amount)),), negate=(key,) if sign < 0 else (), upsert=True,
                            role="bucket", why=_WHY.format(what=f"{holder.name}'s bucket", also=f": the keys of the "
                                                           f"{holder.name} the write changed")))
    return out
