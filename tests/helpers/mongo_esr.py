"""Index service read statically from queries.json and collections.json: is each pattern's filter and sort
served by its index in ESR order, and is a partial index used only where the query implies its filter?

A filter's conditions are classed per field: equality (a value, `$eq`, `$in`, `$elemMatch`), range (`$gt`,
`$gte`, `$lt`, `$lte`, `$ne`, `$nin`, `$exists`, `$regex`, `$type`, `$not`), text (`$text`), or unserved
(`$or`, `$nor`, `$expr`, `$where`). For the index the pattern names (`index`), `esr_problems` checks:

* the tenant key leads when the filter has the tenant by equality;
* the index starts with the equality fields (any order among them), less those fixed by its
  partialFilterExpression; then the sort keys in order, in the index's directions or all reversed (a sort key
  that is an equality field is no sort at all); then the range fields (a range on the first sort key is
  the sort itself);
* every filter field is in the index or implied by its partial filter, except a live-document test
  (`field: null`, the soft-delete filter: a residual test that drops few documents);
* a partial index: the filter implies its partialFilterExpression (each of its conditions is in the filter
  as it is, or the filter's equality value satisfies it);
* a text search uses a text index whose prefix keys are equality fields;
* a pattern without an index (or with `_id_`, every collection's own) reads one document by `_id`; a
  unique index whose keys are all equality fields reads at most one document, whatever else the filter tests;
* `deleted_at: {"$type": "null"}` is the live-document test (an equality with null that a partial filter
  implies), as is `field: null` on a field the index does not hold; on one of its keys, `field: null` is an
  equality on that key like any other; `$in` is an equality,
  or a range when a sort follows it (MongoDB's ESR guidance).

An aggregate's filter is its pipeline's leading `$match`, its sort the `$sort` right after it; each
`$unionWith` branch must be served in the same way by one of its own collection's indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mongomock import filtering

from tests.helpers.mongo_mock import patch_mongomock

EQUALITY_OPS = {"$eq", "$in", "$elemMatch", "$all"}
RANGE_OPS = {"$gt", "$gte", "$lt", "$lte", "$ne", "$nin", "$exists", "$regex", "$type", "$not", "$options",
             "$size", "$mod"}
UNSERVED = {"$or", "$nor", "$expr", "$where"}
ID_INDEX: dict[str, Any] = {"name": "_id_", "key": [["_id", 1]], "unique": True}  # every collection's own


@dataclass
class Shape:
    """A filter's fields by class, and the sort."""

    equality: dict[str, Any] = field(default_factory=dict)  # field -> value (or its condition)
    ranges: list[str] = field(default_factory=list)
    text: bool = False
    unserved: list[str] = field(default_factory=list)
    conditions: dict[str, Any] = field(default_factory=dict)  # field -> the condition as written
    in_fields: list[str] = field(default_factory=list)  # equality by `$in`: a range once a sort follows
    sort: list[tuple[str, int]] = field(default_factory=list)
    live: set[str] = field(default_factory=set)  # fields tested by `{"$type": "null"}`, the live-document test


def shape_of(flt: dict[str, Any], sort: list[tuple[str, int]] | None = None) -> Shape:
    s = Shape(sort=list(sort or []))
    _classify(flt or {}, s)
    return s


def _classify(flt: dict[str, Any], s: Shape) -> None:
    for k, v in flt.items():
        if k == "$and":
            for part in v:
                _classify(part, s)
        elif k == "$text":
            s.text = True
        elif k in UNSERVED or k.startswith("$"):
            s.unserved.append(k)
        else:
            s.conditions[k] = v
            if v == {"$type": "null"}:  # the live-document test, written so that an index can serve it
                s.equality[k] = None
                s.live.add(k)
                continue
            is_param = isinstance(v, dict) and set(v) == {"$param"}
            ops = set(v) if isinstance(v, dict) and v and not is_param and all(str(x).startswith("$") for x in v) \
                else set()
            if not ops or ops <= EQUALITY_OPS:
                s.equality[k] = v.get("$eq", v) if ops == {"$eq"} else v
                if "$in" in ops:
                    s.in_fields.append(k)
            elif ops & RANGE_OPS:
                s.ranges.append(k)
            else:
                s.unserved.append(k)


