"""PostgreSQL's null order on an optional sort key, served by one index: the documents with the key set, then
(by `$unionWith`) those where it is null — after them ascending, before them descending; a required sort key
stays a plain find. Run on mongomock over a crowd of documents, nulls and ties included, against Python's
PostgreSQL-ordered answer. Plus the typed constants the writes carry (Decimal128 0, a live pushed element)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import mongomock
import pytest

from schemac.backends import BuildOptions
from schemac.backends.mongodb.render import to_js, to_json_value
from schemac.build import emit_compiled
from schemac.compiler.pipeline import compile_text
from tests.helpers.mongo_esr import pattern_problems
from tests.helpers.mongo_mock import run_pattern

SDL = """
model shop {
  deletes hard
}
entity Task {
  owner_id uuid
  title string(50)
  due_at timestamp?
  rank int
  volume 1M
}
query due_first {
  from Task
  where owner_id = ?
  order due_at
  limit 5
  rate 50/s
}
query due_last {
  from Task
  where owner_id = ?
  order due_at desc
  limit 5
  rate 50/s
}
query by_rank {
  from Task
  where owner_id = ?
  order rank
  limit 5
  rate 50/s
}
"""


def _build(sdl: str) -> dict[str, str]:
    result = emit_compiled(compile_text(sdl), "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    return {a.path: a.text for a in result.artifacts}


@pytest.fixture(scope="module")
def built() -> dict[str, str]:
    return _build(SDL)


def _pattern(built: dict[str, str], name: str) -> dict:  # type: ignore[type-arg]
    return next(p for p in json.loads(built["queries.json"])["patterns"] if p["name"] == name)


def _db(seed: int, n: int) -> tuple[object, list[dict]]:  # type: ignore[type-arg]
    rnd = random.Random(seed)
    owner = "o1"
    base = dt.datetime(2025, 1, 1)
    docs = [{"_id": i, "owner_id": rnd.choice([owner, "o2"]), "title": f"t{i}", "rank": rnd.randint(0, 3),
             "due_at": None if rnd.random() < 0.4 else base + dt.timedelta(days=rnd.randint(0, 3))}
            for i in range(n)]
    db = mongomock.MongoClient().db
    db["tasks"].insert_many([dict(d) for d in docs])
    return db, docs


def _pg_order(docs: list[dict], descending: bool, limit: int) -> list[int]:  # type: ignore[type-arg]
    """PostgreSQL: ascending puts NULLs last, descending first; ties by the id in the sort's direction."""
    mine = [d for d in docs if d["owner_id"] == "o1"]
    far = dt.datetime.max
    ordered = sorted(mine, key=lambda d: (d["due_at"] or far, d["_id"]), reverse=descending)
    return [d["_id"] for d in ordered][:limit]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("name", "descending"), [("due_first", False), ("due_last", True)])
def test_optional_sort_key_reads_in_postgres_order(built: dict[str, str], name: str, descending: bool,
                                                   seed: int) -> None:
    p = _pattern(built, name)
    db, docs = _db(seed, 12 + 7 * seed)  # few rows (a short page: both reads), many (the page full early)
    got = [d["_id"] for d in run_pattern(db, p, {"owner_id": "o1"})]
    assert got == _pg_order(docs, descending, 5)


def test_both_reads_are_served_by_the_index(built: dict[str, str]) -> None:
    spec = json.loads(built["collections.json"])
    for name, first_null in [("due_first", False), ("due_last", True)]:
        p = _pattern(built, name)
        assert p["kind"] == "aggregate" and p["index"], p
        head, branch = p["pipeline"][0]["$match"], p["pipeline"][3]["$unionWith"]["pipeline"][0]["$match"]
        set_test, null_test = {"$type": "date"}, None
        assert (head["due_at"], branch["due_at"]) == ((null_test, set_test) if first_null else (set_test, null_test))
        assert p["pipeline"][2] == {"$limit": 5} and p["pipeline"][3]["$unionWith"]["pipeline"][-1] == {"$limit": 5}
        rank = {"$cond": [{"$eq": [{"$ifNull": ["$due_at", None]}, None]}, 1, 0]}
        way = -1 if first_null else 1
        assert p["pipeline"][4:] == [{"$addFields": {"_null_rank": rank}},
                                     {"$sort": {"_null_rank": way, "due_at": way, "_id": way}},
                                     {"$limit": 5}, {"$project": {"_null_rank": 0}}]
        assert not pattern_problems(p, spec, {"tasks": None}), pattern_problems(p, spec, {"tasks": None})
    assert "MDB-I02" in built["decisions.md"] and "PostgreSQL puts nulls last" in built["decisions.md"]


def test_a_required_sort_key_stays_a_find(built: dict[str, str]) -> None:
    assert _pattern(built, "by_rank")["kind"] == "find"


def test_decimal_constants_are_extended_json_and_decimal128() -> None:
    assert to_json_value({"total": Decimal(0)}) == {"total": {"$numberDecimal": "0"}}
    assert to_js(Decimal(0)) == 'Decimal128("0")'
