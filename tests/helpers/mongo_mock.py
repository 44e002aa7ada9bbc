"""collections.json and queries.json run on mongomock (with pymongo's bson), as a pymongo application would.

* `patch_mongomock()`: mongomock 4.3 cannot order Decimal128 values (`NotImplementedError: ... does not know
  how to sort`); MongoDB compares decimals with the other numbers by value, so its comparison gets that rule.
  Its `$type` lacks "null" and takes a small int64 for an "int": both get MongoDB's meaning. It lacks the
  `$mergeObjects` expression: it is added (objects merged left to right, null and missing skipped); its `$inc`
  cannot add Decimal128 values: they are added as decimals.
* `create_indexes(db, spec)` / `load(db, spec, documents)`: the collections, every index with its options
  (unique, partialFilterExpression, expireAfterSeconds), then the documents.
* `bind(template, params)`: a request template with every `{"$param": name}` replaced by the encoded value.
* `run_pattern(db, pattern, params)`: one queries.json pattern, `find` (filter, sort, projection, limit) or
  `aggregate` (its pipeline; `$unionWith`, which mongomock lacks, is run as MongoDB defines it: the other
  collection's pipeline appended to this one's documents). With `unlimited=True` the pattern runs without its
  limit (`limit`, or the pipeline's `$limit` stages), which tells whether rows tied at a cut may differ.
  `$text`, which mongomock lacks too, is run as `text_search` says.
"""

from __future__ import annotations

import copy
import decimal
import itertools
import re
from collections.abc import Callable
from typing import Any

import mongomock
from bson import Decimal128, Int64
from mongomock import aggregate as mm_aggregate
from mongomock import collection as mm_collection
from mongomock import filtering
from mongomock import helpers as mm_helpers

from tests.helpers.mongo_docs import Doc, encode

_PATCHED: list[Callable[..., Any]] = []


def patch_mongomock() -> None:
    """Let mongomock compare Decimal128 with numbers by value, as MongoDB does (once per process)."""
    if _PATCHED:
        return
    original = filtering.bson_compare

    def plain(v: Any) -> Any:
        return v.to_decimal() if isinstance(v, Decimal128) else v

    def bson_compare(op: Any, a: Any, b: Any, can_compare_types: bool = True) -> Any:
        return original(op, plain(a), plain(b), can_compare_types)

    filtering.bson_compare = bson_compare
    # `$type` as MongoDB has it: "null" is a null value (not a missing field), "long" an int64 whatever its size
    filtering.TYPE_MAP["null"] = lambda v: v is None
    filtering.TYPE_MAP["long"] = lambda v: isinstance(v, Int64) or (
        isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 32)
    filtering.TYPE_MAP["int"] = lambda v: isinstance(v, int) and not isinstance(v, bool | Int64) and (
        v.bit_length() <= 32)
    parse = mm_aggregate._Parser.parse

    def parse_merge(self: Any, expression: Any) -> Any:  # `$mergeObjects`, which mongomock lacks
        if isinstance(expression, dict) and set(expression) == {"$mergeObjects"}:
            args = expression["$mergeObjects"]
            merged: dict[str, Any] = {}
            for arg in args if isinstance(args, list) else [args]:
                try:
                    value = parse(self, arg)
                except KeyError:  # a missing field is skipped, as MongoDB skips null and missing
                    continue
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        return parse(self, expression)

    mm_aggregate._Parser.parse = parse_merge
    inc = mm_collection._updaters["$inc"]

    def inc_decimal(doc: Any, field_name: str, value: Any) -> None:  # `$inc` of decimals, as MongoDB adds them
        current = doc.get(field_name) if isinstance(doc, dict) else None
        if isinstance(doc, dict) and (isinstance(value, Decimal128) or isinstance(current, Decimal128)):
            doc[field_name] = Decimal128(_decimal(current or 0) + _decimal(value))
            return
        inc(doc, field_name, value)

    mm_collection._updaters["$inc"] = inc_decimal
    _PATCHED.append(original)


def _decimal(v: Any) -> decimal.Decimal:
    return v.to_decimal() if isinstance(v, Decimal128) else decimal.Decimal(str(v))


def new_database(name: str = "proof") -> Any:
    patch_mongomock()
    return mongomock.MongoClient(tz_aware=True)[name]


