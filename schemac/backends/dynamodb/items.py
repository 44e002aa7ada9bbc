"""entities.json (key templates and attributes per entity) and writes.json (the TransactWriteItems members
of every write, filled from params by the same key templates)."""

from __future__ import annotations

from schemac.backends.dynamodb.names import param_name, param_type
from schemac.backends.dynamodb.refresh import refresh_doc
from schemac.compiler.design.keyvalue.encoding import (
    KEY_ENCODINGS,
    NULL_IN_KEY,
    VALUE_ENCODINGS,
    attribute_type,
    holes,
    key_encoding,
    value_encoding,
)
from schemac.compiler.design.keyvalue.layout import (
    EntityItems,
    Filter,
    KeyValueLayout,
    KeyValueWrite,
    Table,
    WriteStep,
)
from schemac.compiler.model import Entity, FieldKind, Model

FORMAT = "schemac.dynamodb/1"


OLD = "old:"  # a value read before the write (the item's old value): param `old_<param>`


def _param(e: Entity, name: str) -> str:
    if name.startswith(OLD):
        return "old_" + param_name(e, name[len(OLD):])
    return param_name(e, name)


def _filter(f: Filter, e: Entity | None = None) -> dict[str, object]:
    out: dict[str, object] = {"field": f.field.removeprefix(OLD), "op": f.op}
    if e is not None and f.param is None:  # a write's condition: on the value of this param
        out["on"] = _param(e, f.field)
    if f.param is not None:
        out["param"] = f.param
    if f.value is not None:
        out["equals" if f.op == "=" else "value"] = f.value
    return out


def entities_doc(model: Model, layout: KeyValueLayout) -> dict[str, object]:
    ents: dict[str, object] = {}
    for it in layout.entities:
        e = model.entity(it.entity)
        keys: dict[str, str] = {}
        sparse: dict[str, object] = {}
        for k in it.keys:
            for attr, template in k.attributes():
                keys[attr] = template
                if k.sparse:
                    sparse[attr] = {"when": [_filter(c) for c in k.sparse]}
        ents[it.entity] = {
            "type": it.type_value, "placement": it.placement, "parent": it.parent, "keys": keys, "sparse": sparse,
            # a versioned item's `#v<version>` copies are keyed by its version too
            "key_encodings": {h: key_encoding(e, h) for h in [*_all_holes(it), *(["version"] if it.versioned else [])]},
            "attributes": {f.name: {"name": f.name, "type": attribute_type(f), "encoding": value_encoding(f)}
                           for f in e.stored_fields if f.name != "deleted_at" or e.soft_delete},
            "copies": {c.attribute: {"from": c.entity, "by": c.via, "field": c.field} for c in it.copies},
            "versioned": it.versioned, "shards": it.shards, "item_bytes": it.item_bytes}
    return {"format": FORMAT, "model": model.settings.name, "table": layout.table.name,
            "ttl_attribute": layout.table.ttl_attribute, "type_attribute": layout.table.type_attribute,
            "encodings": KEY_ENCODINGS, "null_in_key": NULL_IN_KEY, "value_encodings": VALUE_ENCODINGS,
            "entities": ents,
            "guards": [{"entity": g.entity, "fields": list(g.fields),
                        "key": {"PK": g.keys.partition, "SK": g.keys.sort}} for g in layout.guards],
            "aggregates": [{"name": a.name, "child": a.child, "parent": a.parent,
                            "key": {"PK": a.keys[0].partition, "SK": a.keys[0].sort},
                            "values": [list(v) for v in a.values], "where": [_filter(c) for c in a.where],
                            "group": list(a.group), "conditional": a.conditional} for a in layout.aggregates],
            "edges": [{"owner": x.owner, "field": x.field, "target": x.target, "type": x.type_value,
                       "key": {"PK": x.keys.partition, "SK": x.keys.sort},
                       "inverted": dict(x.reverse.attributes()) if x.reverse else None} for x in layout.edges]}


def _all_holes(it: EntityItems) -> list[str]:
    return list(dict.fromkeys(h for k in it.keys for t in (k.partition, k.sort or "") for h in holes(t)))


def _rename(e: Entity, template: str, link: bool = False) -> str:
    for h in holes(template):
        base, _, bucket = h.partition("|")
        known = e.field(base.removeprefix(OLD)) is not None
        name = _param(e, base) if known else f"{base}_id" if link else base
        template = template.replace(f"<{h}>", f"<{name}{'|' + bucket if bucket else ''}>")
    return template


