"""Indexes: mongomock (with pymongo's bson) creates every index of collections.json and loads the documents
built from the logical rows under them; a duplicate on each unique index is refused, and under soft delete a
duplicate of a deleted document is allowed (the unique index covers live documents only, with a
partialFilterExpression MongoDB accepts). A unique index into embedded arrays (one key per element), which
mongomock does not enforce, is judged by MongoDB's rule in `unique_problems`. No index is a prefix of another,
none passes 64 per collection, and every `@expires` field has its TTL index."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import mongomock
import pytest
from bson import Binary, Int64
from mongomock import filtering

from schemac.compiler.model import Entity
from tests.helpers.mongo_cases import Loaded, artifacts, example_cases, loaded
from tests.helpers.mongo_docs import get_path
from tests.helpers.mongo_mock import index_keys, index_options, new_database, unique_problems
from tests.helpers.pg_answers import PgAnswers, pg_answers  # noqa: F401  (fixture)

Load = Callable[[str], PgAnswers]
# operators a partialFilterExpression may use (MongoDB 7): no $ne, $nin, $not, $exists: false
PARTIAL_OPERATORS = {"$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$and", "$or", "$in"}


def _indexes(art: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c["name"], ix) for c in art.collections["collections"] for ix in c.get("indexes") or []]


def _partial_problems(expr: Any, where: str) -> list[str]:
    out = []
    if isinstance(expr, dict):
        for k, v in expr.items():
            if k.startswith("$") and k not in PARTIAL_OPERATORS:
                out.append(f"{where}: {k} is not allowed in a partialFilterExpression")
            if k == "$exists" and v is not True:
                out.append(f"{where}: $exists: {v} is not allowed in a partialFilterExpression")
            out += _partial_problems(v, where)
    elif isinstance(expr, list):
        for v in expr:
            out += _partial_problems(v, where)
    return out


@pytest.mark.parametrize("example", example_cases())
def test_indexes_are_created_and_data_loads(pg_answers: Load, example: str) -> None:  # noqa: F811
    """Loading creates every index and inserts every document: the unique indexes hold on real data."""
    ld = loaded(example, pg_answers(example))
    for coll, ix in _indexes(ld.art):
        info = ld.db[coll].index_information()
        assert ix["name"] in info, f"{coll}.{ix['name']} was not created"
        assert info[ix["name"]]["key"] == index_keys(ix)
    for name, docs in ld.docs.items():
        live = [d for d in docs if not _expired(ld, name, d)]
        assert ld.db[name].count_documents({}) == len(live), f"{name}: documents lost in the load"


def _expired(ld: Loaded, coll: str, doc: dict[str, Any]) -> bool:
    """Past a TTL index's expiry (mongomock removes such documents when it reads, as MongoDB's monitor does)."""
    now = dt.datetime.now(dt.UTC)
    for c, ix in _indexes(ld.art):
        if c == coll and ix.get("expireAfterSeconds") is not None:
            value = get_path(doc, str(ix["key"][0][0]))
            if isinstance(value, dt.datetime) and value + dt.timedelta(seconds=ix["expireAfterSeconds"]) <= now:
                return True
    return False


@pytest.mark.parametrize("example", example_cases())
def test_index_rules(example: str) -> None:
    art = artifacts(example)
    problems: list[str] = []
    by_coll: dict[str, list[dict[str, Any]]] = {}
    for coll, ix in _indexes(art):
        by_coll.setdefault(coll, []).append(ix)
        problems += _partial_problems(ix.get("partialFilterExpression"), f"{coll}.{ix['name']}")
    for coll, ixs in by_coll.items():
        if len(ixs) + 1 > 64:
            problems.append(f"{coll}: {len(ixs) + 1} indexes, past MongoDB's 64")
        for a in ixs:
            for b in ixs:
                ka, kb = index_keys(a), index_keys(b)
                same_kind = (a.get("partialFilterExpression") == b.get("partialFilterExpression")
                             and not a.get("unique") and not a.get("expireAfterSeconds"))
                if a is not b and same_kind and len(ka) < len(kb) and kb[: len(ka)] == ka:
                    problems.append(f"{coll}: {a['name']} {ka} is a prefix of {b['name']} {kb}")
    problems += _ttl_problems(art)
    assert not problems, "\n".join(problems)


def _ttl_problems(art: Any) -> list[str]:
    model = art.result.design.model
    out = []
    for e in model.entities:
        for f in e.fields:
            if not f.expires:
                continue
            m = (art.collections.get("entities") or {}).get(e.name) or {}
            key = (m.get("fields") or {}).get(f.name)
            coll = m.get("collection")
            ttl = [ix for c, ix in _indexes(art) if c == coll and index_keys(ix) == [(key, 1)]
                   and ix.get("expireAfterSeconds") is not None]
            if not ttl:
                out.append(f"{e.name}.{f.name} @expires: no TTL index on {coll}.{key}")
    return out


def _entities_of(ld: Loaded, coll: str) -> list[Entity]:
    model = ld.pg.model
    return [model.entity(n) for n, m in (ld.spec.get("entities") or {}).items() if m.get("collection") == coll]


def _fresh_id(value: Any) -> Any:
    if isinstance(value, Binary):
        return Binary.from_uuid(uuid.uuid4())
    if isinstance(value, int):
        return Int64(10**12 + int(value))
    return f"dup-{value}"


def _multikey(doc: dict[str, Any], ix: dict[str, Any]) -> bool:
    """A key path that goes through an array in this document (an index on embedded elements)."""
    for k, _ in ix["key"]:
        cur: Any = doc
        for step in str(k).split("."):
            if isinstance(cur, list):
                return True
            cur = cur.get(step) if isinstance(cur, dict) else None
        if isinstance(cur, list):
            return True
    return False


def _not_matching(doc: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any] | None:
    """`doc` changed so that it falls outside the partial filter: soft-deleted (deleted_at set)."""
    if "deleted_at" in partial or any("deleted_at" in str(v) for v in partial.values()):
        out = copy.deepcopy(doc)
        out["deleted_at"] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        if not filtering.filter_applies(partial, out):
            return out
    return None


@pytest.mark.parametrize("example", example_cases())
def test_unique_indexes_refuse_duplicates(pg_answers: Load, example: str) -> None:  # noqa: F811
    ld = loaded(example, pg_answers(example))
    uniques = [(c, ix) for c, ix in _indexes(ld.art) if ix.get("unique")]
    assert uniques, f"{example}: no unique index at all"
    problems = []
    for coll, ix in uniques:
        partial = ix.get("partialFilterExpression") or {}
        live = [d for d in ld.docs.get(coll, [])
                if filtering.filter_applies(partial, d) and all(get_path(d, k) is not None for k, _ in ix["key"])]
        if not live:
            problems.append(f"{coll}.{ix['name']}: no document to duplicate")
            continue
        dup = {**copy.deepcopy(live[0]), "_id": _fresh_id(live[0]["_id"])}
        if _multikey(live[0], ix):  # mongomock does not index array elements: MongoDB's rule, checked here
            if not unique_problems([live[0], dup], ix):
                problems.append(f"{coll}.{ix['name']}: a duplicate of {index_keys(ix)} is not a duplicate")
            db = None
        else:
            db = new_database(f"dup_{example}")
            db[coll].drop()
            db[coll].create_index(index_keys(ix), **index_options(ix))
            db[coll].insert_one(copy.deepcopy(live[0]))
            try:
                db[coll].insert_one(copy.deepcopy(dup))
                problems.append(f"{coll}.{ix['name']}: a duplicate of {index_keys(ix)} is accepted")
            except mongomock.DuplicateKeyError:
                pass
        soft = any(e.soft_delete for e in _entities_of(ld, coll))
        if soft and not partial:
            problems.append(f"{coll}.{ix['name']}: unique under soft delete without a partialFilterExpression")
        if soft and partial:
            deleted = _not_matching(dup, partial)
            if deleted is None:
                problems.append(f"{coll}.{ix['name']}: a soft-deleted document still matches {partial}")
            elif db is not None:
                db[coll].insert_one(deleted)  # a deleted duplicate is allowed
            elif unique_problems([live[0], deleted], ix):
                problems.append(f"{coll}.{ix['name']}: a soft-deleted duplicate is refused")
    assert not problems, "\n".join(problems)