def index_options(ix: dict[str, Any]) -> dict[str, Any]:
    """create_index keyword arguments of one collections.json index."""
    opts: dict[str, Any] = {"name": ix["name"]}
    if ix.get("unique"):
        opts["unique"] = True
    if ix.get("partialFilterExpression") is not None:
        opts["partialFilterExpression"] = ix["partialFilterExpression"]
    if ix.get("expireAfterSeconds") is not None:
        opts["expireAfterSeconds"] = ix["expireAfterSeconds"]
    if ix.get("sparse"):
        opts["sparse"] = True
    return opts


def index_keys(ix: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(str(k), d) for k, d in ix["key"]]


def create_indexes(db: Any, spec: dict[str, Any]) -> None:
    for c in spec["collections"]:
        coll = db[c["name"]]
        for ix in c.get("indexes") or []:
            coll.create_index(index_keys(ix), **index_options(ix))


def load(db: Any, spec: dict[str, Any], documents: dict[str, list[Doc]]) -> None:
    """Every collection with its documents and indexes. mongomock checks a unique index by scanning the whole
    collection at each insert (quadratic: minutes for a few thousand documents), so the load inserts first,
    checks each unique index once as MongoDB does (`unique_problems`), and then attaches it; inserts after the
    load go through mongomock's own check."""
    for c in spec["collections"]:
        coll = db[c["name"]]
        docs = copy.deepcopy(documents.get(c["name"], []))
        if docs:
            coll.insert_many(docs)
        for ix in c.get("indexes") or []:
            if not ix.get("unique"):
                coll.create_index(index_keys(ix), **index_options(ix))
                continue
            problems = unique_problems(docs, ix)
            if problems:
                raise mongomock.DuplicateKeyError(f"E11000 {c['name']}.{ix['name']}: {problems[0]}", 11000)
            entry: dict[str, Any] = {"key": mm_helpers.create_index_list(index_keys(ix)), "unique": True}
            for opt in ("sparse", "partialFilterExpression"):
                if ix.get(opt) is not None:
                    entry[opt] = ix[opt]
            coll._store.create_index(ix["name"], entry)  # checked above, once


def unique_problems(docs: list[Doc], ix: dict[str, Any]) -> list[str]:
    """Duplicate keys among `docs` under a unique index, as MongoDB counts them: only documents its
    partialFilterExpression selects, a missing key as null, one key per element of an array."""
    partial = ix.get("partialFilterExpression")
    seen: dict[str, Any] = {}
    out = []
    for d in docs:
        if partial is not None and not filtering.filter_applies(partial, d):
            continue
        values = [_key_values(d, str(k)) for k, _ in ix["key"]]
        for combo in itertools.product(*values):
            k = repr(combo)
            if k in seen and seen[k] is not d.get("_id", d):
                out.append(f"{combo} in {seen[k]!r} and {d.get('_id')!r}")
            seen.setdefault(k, d.get("_id", d))
    return out


def _key_values(doc: Any, path: str) -> list[Any]:
    """The index keys a document gives for a dotted path: one per array element on the way."""
    cur: list[Any] = [doc]
    for step in path.split("."):
        nxt: list[Any] = []
        for v in cur:
            v = v.get(step) if isinstance(v, dict) else None
            nxt.extend(v if isinstance(v, list) and v else [v])
        cur = nxt
    return list({repr(v): v for v in cur}.values())


# --- parameters ----------------------------------------------------------------------------------------------


def bind(template: Any, params: dict[str, Any]) -> Any:
    """`template` with each `{"$param": name}` replaced by `params[name]`, encoded as MongoDB stores it."""
    if isinstance(template, dict):
        if set(template) == {"$param"}:
            name = template["$param"]
            if name not in params:
                raise KeyError(f"parameter {name!r} has no value (given: {sorted(params)})")
            return encode(params[name])
        return {k: bind(v, params) for k, v in template.items()}
    if isinstance(template, list):
        return [bind(v, params) for v in template]
    return template


def param_names(template: Any) -> set[str]:
    """The names of the parameters a template uses."""
    if isinstance(template, dict):
        if set(template) == {"$param"}:
            return {template["$param"]}
        return set().union(*(param_names(v) for v in template.values())) if template else set()
    if isinstance(template, list):
        return set().union(*(param_names(v) for v in template)) if template else set()
    return set()


# --- running --------------------------------------------------------------------------------------------------


Union = Callable[[list[Doc], list[Doc]], list[Doc]]


def union_in_order(before: list[Doc], other: list[Doc]) -> list[Doc]:
    """`$unionWith` as MongoDB happens to run it today: this pipeline's documents, then the other's. Its
    documentation leaves the order unspecified, so `union=` takes any other order too (tests shuffle it)."""
    return before + other