def _value(model: Model, e: Entity, field: str, it: EntityItems | None = None) -> dict[str, object]:
    if field.startswith("="):  # a constant: a counter's starting 0
        return {"N": field[1:]}
    if field.startswith(OLD):  # the value read before the write: typed like the field
        (tag, _), = _value(model, e, field[len(OLD):], it).items()
        return {tag: {"$param": _param(e, field)}}
    if "|" in field:  # a value derived from a param: `version|next`
        base, _, how = field.partition("|")
        (tag, value), = _value(model, e, base, it).items()
        return {tag: {"$param": f"{value['$param']}|{how}"}}
    f = e.field(field)
    copy = next((c for c in it.copies if c.attribute == field), None) if it is not None else None
    if f is None and copy is not None:  # a copied attribute: typed like its source field
        source = model.entity(copy.entity).field(copy.field)
        return {attribute_type(source) if source is not None else "S": {"$param": field}}
    if f is None:
        return {"S": {"$param": field}}
    if f.kind is FieldKind.EMBEDDED and f.target is not None:
        return {"M": {sub.name: {attribute_type(sub): {"$param": f"{param_name(e, f.name)}_{sub.name}"}}
                      for sub in model.value_type(f.target).fields}}
    if f.kind is FieldKind.LIST:
        return {"L": {"$param": param_name(e, field), "of": "S"}}
    return {attribute_type(f): {"$param": param_name(e, field)}}


def _key(e: Entity, keys: tuple[tuple[str, str], ...], link: bool = False) -> dict[str, object]:
    return {a: {"S": {"$template": _rename(e, t, link)}} for a, t in keys if a in ("PK", "SK")}


