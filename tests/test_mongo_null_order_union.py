"""A read in PostgreSQL's null order must not rest on `$unionWith`'s output order, which MongoDB's documentation
leaves unspecified: the pipeline ranks the null documents after the set ones and sorts once more after the
union. Run on mongomock with the union's documents emulated in MongoDB's present order, the other way round,
and shuffled; the same stages without the rank are shown to fail under the reversed order (so the test can
tell). Against PostgreSQL: helpdesk's team_queue and agent_tickets with the union reversed and shuffled, on the
drawn parameters and on a page that straddles the last set values and the first nulls."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from mongomock import aggregate as mm_aggregate

from schemac.backends import BuildOptions
from schemac.build import emit_compiled
from schemac.compiler.pipeline import compile_text
from tests.helpers.mongo_cases import loaded, pattern_against_postgres
from tests.helpers.mongo_docs import Doc
from tests.helpers.mongo_mock import Union, new_database, pattern_limit, run_pattern, union_in_order
from tests.helpers.pg_answers import PgAnswers, pg_helpdesk  # noqa: F401  (fixture)

SDL = """
model shop {
  deletes hard
}
entity Task {
  owner_id uuid
  title string(50)
  due_at timestamp?
  volume 1M
}
query due_first {
  from Task
  where owner_id = ?
  order due_at
  limit 6
  rate 50/s
}
query due_last {
  from Task
  where owner_id = ?
  order due_at desc
  limit 6
  rate 50/s
}
"""


def _reversed(before: list[Doc], other: list[Doc]) -> list[Doc]:
    return other + before


def _shuffled(seed: int) -> Union:
    def union(before: list[Doc], other: list[Doc]) -> list[Doc]:
        both = before + other
        random.Random(seed).shuffle(both)
        return both
    return union


ORDERS: dict[str, Union] = {"in_order": union_in_order, "reversed": _reversed,
                            **{f"shuffled{s}": _shuffled(s) for s in range(4)}}


@pytest.fixture(scope="module")
def patterns() -> dict[str, dict[str, Any]]:
    result = emit_compiled(compile_text(SDL), "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    queries = json.loads(next(a.text for a in result.artifacts if a.path == "queries.json"))
    return {p["name"]: p for p in queries["patterns"]}


def _tasks(seed: int, sets: int, nulls: int) -> list[Doc]:
    rnd = random.Random(seed)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    docs = [{"owner_id": "o1", "due_at": base + dt.timedelta(days=rnd.randint(0, 2))} for _ in range(sets)]
    docs += [{"owner_id": "o1", "due_at": None} for _ in range(nulls)]
    docs += [{"owner_id": "o2", "due_at": None}, {"owner_id": "o2", "due_at": base}]
    rnd.shuffle(docs)
    return [{"_id": i, "title": f"t{i}", **d} for i, d in enumerate(docs)]


def _postgres_order(docs: list[Doc], descending: bool, limit: int) -> list[int]:
    """ORDER BY due_at [DESC], id: NULLs last ascending, first descending (PostgreSQL's default)."""
    mine = [d for d in docs if d["owner_id"] == "o1"]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return [d["_id"] for d in sorted(mine, key=lambda d: (d["due_at"] or far, d["_id"]), reverse=descending)][:limit]


def _db(docs: list[Doc]) -> Any:
    db = new_database("nulls_union")
    db["tasks"].drop()
    db["tasks"].insert_many([dict(d) for d in docs])
    return db


# (set documents, null documents): the page all set, all null, and straddling the two in either direction
SHAPES = [(9, 4), (0, 8), (2, 9), (4, 3), (5, 1), (1, 5), (3, 0)]


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize(("name", "descending"), [("due_first", False), ("due_last", True)])
def test_the_page_does_not_depend_on_the_union_order(patterns: dict[str, dict[str, Any]], name: str,
                                                     descending: bool, order: str) -> None:
    p = patterns[name]
    for i, (sets, nulls) in enumerate(SHAPES):
        docs = _tasks(i, sets, nulls)
        got = [d["_id"] for d in run_pattern(_db(docs), p, {"owner_id": "o1"}, union=ORDERS[order])]
        assert got == _postgres_order(docs, descending, 6), (sets, nulls)
        assert all("_null_rank" not in d for d in run_pattern(_db(docs), p, {"owner_id": "o1"}))


def _after_union(p: dict[str, Any]) -> list[dict[str, Any]]:
    stages = p["pipeline"]
    at = next(i for i, s in enumerate(stages) if "$unionWith" in s)
    return stages[at + 1:]


@pytest.mark.parametrize("seed", range(8))
def test_the_stages_after_the_union_order_any_input(patterns: dict[str, dict[str, Any]], seed: int) -> None:
    """What follows `$unionWith`, run alone on the two branches' documents in a random order (each already
    cut to the page, as the branches give them), yields PostgreSQL's page."""
    for name, descending in [("due_first", False), ("due_last", True)]:
        docs = _tasks(seed, 4, 4)
        mine = [d for d in docs if d["owner_id"] == "o1"]
        set_docs = sorted((d for d in mine if d["due_at"] is not None), key=lambda d: (d["due_at"], d["_id"]),
                          reverse=descending)[:6]
        null_docs = sorted((d for d in mine if d["due_at"] is None), key=lambda d: d["_id"], reverse=descending)[:6]
        arrived = set_docs + null_docs
        random.Random(seed).shuffle(arrived)
        out = list(mm_aggregate.process_pipeline(arrived, _db(docs), _after_union(patterns[name]), None))
        assert [d["_id"] for d in out] == _postgres_order(docs, descending, 6), name


def test_without_the_rank_the_reversed_union_is_wrong(patterns: dict[str, dict[str, Any]]) -> None:
    """The teeth of the tests above: drop the rank (its `$addFields`, its sort key and its `$project`) and the
    page follows the union's output order, which a reversed union breaks."""
    p = patterns["due_first"]
    stages = [s for s in p["pipeline"] if "$addFields" not in s and "$project" not in s]
    stages = [{"$sort": {k: d for k, d in s["$sort"].items() if k != "_null_rank"}} if "$sort" in s else s
              for s in stages]
    bare = {**p, "pipeline": stages}
    docs = _tasks(3, 2, 9)
    want = _postgres_order(docs, False, 6)
    assert [d["_id"] for d in run_pattern(_db(docs), bare, {"owner_id": "o1"}, union=_reversed)] != want
    assert [d["_id"] for d in run_pattern(_db(docs), p, {"owner_id": "o1"}, union=_reversed)] == want


def test_at_most_two_pages_are_sorted_in_memory(patterns: dict[str, dict[str, Any]]) -> None:
    for p in patterns.values():
        stages = p["pipeline"]
        at = next(i for i, s in enumerate(stages) if "$unionWith" in s)
        limit = pattern_limit(p)
        assert stages[at - 1] == {"$limit": limit}
        assert stages[at]["$unionWith"]["pipeline"][-1] == {"$limit": limit}
        assert [next(iter(s)) for s in stages[at + 1:]] == ["$addFields", "$sort", "$limit", "$project"]


# --- against PostgreSQL (helpdesk) -----------------------------------------------------------------------------

Draw = Callable[[PgAnswers], list[tuple[str, dict[str, Any]]]]


def _straddling(pg: PgAnswers, name: str) -> list[tuple[str, dict[str, Any]]]:
    """Parameters whose first page holds both tickets with `sla_due_at` set and tickets without it: fewer set
    values than the page, and at least one null after them."""
    limit = {"team_queue": 50, "agent_tickets": 100}[name]
    groups: dict[tuple[Any, Any], list[Any]] = {}
    by = "team" if name == "team_queue" else "assignee"
    for t in pg.data.live("Ticket"):
        if t.get(by) is not None and (name != "team_queue" or t["status"] == "open"):
            groups.setdefault((t["workspace"], t[by]), []).append(t)
    out = []
    for (ws, key), rows in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        sets = sum(1 for r in rows if r["sla_due_at"] is not None)
        if 0 < sets < limit and sets < len(rows):
            params = {"workspace_id": ws, "team_id" if by == "team" else "assignee_id": key}
            if name == "agent_tickets":
                params["status"] = sorted({r["status"] for r in rows})
            out.append((f"straddling {sets} set + {len(rows) - sets} null", params))
        if len(out) == 3:
            break
    return out


@pytest.mark.parametrize("order", ["reversed", "shuffled0", "shuffled1"])
@pytest.mark.parametrize("name", ["team_queue", "agent_tickets"])
def test_helpdesk_null_order_equals_postgres_whatever_the_union_order(pg_helpdesk: PgAnswers,  # noqa: F811
                                                                      name: str, order: str) -> None:
    ld = loaded("helpdesk", pg_helpdesk)
    pattern = ld.art.pattern(name)
    assert pattern["kind"] == "aggregate" and any("$unionWith" in s for s in pattern["pipeline"])
    straddle = _straddling(pg_helpdesk, name)
    assert straddle, f"{name}: the seeded data has no group whose first page straddles set values and nulls"
    sets = [*pg_helpdesk.draw_labelled(name, 4), *straddle]
    problems, sizes = pattern_against_postgres(pg_helpdesk, ld.db, pattern, 0, union=ORDERS[order],
                                               param_sets=sets)
    assert not problems, "\n".join(problems[:8])
    assert all(sizes[-len(straddle):]), sizes