def pattern_shapes(pattern: dict[str, Any]) -> list[tuple[str, Shape]]:
    """(collection, shape) of the pattern, then of each `$unionWith` branch."""
    if pattern.get("kind") == "find":
        return [(pattern["collection"], shape_of(pattern.get("filter") or {},
                                                [(k, d) for k, d in pattern.get("sort") or []]))]
    out = [(pattern["collection"], _pipeline_shape(pattern.get("pipeline") or []))]
    for stage in pattern.get("pipeline") or []:
        if "$unionWith" in stage:
            spec = stage["$unionWith"]
            coll, sub = (spec, []) if isinstance(spec, str) else (spec["coll"], spec.get("pipeline") or [])
            out.append((coll, _pipeline_shape(sub)))
    return out


def _pipeline_shape(pipeline: list[dict[str, Any]]) -> Shape:
    flt = pipeline[0]["$match"] if pipeline and "$match" in pipeline[0] else {}
    sort: list[tuple[str, int]] = []
    if flt and len(pipeline) > 1 and "$sort" in pipeline[1]:
        sort = [(k, int(d)) for k, d in pipeline[1]["$sort"].items()]
    return shape_of(flt, sort)


def implies(s: Shape, partial: dict[str, Any]) -> list[str]:
    """The conditions of `partial` that the filter does not imply ([] when it implies them all)."""
    patch_mongomock()
    missing = []
    for k, cond in partial.items():
        if k == "$and":
            missing += [m for part in cond for m in implies(s, part)]
        elif not _implied(s, k, cond):
            missing.append(f"{k}: {cond}")
    return missing


def _implied(s: Shape, k: str, cond: Any) -> bool:
    if k in s.conditions and s.conditions[k] == cond:
        return True
    value = s.equality.get(k, {})
    return not isinstance(value, dict) and bool(filtering.filter_applies({k: cond}, {k: value}))


def _fixed_by(partial: dict[str, Any] | None) -> set[str]:
    """Fields a partial filter pins to one value (`{"status": "open"}`, `{"status": {"$eq": "open"}}`)."""
    out: set[str] = set()
    for k, cond in (partial or {}).items():
        if k == "$and":
            for part in cond:
                out |= _fixed_by(part)
        elif not isinstance(cond, dict) or set(cond) == {"$eq"}:
            out.add(k)
    return out


