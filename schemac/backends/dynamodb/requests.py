"""access_patterns.json: per pattern the boto3 request of each step, its key templates, params and the
result columns (the PostgreSQL target's names, each with the attribute that holds it)."""

from __future__ import annotations

from schemac.backends.dynamodb.names import param_name, param_type, result_columns
from schemac.compiler.design.keyvalue.encoding import key_encoding
from schemac.compiler.design.keyvalue.layout import Filter, KeyValueAccess, ReadStep
from schemac.compiler.model import Entity, Model, Query

_FILTER_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def pattern_params(model: Model, q: Query) -> list[dict[str, object]]:
    e = model.entity(q.entity)
    out: list[dict[str, object]] = []
    t = e.tenant_field
    if t is not None:
        out.append({"name": param_name(e, t.name), "type": param_type(model, e, t.name), "nullable": False})
    for p in q.params:
        owner = model.entity(p.entity)
        out.append({"name": p.name, "type": param_type(model, owner, p.field), "nullable": False,
                    **({"list": True} if p.is_list else {})})
    return out


def param_encodings(model: Model, q: Query) -> dict[str, str]:
    e = model.entity(q.entity)
    out: dict[str, str] = {}
    if e.tenant_field is not None:
        out[param_name(e, e.tenant_field.name)] = "plain"
    for p in q.params:
        owner = model.entity(p.entity)
        # a bucketed range (`week(created_at) between ? and ?`) compares bucket starts with the bounds as given
        out[p.name] = key_encoding(owner, p.field)
    return out


def _key_request(table: str, st: ReadStep) -> tuple[dict[str, object], dict[str, str]]:
    k = st.key
    if st.operation in ("GetItem", "BatchGetItem"):
        req: dict[str, object] = {"TableName": table, "Key": {k.partition_attr: {"S": {"$key": k.partition_attr}},
                                                              **({k.sort_attr: {"S": {"$key": k.sort_attr}}}
                                                                 if k.sort_attr else {})}}
        values = {k.partition_attr: k.partition, **({k.sort_attr: k.sort or ""} if k.sort_attr else {})}
        if st.consistent:
            req["ConsistentRead"] = True
        return req, values
    names = {"#pk": k.partition_attr}
    values = {":pk": k.partition}
    cond = "#pk = :pk"
    if k.sort_op == "begins_with":
        names["#sk"] = k.sort_attr or "SK"
        values[":sk"] = k.sort or ""
        cond += " AND begins_with(#sk, :sk)"
    elif k.sort_op == "between":
        names["#sk"] = k.sort_attr or "SK"
        values[":sk"], values[":sk2"] = k.sort or "", k.sort_high or ""
        cond += " AND #sk BETWEEN :sk AND :sk2"
    elif k.sort_op == "=":
        names["#sk"] = k.sort_attr or "SK"
        values[":sk"] = k.sort or ""
        cond += " AND #sk = :sk"
    req = {"TableName": table, **({"IndexName": k.index} if k.index else {}), "KeyConditionExpression": cond,
           "ExpressionAttributeNames": names, "ExpressionAttributeValues": {
               p: {"S": {"$key": p}} for p in values}}
    if st.descending:
        req["ScanIndexForward"] = False
    if st.limit is not None:
        req["Limit"] = st.limit
    req["ConsistentRead"] = st.consistent
    return req, values


def _filter(req: dict[str, object], filters: tuple[Filter, ...], e: Entity) -> dict[str, object] | None:
    if not filters:
        return None
    names = req.setdefault("ExpressionAttributeNames", {})
    values = req.setdefault("ExpressionAttributeValues", {})
    parts = []
    for i, f in enumerate(filters):
        n, v = f"#f{i}", f":f{i}"
        names[n] = f.field  # type: ignore[index]
        if f.op == "is_null":
            parts.append(f"attribute_not_exists({n})")
        elif f.op == "is_not_null":
            parts.append(f"attribute_exists({n})")
        elif f.op == "in":
            parts.append(f"{n} IN ({v})")
            values[v] = {"$param": f.param, "expand": "list"}  # type: ignore[index]
        elif f.op == "between":
            parts.append(f"{n} BETWEEN {v}a AND {v}b")
            values[f"{v}a"] = {"$param": f.param}  # type: ignore[index]
            values[f"{v}b"] = {"$param": f.param2}  # type: ignore[index]
        else:
            parts.append(f"{n} {_FILTER_OPS[f.op]} {v}")
            values[v] = _value(f)  # type: ignore[index]
    expression = " AND ".join(parts)
    req["FilterExpression"] = expression
    return {"expression": expression}


def _value(f: Filter) -> dict[str, object]:
    if f.param == "$now":  # the time of the read, as the TTL attribute holds it
        return {"N": {"$now": "epoch"}}
    if f.param is not None:
        return {"$param": f.param}
    if isinstance(f.value, bool):
        return {"BOOL": f.value}
    if isinstance(f.value, int | float):
        return {"N": str(f.value)}
    return {"S": str(f.value)}


def pattern_entry(model: Model, table: str, a: KeyValueAccess) -> dict[str, object]:
    q = next(q for q in model.queries if q.name == a.pattern)
    e = model.entity(a.entity)
    entry: dict[str, object] = {"name": a.pattern, "params": pattern_params(model, q),
                                "param_encodings": param_encodings(model, q)}
    if not a.steps:
        entry.update({"operation": None, "unserved": a.unserved})
        return entry
    first = a.steps[0]
    req, values = _key_request(table, first)
    flt = _filter(req, first.filters, e)
    entry.update({"operation": first.operation, "index": first.key.index, "request": req, "key_values": values,
                  "types": list(first.types), "filter": None if flt is None else {
                      **flt, "cost": f"reads about {first.items_read:g} items to return {first.items_returned:g}"},
                  "shards": a.shards, "ordered": bool(q.order) and not q.group,
                  "follow_ups": [_follow_up(model, table, st) for st in a.steps[1:]],
                  "paginate": first.limit is None, "limit": q.limit,
                  "rcu": a.rcu, "round_trips": a.round_trips})
    if a.group is not None:
        entry["group"] = {"by": list(a.group.by), "aggregates": [list(x) for x in a.group.aggregates]}
    if a.aggregate is not None:
        entry["aggregate"] = a.aggregate
    if a.client_order:
        entry["client_order"] = {"by": [[f, "desc" if d else "asc"] for f, d in a.client_order],
                                 "limit": a.client_limit}
    rows = next((s for s in a.steps if s.name in ("", "item") and "GUARD" not in s.types), first)
    entry["result"] = {"rows": {"step": rows.name, "types": list(_row_types(q, rows))},
                       "columns": result_columns(model, q, a.copied, a.collection), "omitted": ["deleted_at"]}
    return entry


def _row_types(q: Query, step: ReadStep) -> tuple[str, ...]:
    """The item types that are result rows: every listed entity of a union, else the step's first type."""
    return step.types if q.is_union else step.types[:1]


def _follow_up(model: Model, table: str, st: ReadStep) -> dict[str, object]:
    req, values = _key_request(table, st)
    return {"name": st.name, "operation": st.operation, "for": f"include {st.name}" if st.name != "item"
            else "the item the guard item names", "after": st.after, "per_item": st.per_item,
            "index": st.key.index, "types": list(st.types), "request": req, "keys_from": values,
            "rcu": st.rcu}
