"""An update that moves an item between the groups of an ADD-maintained aggregate (DDB-A06, DDB-T04).

`update_order_status` changes an order's status, which `quarterly_revenue` groups by: the order's numbers
must leave the old group's aggregate item and join the new one's. The write reads the item first (its old
values: `old:status`, and the values it does not write: `created_at`, `total`), then sends one
TransactWriteItems: its own UpdateItem on the condition that the item still holds what was read (a racing
update of the same item fails its condition and retries), an ADD of minus the old numbers to the old group's
item and an ADD of the new numbers to the new group's. The two ADDs are a pair (`move` old/new): when both
apply to the same group item the item did not move, and neither is sent (DynamoDB refuses two operations on
one item in a transaction).

SC0476 stays where this cannot be done, and says why: a sum of a field the update itself writes (the delta
would need arithmetic on the old value in the client) or a max/min (kept by a conditional write, which
cannot be taken back).
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.encoding import holes
from schemac.compiler.design.keyvalue.layout import AggregateItem, Filter, WriteStep
from schemac.compiler.design.keyvalue.live import live_filters
from schemac.compiler.design.keyvalue.payloads import Move
from schemac.compiler.model import Entity, Write

OLD = "old:"  # a hole or param holding the value read before the write: `old:status`


def used_fields(a: AggregateItem) -> set[str]:
    used = {c.field for c in a.where} | {g.split("|")[0] for g in a.group}
    used |= {f for _, _, f in a.values if f}
    return used | {h.split("|")[0] for k in a.keys for t in (k.partition, k.sort or "") for h in holes(t)}


def moved_by(e: Entity, w: Write, written: set[str], a: AggregateItem) -> list[str]:
    return sorted((used_fields(a) & written) - set(w.by))


def _why_not(e: Entity, written: set[str], a: AggregateItem) -> str | None:
    if a.conditional or any(func not in ("count", "sum") for _, func, _ in a.values):
        return "a max or min is kept by a conditional write that cannot be taken back"
    summed = sorted({f for _, func, f in a.values if func == "sum" and f in written})
    if summed:
        return f"it sums {', '.join(summed)}, which the write changes: the old value would need arithmetic"
    return None


def move_steps(ctx: Ctx, e: Entity, w: Write, written: set[str], aggs: list[AggregateItem]
               ) -> tuple[list[WriteStep], list[str], list[tuple[str, str]]]:
    """The paired ADDs of every aggregate the write moves, the reads they need and the conditions (attribute,
    param) the item update carries; SC0476 for the aggregates that cannot move this way."""
    steps: list[WriteStep] = []
    reads: list[str] = []
    expects: list[tuple[str, str]] = []
    for a in aggs:
        if a.child != e.name:
            continue
        moved = moved_by(e, w, written, a)
        if not moved:
            continue
        why = _why_not(e, written, a)
        if why is not None:
            ctx.diags.report(codes.UPDATE_MOVES_AGGREGATE, w.span, write=w.name, fields=", ".join(moved),
                             aggregate=a.name, why=why)
            continue
        old, new = _pair(e, a, written, w.op == "upsert")
        steps += [old, new]
        tenant = {e.tenant_field.name} if e.tenant_field is not None else set()  # given by every write
        kept = sorted((used_fields(a) | {c.field for c in new.when}) - written - tenant)
        reads += [f"{e.name}.{OLD}{f}" for f in moved] + [f"{e.name}.{f}" for f in kept if e.field(f) is not None]
        expects += [(f, f"{OLD}{f}") for f in moved]
        # the values read that the write does not set hold too: a racing update of the item's assignee (the
        # counter's key) or of its total (the sum moved) must not slip between the read and this write
        expects += [(f, f) for f in kept if e.field(f) is not None]
        if w.op == "upsert":
            reads.append(f"{e.name}.{OLD}id")
        _decide(ctx, e, w, a, moved, kept)
    return steps, list(dict.fromkeys(reads)), list(dict.fromkeys(expects))


def _pair(e: Entity, a: AggregateItem, written: set[str], upsert: bool) -> tuple[WriteStep, WriteStep]:
    key = (("PK", a.keys[0].partition), ("SK", a.keys[0].sort or ""))

    def rename(name: str) -> str:
        base, _, unit = name.partition("|")
        return f"{OLD}{base}{'|' + unit if unit else ''}" if base in written else name

    old_key = tuple((k, _holes_renamed(t, rename)) for k, t in key)
    role = "counter" if a.parent else "aggregate"
    minus = tuple((attr, f"-{rename(f)}" if func == "sum" and f else "-1") for attr, func, f in a.values)
    plus = tuple((attr, f if func == "sum" and f else "1") for attr, func, f in a.values)
    sets = () if a.parent else tuple((g.replace("|", "_"), g) for g in a.group)
    live = live_filters(e, False)
    keyed = tuple(Filter(field=h, op="is_not_null") for h in _nullable(e, key))
    when_new = a.where + live + keyed
    when_old = tuple(c.model_copy(update={"field": rename(c.field)}) for c in when_new)
    if upsert:  # an upsert that found no item moves nothing out of a group
        when_old += (Filter(field=f"{OLD}id", op="is_not_null"),)
    return (WriteStep(action="Update", role=role, entity=e.name, keys=old_key, adds=minus, when=when_old,
                      aggregate=a.name, move="old"),
            WriteStep(action="Update", role=role, entity=e.name, keys=key, adds=plus, sets=sets, when=when_new,
                      aggregate=a.name, move="new"))


def _holes_renamed(template: str, rename) -> str:  # type: ignore[no-untyped-def]
    for h in holes(template):
        template = template.replace(f"<{h}>", f"<{rename(h)}>")
    return template


def _nullable(e: Entity, keys: tuple[tuple[str, str], ...]) -> list[str]:
    names = dict.fromkeys(h.split("|")[0] for _, t in keys for h in holes(t))
    return [n for n in names if (f := e.field(n)) is not None and f.optional]


def _decide(ctx: Ctx, e: Entity, w: Write, a: AggregateItem, moved: list[str], kept: list[str]) -> None:
    ctx.decide("DDB-A06", Subject.of_write(w.name, e.name),
               f"{w.name} moves {e.name} items between {a.name} groups in its transaction",
               f"the {a.name} group an item counts in depends on {', '.join(moved)}: the write reads the item first "
               f"(GetItem: the old {', '.join(moved)}" + (f", and {', '.join(kept)}" if kept else "") + "), then "
               "one TransactWriteItems updates the item on the condition that it still holds the values read "
               "(of two racing updates one fails and retries, so no move is counted twice or lost), ADDs minus "
               "its numbers to the old group's item and plus to the new group's; when the group did not change "
               "neither ADD is sent (DDB-U02: one operation per item in a transaction)", w.span,
               payload=Move(a.name, tuple(moved)))