def esr_problems(s: Shape, ix: dict[str, Any] | None, *, tenant: str | None) -> list[str]:
    """How index `ix` fails to serve shape `s` (see the module's docstring); [] when it serves it."""
    if s.unserved:
        return [f"filter parts no index serves: {s.unserved}"]
    if ix is None:
        if "_id" in s.equality and not s.sort:
            return []
        return ["no index, and not a read of one document by _id"]
    keys = [(str(k), d) for k, d in ix["key"]]
    names = [k for k, _ in keys]
    if ix.get("unique") and not ix.get("partialFilterExpression") and set(names) <= set(s.equality):
        return []  # one document at most: every other condition is a test on it, any sort is trivial
    if s.sort and s.in_fields:  # `$in` then a sort: MongoDB reads the in-list as a range (ESR)
        s = Shape({k: v for k, v in s.equality.items() if k not in s.in_fields}, [*s.ranges, *s.in_fields],
                  s.text, s.unserved, s.conditions, sort=s.sort, live=s.live)
    partial = ix.get("partialFilterExpression")
    problems = [f"the filter does not imply the partial filter ({m})" for m in implies(s, partial or {})]
    if tenant is not None and tenant in s.equality and names[0] != tenant:
        problems.append(f"the tenant {tenant} does not lead the index {names}")
    equality = [f for f in s.equality if f not in _fixed_by(partial) and not _live_test(s, f, names)]
    if s.text:
        text_at = [i for i, (_k, d) in enumerate(keys) if d == "text"]
        if not text_at:
            return [*problems, f"a text search, and {ix['name']} is no text index"]
        prefix = set(names[: text_at[0]])
        if not prefix <= set(s.equality):
            problems.append(f"text index prefix {sorted(prefix)} is not all equality fields {sorted(s.equality)}")
        return problems
    head = names[: len(equality)]
    if set(head) != set(equality):
        problems.append(f"equality fields {sorted(equality)} are not the index's first keys {names}")
        return problems
    pos = len(equality)
    sort = [(k, d) for k, d in s.sort if k not in s.equality]
    if sort:
        got = keys[pos: pos + len(sort)]
        same = [k for k, _ in got] == [k for k, _ in sort]
        forward = all(d == gd for (_, d), (_, gd) in zip(sort, got, strict=False))
        backward = all(d == -gd for (_, d), (_, gd) in zip(sort, got, strict=False) if isinstance(gd, int))
        if not same or not (forward or backward):
            problems.append(f"sort {sort} does not follow the equality keys of {keys} (ESR: equality, sort, range)")
            return problems
        pos += len(sort)
    ranges = [r for r in dict.fromkeys(s.ranges) if not (sort and r == sort[0][0])]
    rest = names[pos:]
    for r in ranges:
        if r not in rest:
            problems.append(f"range field {r} is not after the equality and sort keys of {names}")
    for f in s.equality:
        if f not in names and f not in _fixed_by(partial) and not _live_test(s, f, names):
            problems.append(f"equality field {f} is not in the index")
    return problems


def _live_test(s: Shape, f: str, names: list[str]) -> bool:
    """A live-document test: `{"$type": "null"}`, or an equality with null on a field the index does not hold (a
    test on the fetched document); a null equality on one of the index's keys (`sla_due_at: null`, the null
    documents of a nulls-last read) is an equality on that key, placed like any other."""
    return f in s.live or (s.equality.get(f, 0) is None and f not in names)


def tenant_keys(spec: dict[str, Any], model: Any) -> dict[str, str | None]:
    """Per collection, the document key of its tenant field (None for a collection without tenant)."""
    out: dict[str, str | None] = {c["name"]: None for c in spec["collections"]}
    for name, m in (spec.get("entities") or {}).items():
        coll = m.get("collection")
        e = model.entity(name)
        if coll and e.tenant_field is not None:
            out[coll] = (m.get("fields") or {}).get(e.tenant_field.name)
    return out


def pattern_problems(pattern: dict[str, Any], spec: dict[str, Any], tenants: dict[str, str | None]) -> list[str]:
    """Every way the pattern's reads are not served by an index in ESR order."""
    indexes = {c["name"]: {ix["name"]: ix for ix in c.get("indexes") or []} for c in spec["collections"]}
    problems: list[str] = []
    for n, (coll, s) in enumerate(pattern_shapes(pattern)):
        if coll not in indexes:
            problems.append(f"collection {coll} is not in collections.json")
            continue
        if n == 0:
            name = pattern.get("index")
            indexes[coll].setdefault(ID_INDEX["name"], ID_INDEX)
            if name is not None and name not in indexes[coll]:
                problems.append(f"index {name} is not an index of {coll}")
                continue
            problems += esr_problems(s, indexes[coll].get(name) if name else None, tenant=tenants.get(coll))
        else:
            tried = [esr_problems(s, ix, tenant=tenants.get(coll)) for ix in indexes[coll].values()]
            if not any(not t for t in tried):
                problems.append(f"$unionWith {coll}: no index serves {s.conditions} sorted by {s.sort}")
    return problems
