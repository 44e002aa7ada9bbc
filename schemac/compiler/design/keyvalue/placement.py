"""Where each entity's items live in the one table (DDB-K01, DDB-K08, DDB-R03): its key templates.

- `home`: its own partition, `<TENANT>#<tenant>#<TYPE>#<id>` / `<TYPE>#<id>`: found by its id.
- `collection`: an `@owner` child read with its parent (an include, or a read by the owner) lives in the
  parent's item collection, `SK = <CHILD>#<sort>`: one Query reads the parent and its children.
- `unique_key`: an entity its writes address by a unique key other than its id (`upsert Review by
  (product, customer)`) is keyed by it, so the write needs no lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.payloads import Placement
from schemac.compiler.model import Entity, FieldKind, Include


@dataclass(frozen=True)
class Place:
    entity: str
    kind: str  # home | collection | unique_key
    partition: str
    sort: str
    parent: str | None = None
    sort_fields: tuple[str, ...] = ()  # the SK's holes after the type prefix, in order
    via: str | None = None  # collection: the field holding the parent's id (the owner, or a reference)

    @property
    def by_id(self) -> bool:
        return self.kind == "home"


def tenant_prefix(ctx: Ctx, e: Entity) -> str:
    t = e.tenant_field
    if t is None or t.target is None:
        return ""
    return f"{type_name(t.target)}#<{t.name}>#"


def plan_placement(ctx: Ctx) -> dict[str, Place]:
    places: dict[str, Place] = {}
    for e in ctx.model.entities:
        if e.junction:
            continue
        places[e.name] = _place(ctx, e, places)
    return places


def _place(ctx: Ctx, e: Entity, places: dict[str, Place]) -> Place:
    tname = type_name(e.name)
    keyed = _write_key(ctx, e) if not e.soft_delete else ()
    owner = e.owner_field
    parent = places.get(owner.target) if owner is not None and owner.target is not None else None
    strong = _strong_reference(ctx, e, places) if not keyed else None
    if owner is not None and parent is not None and parent.by_id and _read_with_owner(ctx, e, owner.name, keyed):
        rest = _collection_sort(ctx, e, owner.name, keyed)
        place = Place(e.name, "collection", parent.partition.replace("<id>", f"<{owner.name}>"),
                      _sort(tname, rest, e.versioned), parent.entity, rest, owner.name)
        why = (f"an item collection: {e.name} items share their {parent.entity}'s partition, sort key "
               f"prefix {tname}#, so one Query reads a {parent.entity} with its {e.name} items (DDB-K08, "
               f"DDB-R03)")
        rule = "DDB-K08"
    elif strong is not None:
        ref, target, q = strong
        rest = _collection_sort(ctx, e, ref, ())
        place = Place(e.name, "collection", target.partition.replace("<id>", f"<{ref}>"),
                      _sort(tname, rest, e.versioned), target.entity, rest, ref)
        why = (f"{q} reads {e.name} by {ref} with `consistency strong`, which only the table (or an LSI) "
               f"serves, not a GSI (DDB-A07): {e.name} items live in their {target.entity}'s item collection, "
               f"sort key prefix {tname}#; nothing reads a {e.name} by its id alone")
        rule = "DDB-A07"
    elif keyed:
        first, rest = keyed[0], keyed[1:]
        place = Place(e.name, "unique_key", tenant_prefix(ctx, e) + _segment(e, first),
                      _sort(tname, rest, e.versioned), None, rest)
        why = (f"keyed by its unique ({', '.join(keyed)}): a write addresses an item by it, so the key "
               f"is built from the write's own values, with no lookup first (DDB-K02, DDB-U01)")
        rule = "DDB-K02"
    else:
        place = Place(e.name, "home", tenant_prefix(ctx, e) + f"{tname}#<id>",
                      _sort(tname, ("id",), e.versioned), None, ("id",))
        why = (f"its own partition, keyed by id{' under the tenant prefix' if e.tenant_field else ''}: "
               f"a GetItem finds it from any reference to it (DDB-K01)")
        rule = "DDB-K01"
    ctx.decide(rule, Subject.of_entity(e.name), f"PK {place.partition}, SK {place.sort}", why, e.span,
               payload=Placement(place.kind, place.partition, place.sort, place.parent))
    return place


def _strong_reference(ctx: Ctx, e: Entity, places: dict[str, Place]) -> tuple[str, Place, str] | None:
    """(reference, its target's place, query) when a strongly consistent read takes `e` by one reference
    and nothing needs `e` by its id (no reference to it, no keyed write): the table must serve that read."""
    if any(f.target == e.name for x in ctx.model.entities for f in x.fields if f.kind is not FieldKind.SCALAR):
        return None
    if any(w.entity == e.name and w.op != "insert" for w in ctx.model.writes):
        return None
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    for q in ctx.model.queries:
        if q.entity != e.name or q.is_union or q.consistency != "strong":
            continue
        eq = [p.steps[0] for p in q.where if p.is_equality and len(p.steps) == 1 and not p.is_constant]
        eq = [f for f in eq if f != tenant]
        f = e.field(eq[0]) if len(eq) == 1 else None
        target = places.get(f.target) if f is not None and f.is_reference and f.target else None
        if target is not None and target.by_id:
            return eq[0], target, q.name
    return None


def _sort(tname: str, fields: tuple[str, ...], versioned: bool) -> str:
    body = "#".join([tname, *(f"<{f}>" for f in fields)])
    return f"{body}#v0" if versioned else body


def _segment(e: Entity, name: str) -> str:
    f = e.field(name)
    if f is not None and f.kind is FieldKind.REFERENCE and f.target is not None:
        return f"{type_name(f.target)}#<{name}>"
    return f"{type_name(e.name)}#{name.upper()}#<{name}>"


def _unique_sets(e: Entity) -> list[tuple[str, ...]]:
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    return [tuple(f for f in u.fields if f != tenant) for u in e.uniques if not u.where]


def _write_key(ctx: Ctx, e: Entity) -> tuple[str, ...]:
    """The unique key a keyed write addresses `e` by, when it is not the id."""
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    uniques = _unique_sets(e)
    for w in ctx.model.writes:
        by = tuple(f for f in w.by if f != tenant)
        if w.entity == e.name and w.op != "insert" and by and by != ("id",):
            match = next((u for u in uniques if set(u) == set(by)), None)
            if match is not None:
                owner = e.owner_field
                lead = [f for f in match if owner is not None and f == owner.name]
                return tuple(lead + [f for f in match if f not in lead])
    return ()


def _includes(incs: tuple[Include, ...]) -> list[Include]:
    out: list[Include] = []
    for inc in incs:
        out += [inc, *_includes(inc.nested)]
    return out


def _read_with_owner(ctx: Ctx, e: Entity, owner: str, keyed: tuple[str, ...]) -> bool:
    if keyed and keyed[0] == owner:
        return True
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    for q in ctx.model.queries:
        if any(i.kind == "to_many" and i.entity == e.name and i.via == owner for i in _includes(q.include)):
            return True
        eq = {p.steps[0] for p in q.where if p.is_equality and len(p.steps) == 1} - {tenant}
        if q.entity == e.name and not q.is_union and eq == {owner}:
            return True
    return False


def _collection_sort(ctx: Ctx, e: Entity, owner: str, keyed: tuple[str, ...]) -> tuple[str, ...]:
    """The child's sort-key holes: its unique key after the owner, else the order its reads ask for."""
    if keyed and keyed[0] == owner:
        return keyed[1:]
    orders = [tuple(k.field for k in i.order) for q in ctx.model.queries for i in _includes(q.include)
              if i.entity == e.name and i.via == owner and i.order]
    orders += [tuple(k.steps[0] for k in q.order if len(k.steps) == 1 and k.entities)
               for q in ctx.model.queries if q.entity == e.name and not q.is_union and q.order]
    for u in _unique_sets(e):
        if u and u[0] == owner and (not orders or orders[0] == u[1:]):
            # a soft-deleted entity's unique holds among live items only: the id keeps keys distinct
            return (*u[1:], "id") if e.soft_delete else u[1:]
    if orders and orders[0]:
        return (*orders[0], "id") if "id" not in orders[0] else orders[0]
    return ("id",)
