"""Filters, updates and pipelines as MongoDB documents, and those documents as JSON or mongosh JavaScript.

A parameter is a `Param` in the built structure: JSON shows it as `{"$param": name}` (the whole value), the
JavaScript as `p.name`. Nothing here parses text: the structures are built from the design's typed records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from schemac.compiler.design.document.layout import Cond, DocumentAccess, Stage

LIVE_TYPE = {"$type": "null"}


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class NegatedParam:
    """A parameter subtracted (`$inc` by minus its value): JSON `{"$param": name, "negate": true}`,
    JavaScript `-p.name`."""

    name: str


def value(c: Cond) -> object:
    return Param(c.param) if c.param is not None else c.value


_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "ne": "$ne", "in": "$in"}


def bucket_end(c: Cond) -> dict[str, object]:
    """The end of the bucket that starts at the parameter: `$dateAdd` of one bucket, in UTC."""
    return {"$dateAdd": {"startDate": value(c), "unit": c.bucket, "amount": 1, "timezone": "UTC"}}


def _expr(c: Cond) -> dict[str, object]:
    op = "$lt" if c.op == "before_end" else "$gte"
    return {op: [f"${c.path}", bucket_end(c)]}


def filter_doc(conds: tuple[Cond, ...] | list[Cond]) -> dict[str, object]:
    out: dict[str, object] = {}
    exprs = [_expr(c) for c in conds if c.bucket is not None]
    for c in conds:
        if c.bucket is not None:
            continue
        if c.op == "text":
            out["$text"] = {"$search": value(c)}
            continue
        if c.op == "eq":
            term: object = value(c)
        elif c.op == "live":
            term = dict(LIVE_TYPE)
        elif c.op == "null":
            term = None
        elif c.op == "not_null":
            term = {"$ne": None}
        elif c.op == "type":
            term = {"$type": c.value}
        else:
            term = {_OPS[c.op]: value(c)}
        old = out.get(c.path)
        if isinstance(old, dict) and isinstance(term, dict) and all(k.startswith("$") for k in {**old, **term}):
            out[c.path] = {**old, **term}
        else:
            out[c.path] = term
    if exprs:
        out["$expr"] = exprs[0] if len(exprs) == 1 else {"$and": exprs}
    return out


def match_doc(a: DocumentAccess) -> dict[str, object]:
    """`a`'s filter, and past a keyset cursor: `$or` of equalities on a prefix of the keys and one range on the
    next (one clause needs no `$or`)."""
    out = filter_doc(a.filter)
    clauses: list[dict[str, object]] = []
    for i, (key, direction, param) in enumerate(a.keyset):
        clause: dict[str, object] = {k: Param(p) for k, _, p in a.keyset[:i]}
        clause[key] = {"$gt" if direction == 1 else "$lt": Param(param)}
        clauses.append(clause)
    if len(clauses) == 1 and not set(clauses[0]) & set(out):
        out.update(clauses[0])
    elif clauses:
        out["$or"] = clauses
    return out


def sort_doc(keys: tuple[tuple[str, int], ...]) -> dict[str, int]:
    return {k: d for k, d in keys}


def stage_docs(s: Stage) -> list[dict[str, object]]:
    if s.kind == "element":
        # the parent's keys go into the element, which then becomes the row
        merged = {f"{s.path}.{k}": f"${p}" for k, p in s.keys}
        out: list[dict[str, object]] = [{"$unwind": f"${s.path}"}, {"$addFields": merged},
                                        {"$replaceRoot": {"newRoot": f"${s.path}"}}]
        if s.filter:
            out.append({"$match": filter_doc(s.filter)})
        return out
    if s.kind == "group":
        units = dict(s.buckets)
        group: dict[str, object] = {"_id": {k: _bucket(f"${p}", units[k]) if k in units else f"${p}"
                                            for k, p in s.keys}}
        for name, func, path in s.accumulators:
            group[name] = _accumulator(func, path)
        return [{"$group": group}]
    raise ValueError(s.kind)


def _bucket(path: str, unit: str) -> dict[str, object]:
    """A time bucket's start: `$dateTrunc` in UTC, weeks starting on Monday (as the SQL targets)."""
    trunc: dict[str, object] = {"date": path, "unit": unit, "timezone": "UTC"}
    if unit == "week":
        trunc["startOfWeek"] = "monday"
    return {"$dateTrunc": trunc}


