"""The table, its secondary indexes, and each entity's items: key templates, attributes, copies, guards
and edge lists, each a recorded decision."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue import codes
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.indexes import Indexes, IndexNeed, index_template
from schemac.compiler.design.keyvalue.layout import (
    Copy,
    EdgeList,
    EntityItems,
    KeySchema,
    KeyTemplate,
    SecondaryIndex,
    Table,
    UniqueGuard,
)
from schemac.compiler.design.keyvalue.patterns import guard_template
from schemac.compiler.design.keyvalue.payloads import Adjacency, Guard, SecondaryIndexUse, Ttl
from schemac.compiler.design.keyvalue.placement import Place
from schemac.compiler.design.sizes import row_bytes
from schemac.compiler.model import Entity, FieldKind
from schemac.compiler.naming import singular, snake


def entity_items(ctx: Ctx, e: Entity, place: Place, needs: list[IndexNeed],
                 copies: list[tuple[str, ...]]) -> EntityItems:
    keys = [KeyTemplate(partition=place.partition, sort=place.sort)]
    for n in sorted(needs, key=lambda n: (bool(n.local), n.slot)):
        t = index_template(ctx, e, n)
        keys.append(t)
        if n.local:
            _decide_local(ctx, e, place, n, t)
            continue
        sparse = " while " + " and ".join(f"{c.field} {c.op} {c.value}" for c in n.consts) if n.consts else ""
        why = (f"GSI{n.slot} is overloaded (DDB-I02): {e.name} items write their own {n.index}PK/{n.index}SK "
               f"for {', '.join(n.serves)}; the table's key cannot serve it (DDB-I01)")
        if n.consts:
            why += (f". A sparse index (DDB-I03): the {n.index} keys exist only{sparse}, so the index holds "
                    f"just those items")
        if n.union:
            why += f". {' | '.join(n.union)} share the partition and the sort-key tag {n.tag}: one Query reads the feed"
        ctx.decide("DDB-I03" if n.consts else "DDB-I02", Subject.of_entity(e.name),
                   f"{n.index}PK {t.partition}, {n.index}SK {t.sort}", why, e.span,
                   payload=SecondaryIndexUse(n.index, t.partition, t.sort,
                                             tuple(f"{c.field} {c.op} {c.value}" for c in n.consts),
                                             tuple(n.serves)))
    attrs = tuple((f.name, f.name) for f in e.stored_fields if f.name != "deleted_at" or e.soft_delete)
    found = {}
    for attr, via, target, field, *why in copies:
        if attr in found:
            continue
        found[attr] = Copy(attribute=attr, via=via, entity=target, field=field)
        fan = ctx.rows(e.name) / max(ctx.rows(target), 1.0)
        reason = why[0] if why else (
            f"a path predicate ({via}.{field}) is served by copying the key attribute into the item; the "
            f"{e.name} insert reads it from the {target} item, and a change to {target}.{field} must "
            f"update about {fan:,.0f} {e.name} items (the update fan-out)")
        ctx.decide("DDB-R02", Subject.of_field(e.name, attr), f"copy {target}.{field} into {e.name} as {attr}",
                   reason, e.span, payload=_copy_payload(attr, f"{target}.{field}", fan))
    return EntityItems(entity=e.name, keys=tuple(keys), type_value=type_name(e.name), placement=place.kind,  # type: ignore[arg-type]
                       parent=place.parent, attributes=attrs, copies=tuple(found.values()),
                       shards=max((n.shards for n in needs), default=1),
                       item_bytes=float(row_bytes(ctx.model, e)), versioned=e.versioned)


ITEM_COLLECTION_LIMIT = 10 * 2**30  # with an LSI, one partition key value holds at most 10 GB


def _decide_local(ctx: Ctx, e: Entity, place: Place, n: IndexNeed, t: KeyTemplate) -> None:
    parent = place.parent or e.name
    per = max(ctx.rows(e.name) / max(ctx.rows(parent), 1.0), 1.0)
    size = per * float(row_bytes(ctx.model, e))
    if size > ITEM_COLLECTION_LIMIT:
        ctx.diags.report(codes.OVER_LIMIT, e.span, what=f"the {parent} item collection with {n.index}",
                         value=f"{size:,.0f} bytes", limit=f"{ITEM_COLLECTION_LIMIT:,}")
    ctx.decide("DDB-I01", Subject.of_entity(e.name), f"{n.index}SK {t.sort} (a local secondary index)",
               f"{', '.join(n.serves)} reads the {parent} item collection with `consistency strong` in another "
               f"order: only an LSI (same partition key, another sort key) serves a strong read other than the "
               f"table's; an LSI caps an item collection at 10 GB, and this one holds about {per:,.0f} items x "
               f"{row_bytes(ctx.model, e):,} B = {size / 2**20:,.1f} MiB", e.span,
               payload=SecondaryIndexUse(n.index, t.partition, t.sort, (), tuple(n.serves)))


def _copy_payload(attr: str, source: str, fan: float):  # type: ignore[no-untyped-def]
    from schemac.compiler.design.keyvalue.payloads import CopyChoice

    return CopyChoice(attr, source, fan)


def plan_guards(ctx: Ctx, places: dict[str, Place]) -> list[UniqueGuard]:
    out: list[UniqueGuard] = []
    for e in ctx.model.entities:
        if e.junction:
            continue
        tenant = e.tenant_field.name if e.tenant_field is not None else None
        keyed = set(places[e.name].sort_fields) | {h for h in _holes(places[e.name].partition)} - {tenant}
        for u in e.uniques:
            fields = tuple(f for f in u.fields if f != tenant)
            if u.where or not fields or set(fields) == keyed - {tenant}:
                continue
            template = guard_template(e, fields)
            out.append(UniqueGuard(entity=e.name, fields=fields, keys=KeyTemplate(partition=template, sort=template)))
            ctx.decide("DDB-U01", Subject.of_entity(e.name), f"guard items {template}",
                       f"DynamoDB enforces uniqueness only on the primary key: every {e.name} insert puts a guard "
                       f"item with attribute_not_exists(PK) in the same TransactWriteItems, so a duplicate "
                       f"({', '.join(fields)}) cancels the whole write", u.span,
                       payload=Guard(fields, template))
    return out


def _holes(template: str) -> list[str]:
    from schemac.compiler.design.keyvalue.encoding import holes

    return holes(template)


def plan_edges(ctx: Ctx, places: dict[str, Place]) -> list[EdgeList]:
    out: list[EdgeList] = []
    for e in ctx.model.entities:
        for f in e.fields:
            if f.kind is not FieldKind.MANY or f.target is None or e.junction:
                continue
            owner_attr, target_attr = snake(e.name), singular(f.name)
            tag = f"{type_name(f.target)}_EDGE"
            keys = KeyTemplate(partition=places[e.name].partition.replace("<id>", f"<{owner_attr}>"),
                               sort=f"{tag}#<{target_attr}>")
            target = places[f.target].partition.replace("<id>", f"<{target_attr}>")
            reverse = KeyTemplate(index="GSI1", partition=target, sort=f"{type_name(e.name)}_EDGE#<{owner_attr}>")
            edge = EdgeList(owner=e.name, field=f.name, target=f.target, keys=keys, type_value=tag,
                            reverse=reverse)
            out.append(edge)
            ctx.decide("DDB-R06", Subject.of_field(e.name, f.name),
                       f"adjacency list: edge items {keys.partition} / {keys.sort}, inverted in GSI1",
                       f"many-to-many as an adjacency list: one edge item per {e.name}-{f.target} pair in the "
                       f"{e.name}'s item collection, read with a begins_with({tag}#) Query and a BatchGetItem of "
                       f"the {f.target} items; the edge item also writes the inverted key into the overloaded "
                       f"GSI1 (GSI1PK {target}, GSI1SK {reverse.sort}), so a {f.target}'s "
                       f"{snake(e.name)}s are one Query too, with no index of its own", f.span,
                       payload=Adjacency(e.name, f.name, f.target, "GSI1"))
    return out


def plan_table(ctx: Ctx) -> Table:
    expiring = [e for e in ctx.model.entities if e.expires]
    ttl = expiring[0].expires if expiring else None
    if ttl:
        ctx.decide("DDB-T02", Subject.of_model(ctx.model.settings.name), f"TTL attribute {ttl}",
                   f"@expires on {', '.join(e.name for e in expiring)}: the attribute is a Number (epoch "
                   f"seconds) and DynamoDB's TTL deletes the item, at no write cost, usually within days; "
                   f"reads filter {ttl} > now meanwhile", None, payload=Ttl(ttl, tuple(e.name for e in expiring)))
    taken = {f.name for e in ctx.model.entities for f in e.fields}
    type_attribute = next(n for n in ("type", "_type", "__type") if n not in taken)
    return Table(name=ctx.model.settings.name, ttl_attribute=ttl, type_attribute=type_attribute)


def plan_indexes(ctx: Ctx, indexes: Indexes, gsis: int, type_attribute: str) -> list[SecondaryIndex]:
    out: list[SecondaryIndex] = []
    for slot in range(1, indexes.locals() + 1):
        needs = [n for n in indexes.needs if n.slot == slot and n.local]
        out.append(SecondaryIndex(name=f"LSI{slot}", kind="local", keys=KeySchema(partition_key="PK",
                                  sort_key=f"LSI{slot}SK"), serves=tuple(p for n in needs for p in n.serves)))
    for slot in range(1, gsis + 1):
        needs = [n for n in indexes.needs if n.slot == slot and not n.local]
        serves = tuple(dict.fromkeys(p for n in needs for p in n.serves))
        sparse = any(n.consts for n in needs)
        projected = _projection(ctx, serves, type_attribute)
        name = f"GSI{slot}"
        out.append(SecondaryIndex(name=name, kind="global",
                                  keys=KeySchema(partition_key=f"{name}PK", sort_key=f"{name}SK"),
                                  projection="INCLUDE" if projected else "ALL", projected=projected,
                                  sparse=sparse, serves=serves))
        why = (f"every pattern on {name} ({', '.join(serves)}) selects only these attributes: the index "
               f"copies them and no more, so writes that change other attributes cost it nothing"
               if projected else
               f"{'a pattern on ' + name + ' (of ' + ', '.join(serves) + ')' if serves else 'the inverted edges'} "
               f"returns whole items: projecting ALL saves a second read of the table per item")
        ctx.decide("DDB-I04", Subject.of_index(name, name),
                   f"{name} projects {'INCLUDE ' + ', '.join(projected) if projected else 'ALL'}", why, None,
                   payload=SecondaryIndexUse(name, f"{name}PK", f"{name}SK", (), serves))
    return out


def _projection(ctx: Ctx, serves: tuple[str, ...], type_attribute: str) -> tuple[str, ...]:
    """The attributes an INCLUDE projection needs when every pattern served selects named fields and reads
    nothing more (no include); () when one of them returns whole items."""
    attrs: list[str] = []
    for name in serves:
        q = next(q for q in ctx.model.queries if q.name == name)
        if not q.select or q.include or q.group or any(i.func for i in q.select):
            return ()
        attrs += ["_".join(i.steps) for i in q.select]
    return tuple(sorted(set(attrs) | {type_attribute})) if serves else ()