def run_pattern(db: Any, pattern: dict[str, Any], params: dict[str, Any], *, unlimited: bool = False,
                emulate: bool = True, union: Union = union_in_order) -> list[Doc]:
    """The documents one pattern returns (see the module's docstring). `emulate=False` on a real server:
    `$text` and `$unionWith` run there as they are. `union` combines the documents before a `$unionWith` with
    the other pipeline's (the emulation's output order)."""
    kind = pattern.get("kind")
    coll = db[pattern["collection"]]
    if kind == "find":
        flt = bind(pattern.get("filter") or {}, params)
        cursor = coll.find(text_search(coll, flt) if emulate else flt, bind(pattern.get("projection"), params))
        if pattern.get("sort"):
            cursor = cursor.sort([(k, d) for k, d in pattern["sort"]])
        if pattern.get("limit") and not unlimited:
            cursor = cursor.limit(int(pattern["limit"]))
        return list(cursor)
    if kind == "aggregate":
        pipeline = bind(pattern.get("pipeline") or [], params)
        if unlimited:
            pipeline = [s for s in pipeline if "$limit" not in s]
        if not emulate:
            return list(coll.aggregate(pipeline))
        pipeline = [{"$match": text_search(coll, s["$match"])} if "$match" in s else s for s in pipeline]
        return aggregate(db, list(coll.find()), pipeline, union)
    raise AssertionError(f"pattern {pattern.get('name')}: unknown kind {kind!r} (find or aggregate)")


def text_search(coll: Any, flt: dict[str, Any]) -> dict[str, Any]:
    """`flt` with a `$text` search (which mongomock lacks) written as what it means for single words: a
    document matches when a field of the collection's text index holds one of the words (case-insensitive)."""
    if "$text" not in flt:
        return flt
    search = flt["$text"].get("$search", "")
    if '"' in search or "-" in search:
        raise AssertionError(f"$text phrases and negations are not emulated: {search!r}")
    fields = [k for ix in coll.index_information().values() for k, d in ix["key"] if d == "text"]
    if not fields:
        raise AssertionError(f"$text on {coll.name}, which has no text index")
    words = re.findall(r"\w+", search)
    ors = [{f: {"$regex": rf"(^|\W){re.escape(w)}(\W|$)", "$options": "i"}} for f in fields for w in words]
    rest = {k: v for k, v in flt.items() if k != "$text"}
    return {"$and": [rest, {"$or": ors or [{"_id": {"$exists": False}}]}]}


def aggregate(db: Any, docs: list[Doc], pipeline: list[dict[str, Any]], union: Union = union_in_order) -> list[Doc]:
    """mongomock's pipeline over `docs`, with `$unionWith` run stage by stage as MongoDB defines it: both
    pipelines' documents, in the order `union` gives them."""
    current = docs
    start = 0
    for i, stage in enumerate(pipeline):
        if "$unionWith" in stage:
            current = list(mm_aggregate.process_pipeline(current, db, pipeline[start:i], None))
            spec = stage["$unionWith"]
            other, sub = (spec, []) if isinstance(spec, str) else (spec["coll"], spec.get("pipeline") or [])
            current = union(current, aggregate(db, list(db[other].find()), sub, union))
            start = i + 1
    return list(mm_aggregate.process_pipeline(current, db, pipeline[start:], None))


def pattern_limit(pattern: dict[str, Any]) -> int | None:
    """The pattern's limit: `limit`, or its pipeline's last top-level `$limit`."""
    if pattern.get("limit"):
        return int(pattern["limit"])
    limits = [int(s["$limit"]) for s in pattern.get("pipeline") or [] if "$limit" in s]
    return limits[-1] if limits else None


def pattern_sort(pattern: dict[str, Any]) -> list[tuple[str, int]]:
    """The order of the pattern's result: `sort`, or its pipeline's last top-level `$sort` without the keys a
    later `$project` leaves out (a computed rank, such as the nulls-last one, is not in the result)."""
    if pattern.get("sort"):
        return [(str(k), int(d)) for k, d in pattern["sort"]]
    stages = pattern.get("pipeline") or []
    at = [i for i, s in enumerate(stages) if "$sort" in s]
    if not at:
        return []
    last = stages[at[-1]]["$sort"]
    dropped = {str(k) for s in stages[at[-1]:] if "$project" in s for k, v in s["$project"].items()
               if v in (0, False) and k != "_id"}
    return [(str(k), int(d)) for k, d in (last.items() if isinstance(last, dict) else last) if str(k) not in dropped]