def _accumulator(func: str, path: str | None) -> object:
    if func == "count":
        return {"$sum": 1} if path is None or path == "_id" else \
            {"$sum": {"$cond": [{"$eq": [{"$ifNull": [f"${path}", None]}, None]}, 0, 1]}}
    return {f"${func}": f"${path}"}


def pipeline(a: DocumentAccess) -> list[dict[str, object]]:
    """The aggregate's pipeline: $match, then its stages, sort and limit; a union's branches as $unionWith."""
    out: list[dict[str, object]] = [{"$match": match_doc(a)}]
    if a.sort:
        out.append({"$sort": sort_doc(a.sort)})
    if a.limit is not None:
        out.append({"$limit": a.limit})
    for s in a.stages:
        out += stage_docs(s)
    if a.project or a.type_value:
        out.append({"$project": _project(a)})
    for b in a.branches:
        out.append({"$unionWith": {"coll": b.collection, "pipeline": pipeline(b)}})
    post_sort = a.post_sort
    if a.null_rank is not None:
        out.append({"$addFields": {NULL_RANK: null_rank(a.null_rank)}})
        post_sort = ((NULL_RANK, a.post_sort[0][1] if a.post_sort else 1), *a.post_sort)
    if post_sort:
        out.append({"$sort": sort_doc(post_sort)})
    if a.post_limit is not None:
        out.append({"$limit": a.post_limit})
    if a.null_rank is not None:
        out.append({"$project": {NULL_RANK: 0}})
    return out


NULL_RANK = "_null_rank"  # no document key starts with `_` but `_id`: the rank cannot shadow a stored field


def null_rank(key: str) -> dict[str, object]:
    """1 where `key` is null or missing, else 0: sorted in the first sort key's direction, the null documents
    count as greater than every value, which is PostgreSQL's order (after them ascending, before descending)."""
    return {"$cond": [{"$eq": [{"$ifNull": [f"${key}", None]}, None]}, 1, 0]}


def _project(a: DocumentAccess) -> dict[str, object]:
    out: dict[str, object] = {"_id": 0}
    for key, path in a.project:
        out[key] = f"${path}"
    if a.type_value is not None:
        out["entity"] = {"$literal": a.type_value}
    return out


def projection(a: DocumentAccess) -> dict[str, int] | None:
    if not a.projection:
        return None
    out = {p: 1 for p in a.projection}
    if "_id" not in out:
        out["_id"] = 0
    return out


# -- output ---------------------------------------------------------------------------------------------------------


def to_json_value(v: object) -> object:
    if isinstance(v, Param):
        return {"$param": v.name}
    if isinstance(v, NegatedParam):
        return {"$param": v.name, "negate": True}
    if isinstance(v, dict):
        return {k: to_json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_json_value(x) for x in v]
    if isinstance(v, Decimal):
        return {"$numberDecimal": str(v)}  # Extended JSON v2: bson.json_util reads a Decimal128
    return v


def dumps(v: object) -> str:
    return json.dumps(to_json_value(v), indent=2, ensure_ascii=False) + "\n"


def to_js(v: object, indent: int = 0) -> str:
    """A JavaScript expression for `v`; a parameter is `p.<name>` (bracketed when not an identifier)."""
    if isinstance(v, Param):
        return f"p.{v.name}" if v.name.isidentifier() else f"p[{json.dumps(v.name)}]"
    if isinstance(v, NegatedParam):
        return f"-{to_js(Param(v.name))}"
    if isinstance(v, dict):
        if not v:
            return "{}"
        pad = "  " * (indent + 1)
        items = [f"{pad}{json.dumps(k)}: {to_js(x, indent + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        pad = "  " * (indent + 1)
        return "[\n" + ",\n".join(pad + to_js(x, indent + 1) for x in v) + "\n" + "  " * indent + "]"
    if isinstance(v, Decimal):
        return f"Decimal128({json.dumps(str(v))})"
    return json.dumps(v, ensure_ascii=False)