def _member(model: Model, table: Table, e: Entity, it: EntityItems, s: WriteStep) -> dict[str, object]:
    if s.action == "Put":
        link = s.role == "edge"
        item: dict[str, object] = {a: {"S": {"$template": _rename(e, t, link)}} for a, t in s.keys}
        item[table.type_attribute] = {"S": it.type_value if s.role in ("item", "version") else
                        _edge_type(s) if s.role == "edge" else s.role.upper()}
        for attr, field in s.sets:
            item[attr] = {"S": {"$param": f"{field}_id"}} if link and e.field(field) is None else _value(
                model, e, field, it)
        body: dict[str, object] = {"TableName": table.name, "Item": item}
        if s.condition == "not_exists":
            body["ConditionExpression"] = "attribute_not_exists(PK)"
        return {"Put": body}
    if s.action == "Delete":
        body = {"TableName": table.name, "Key": _key(e, s.keys, s.role == "edge")}
        if s.condition == "exists":
            body["ConditionExpression"] = "attribute_exists(PK)"
        return {"Delete": body}
    names: dict[str, str] = {}
    values: dict[str, object] = {}
    sets, adds = [], []
    for i, (attr, field) in enumerate(s.sets):
        names[f"#s{i}"] = attr
        if attr.startswith("GSI"):
            values[f":s{i}"] = {"S": {"$template": _rename(e, field)}}
        else:
            values[f":s{i}"] = _value(model, e, field, it)
        keep = attr in ("id", "created_at") or (s.condition == "none" and attr == "created_at")
        sets.append(f"#s{i} = if_not_exists(#s{i}, :s{i})" if keep else f"#s{i} = :s{i}")
    for i, (attr, amount) in enumerate(s.adds):
        names[f"#a{i}"] = attr
        values[f":a{i}"] = ({"N": amount} if amount.lstrip("-").isdigit()
                            else {"N": {"$param": _param(e, amount.lstrip("-")),
                                        **({"negate": True} if amount.startswith("-") else {})}})
        adds.append(f"#a{i} :a{i}")
    for i, attr in enumerate(s.removes):
        names[f"#r{i}"] = attr
    removes = ", ".join(f"#r{i}" for i in range(len(s.removes)))
    expr = " ".join(x for x in (("SET " + ", ".join(sets)) if sets else "", ("ADD " + ", ".join(adds)) if adds
                                else "", f"REMOVE {removes}" if removes else "") if x)
    if s.role == "aggregate":
        names["#t"], values[":t"] = table.type_attribute, {"S": f"AGG#{(s.aggregate or '').upper()}"}
        expr = expr.replace("SET ", "SET #t = :t, ") if sets else f"SET #t = :t {expr}".strip()
    body = {"TableName": table.name, "Key": _key(e, s.keys), "UpdateExpression": expr,
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
    terms = ["attribute_exists(PK)"] if s.condition == "exists" else []
    for i, (attr, param) in enumerate(s.expects):  # optimistic: the values read first still hold
        names[f"#e{i}"], term = attr, f"#e{i} = :e{i}"
        (tag, value), = _value(model, e, param, it).items()
        values[f":e{i}"] = {tag: {**value, "if_null": {"replace": term, "with": f"attribute_not_exists(#e{i})"}}}
        terms.append(term)
    if terms:
        body["ConditionExpression"] = " AND ".join(terms)
    return {"Update": body}


def _read(model: Model, e: Entity, ref: str) -> dict[str, str]:
    """A value the write reads first to fill a template hole: from the written item itself (GetItem by its
    key), or `via->Entity.field` from the item its reference `via` names (`by` is that reference's param)."""
    via, _, rest = ref.rpartition("->")
    entity, field = rest.split(".", 1)
    if not via:
        return {"entity": entity, "field": field.removeprefix(OLD), "param": _param(model.entity(entity), field)}
    return {"entity": entity, "field": field, "param": f"{via}_{field}", "by": param_name(e, via)}


def _written(w: KeyValueWrite, attribute: str) -> bool:
    return any(a == attribute for s in w.steps for a, _ in s.sets)


def _edge_type(s: WriteStep) -> str:
    sort = dict(s.keys).get("SK", "")
    return sort.split("#", 1)[0]


def _params(model: Model, e: Entity, w: KeyValueWrite) -> list[dict[str, object]]:
    declared = next((x for x in model.writes if x.name == w.write), None)
    by = set(declared.by) if declared is not None else set()
    out: list[dict[str, object]] = []
    for p in w.params:
        f = e.field(p)
        generated = p == "updated_at" or (p in ("id", "created_at") and p not in by
                                          and w.op in ("insert", "upsert"))
        if f is not None and f.kind is FieldKind.EMBEDDED and f.target is not None:  # one param per member
            out += [{"name": f"{param_name(e, p)}_{sub.name}", "type": param_type(model, e, p),
                     "nullable": f.optional or sub.optional} for sub in model.value_type(f.target).fields]
            continue
        out.append({"name": _write_param(e, w, p), "type": _write_type(model, e, w, p),
                    "nullable": bool(f is not None and (f.optional or f.name == "deleted_at")),
                    **({"generated": p} if generated else {})})
    return out


def _write_param(e: Entity, w: KeyValueWrite, p: str) -> str:
    if w.op == "link" and e.field(p) is None:
        return f"{p}_id"
    return param_name(e, p)


def _write_type(model: Model, e: Entity, w: KeyValueWrite, p: str) -> str:
    if w.op == "link" and e.field(p) is None:
        return param_type(model, e, "id")
    return param_type(model, e, p)


def writes_doc(model: Model, layout: KeyValueLayout) -> dict[str, object]:
    by_entity = {it.entity: it for it in layout.entities}
    out = []
    for w in layout.writes:
        e = model.entity(w.entity)
        it = by_entity[w.entity]
        conditional = [s for s in w.steps if s.sets and any(v[0] != "updated_at" for v in s.sets)
                       and s.role == "aggregate" and not s.adds]
        members = [_member(model, layout.table, e, it, s) for s in w.steps if s not in conditional]
        sent = [x for x in w.steps if x not in conditional]
        whens = {i: [_filter(c, e) for c in s.when] for i, s in enumerate(sent) if s.when}
        moves = [[i, j] for i, s in enumerate(sent) for j, t in enumerate(sent)
                 if s.move == "old" and t.move == "new" and s.aggregate == t.aggregate]
        out.append({
            "name": w.write, "entity": w.entity, "op": w.op,
            "transaction": len(members) > 1 or any(r.transaction for r in w.refreshes),
            "params": _params(model, e, w),
            "copies": [{"param": c.attribute, "from": c.entity, "by": param_name(e, c.via), "field": c.field}
                       for c in it.copies if _written(w, c.attribute)],
            "reads": [_read(model, e, r) for r in w.reads], "items": members, "sparse": _sparse(e, it, w),
            "when": {str(k): v for k, v in whens.items()},
            **({"moves": moves} if moves else {}),
            "then": [_conditional_max(model, layout.table, e, s) for s in conditional],
            **({"refresh": refresh_doc(model, layout.table, w)} if w.refreshes else {}),
            "wcu": w.wcu})
    return {"format": FORMAT, "writes": out}


def _sparse(e: Entity, it: EntityItems, w: KeyValueWrite) -> dict[str, object]:
    """Index key attributes written only while their conditions hold on the written values (else left out
    of a Put, or REMOVEd by an Update): a sparse index (DDB-I03)."""
    written = {a for s in w.steps if s.role == "item" for a, _ in (*s.keys, *s.sets)}
    out: dict[str, object] = {}
    for k in it.keys:
        if k.index is not None and k.sparse:
            for attr, _ in k.attributes():
                if attr in written:
                    out[attr] = {"when": [_filter(c, e) for c in k.sparse]}
    return out


def _conditional_max(model: Model, table: Table, e: Entity, s: WriteStep) -> dict[str, object]:
    member = _member(model, table, e, EntityItems(entity=e.name, keys=(), type_value="AGG"), s)["Update"]
    attr, field = s.sets[0]
    member["ConditionExpression"] = "attribute_not_exists(#s0) OR #s0 < :s0"  # type: ignore[index]
    member["UpdateExpression"] = "SET #t = :t, " + ", ".join(  # type: ignore[index]
        f"#s{i} = :s{i}" for i in range(len(s.sets)))
    return {"UpdateItem": member, "on_condition_failure": "ignore (the stored value is already higher)",
            "aggregate": s.aggregate, "value": f"{attr} = max({field})"}
