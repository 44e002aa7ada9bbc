"""writes.json `refresh`: per write, the Query that finds the items holding copies of a field it changes, and
the UpdateItem sent for each item found (DDB-T04), with `{"$item": "<attribute>"}` holes taken from that item.
"""

from __future__ import annotations

from schemac.backends.dynamodb.names import param_name
from schemac.compiler.design.keyvalue.encoding import attribute_type
from schemac.compiler.design.keyvalue.layout import CopyRefresh, KeyValueWrite, Table
from schemac.compiler.model import Entity, Model


def refresh_doc(model: Model, table: Table, w: KeyValueWrite) -> list[dict[str, object]]:
    source = model.entity(w.entity)
    return [_one(model, table, source, r) for r in w.refreshes]


def _rename(source: Entity, template: str) -> str:
    for f in source.fields:
        template = template.replace(f"<{f.name}>", f"<{param_name(source, f.name)}>")
    return template


def _query(table: Table, source: Entity, r: CopyRefresh) -> dict[str, object]:
    names = {"#pk": r.key.partition_attr, "#t": table.type_attribute, "#k0": "PK", "#k1": "SK"}
    values: dict[str, object] = {":pk": {"S": {"$template": _rename(source, r.key.partition)}},
                                 ":t": {"S": r.types[0]}}
    condition = "#pk = :pk"
    if r.key.sort_op == "begins_with" and r.key.sort and r.key.sort_attr:
        names["#sk"], values[":sk"] = r.key.sort_attr, {"S": r.key.sort}
        condition += " AND begins_with(#sk, :sk)"
    request: dict[str, object] = {"TableName": table.name}
    if r.key.index is not None:
        request["IndexName"] = r.key.index
    request |= {"KeyConditionExpression": condition, "FilterExpression": "#t = :t",
                "ProjectionExpression": "#k0, #k1", "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values}
    return request


def _update(model: Model, table: Table, source: Entity, r: CopyRefresh) -> dict[str, object]:
    holder = model.entity(r.entity)
    via = holder.field(r.via)
    names: dict[str, str] = {"#r": r.via}
    values: dict[str, object] = {":r": {attribute_type(via) if via is not None else "S":
                                        {"$param": param_name(source, "id")}}}
    terms = []
    for i, (attr, field) in enumerate(r.attributes):
        names[f"#c{i}"] = attr
        if r.remove:
            terms.append(f"#c{i}")
            continue
        f = source.field(field)
        values[f":c{i}"] = {attribute_type(f) if f is not None else "S": {"$param": param_name(source, field)}}
        terms.append(f"#c{i} = :c{i}")
    expression = ("REMOVE " if r.remove else "SET ") + ", ".join(terms)
    return {"Update": {"TableName": table.name, "Key": {"PK": {"$item": "PK"}, "SK": {"$item": "SK"}},
                       "UpdateExpression": expression, "ConditionExpression": "#r = :r",
                       "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}


def _one(model: Model, table: Table, source: Entity, r: CopyRefresh) -> dict[str, object]:
    return {"entity": r.entity, "copies": [{"attribute": a, "field": f} for a, f in r.attributes],
            "query": _query(table, source, r), "paginate": True, "update": _update(model, table, source, r),
            "in_transaction": r.transaction,
            "batch": None if r.transaction else 100, "items": round(r.items, 2)}
