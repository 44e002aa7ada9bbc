"""Keyset continuation on MongoDB: each read the SQL targets page (`<Name>Next`) has `next` requests taking the
same cursor (`after_<column>`: the last row's sort values and id). Against PostgreSQL's `<Name>Next` on every
example, from cursors at the end and in the middle of drawn first pages; for the reads in PostgreSQL's null
order (helpdesk team_queue, agent_tickets), cursors on the last set row and on the first null one, so the next
page straddles the boundary or runs inside the nulls, with `$unionWith`'s output emulated in order, reversed and
shuffled. On a small model, ascending and descending, every page walked to the end equals PostgreSQL's order."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from schemac.backends import BuildOptions
from schemac.build import emit_compiled
from schemac.compiler.pipeline import compile_text
from tests.helpers.mongo_cases import example_cases, loaded
from tests.helpers.mongo_docs import Doc
from tests.helpers.mongo_mock import Union, new_database, run_pattern, union_in_order
from tests.helpers.mongo_next import next_against_postgres, next_request, next_statement, paged_patterns
from tests.helpers.pg_answers import PgAnswers, pg_answers  # noqa: F401  (fixture)

Load = Callable[[str], PgAnswers]
# reads PostgreSQL pages whose MongoDB pattern has no continuation yet: `from A | B` (a $unionWith of collections)
NO_NEXT_YET = {"customer_activity"}


def _reversed(before: list[Doc], other: list[Doc]) -> list[Doc]:
    return other + before


def _shuffled(before: list[Doc], other: list[Doc]) -> list[Doc]:
    both = before + other
    random.Random(len(both)).shuffle(both)
    return both


UNIONS: dict[str, Union] = {"in_order": union_in_order, "reversed": _reversed, "shuffled": _shuffled}


@pytest.mark.parametrize("example", example_cases())
def test_paged_reads_have_their_next_page(pg_answers: Load, example: str) -> None:  # noqa: F811
    pg = pg_answers(example)
    ld = loaded(example, pg)
    paged = set(paged_patterns(pg))
    with_next = {p["name"] for p in ld.art.patterns if p.get("next")}
    assert with_next == paged - NO_NEXT_YET, (sorted(with_next), sorted(paged))
    for name in sorted(with_next):
        statement = next_statement(pg, name)
        assert statement is not None
        want = [n for n, _ty, _null in statement.params]
        for request in ld.art.pattern(name)["next"]:
            assert [x["name"] for x in request["params"]] == want, request["name"]
            assert request["index"] == ld.art.pattern(name)["index"], request["name"]
            first = _matches(ld.art.pattern(name))
            for match in _matches(request):
                assert _without_cursor(match) in first, (request["name"], match, first)


def _matches(p: dict[str, Any]) -> list[dict[str, Any]]:
    """The filters of a request: its find filter, or its pipeline's and each `$unionWith` branch's `$match`."""
    if p["kind"] == "find":
        return [p["filter"]]
    out = []
    for stage in p["pipeline"]:
        if "$match" in stage:
            out.append(stage["$match"])
        if "$unionWith" in stage:
            out += [s["$match"] for s in stage["$unionWith"]["pipeline"] if "$match" in s]
    return out


def _without_cursor(match: dict[str, Any]) -> dict[str, Any]:
    """A next request's filter without the cursor (its `$or`, or its one `{key: {$gt|$lt: after_...}}`): the
    first page's filter, so the first page's index serves it (the cursor only bounds the sort keys)."""
    def cursor(v: Any) -> bool:
        return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("$gt", "$lt") and \
            str(next(iter(v.values())).get("$param", "")).startswith("after_")
    return {k: v for k, v in match.items() if k != "$or" and not cursor(v)}


def _cursors(first: list[dict[str, Any]], optional: str | None) -> list[dict[str, Any]]:
    """The last row, a middle one, and where the sort key may be null: the last set row and the first null."""
    picks = {len(first) - 1, len(first) // 2}
    if optional is not None:
        sets = [i for i, r in enumerate(first) if r[optional] is not None]
        nulls = [i for i, r in enumerate(first) if r[optional] is None]
        picks |= {sets[-1]} if sets else set()
        picks |= {nulls[0]} if nulls else set()
    return [first[i] for i in sorted(picks)]


def _optional_first_key(pattern: dict[str, Any]) -> str | None:
    whens = [k for n in pattern["next"] for k in (n.get("when") or {})]
    return whens[0][len("after_"):] if whens else None


def _cases() -> list[Any]:
    out = []
    for example in ("commerce", "course_platform", "helpdesk"):
        out.append(pytest.param(example, "in_order", id=f"{example}-in_order"))
    out += [pytest.param("helpdesk", u, id=f"helpdesk-{u}") for u in ("reversed", "shuffled")]
    return out


@pytest.mark.parametrize(("example", "union"), _cases())
def test_next_pages_equal_postgres(pg_answers: Load, example: str, union: str) -> None:  # noqa: F811
    pg = pg_answers(example)
    ld = loaded(example, pg)
    problems: list[str] = []
    compared = {}
    straddled = 0
    for p in (p for p in ld.art.patterns if p.get("next")):
        optional = _optional_first_key(p)
        if union != "in_order" and optional is None:
            continue  # no $unionWith in its requests: the union's order does not apply
        rows = 0
        draws = pg.draw_labelled(p["name"], 4)
        if optional is not None:  # first pages holding both set values and nulls, as in the seeded groups
            draws += [(f"random{i}", params) for i, params in enumerate(pg.draw(p["name"], 6, seed=0.7))]
        for label, params in draws:
            first = pg.pg_answer(p["name"], params)
            if not first:
                continue
            cursors = _cursors(first, optional)
            if optional is not None and {r[optional] is None for r in first} == {True, False}:
                straddled += 1
            found, n = next_against_postgres(pg, ld.db, p, params, cursors, union=UNIONS[union])
            problems += [f"{label}: {x}" for x in found]
            rows += n
        compared[p["name"]] = rows
    assert not problems, "\n".join(problems[:8])
    assert all(compared.values()), f"a next page compared no rows: {compared}"
    if example == "helpdesk":
        assert straddled, "no drawn first page held both set sla_due_at values and nulls"


# --- walking every page of a small model ----------------------------------------------------------------------

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
  limit 4
  rate 50/s
}
query due_last {
  from Task
  where owner_id = ?
  order due_at desc
  limit 4
  rate 50/s
}
query by_title {
  from Task
  where owner_id = ?
  order title desc
  limit 4
  rate 50/s
}
"""


@pytest.fixture(scope="module")
def small() -> dict[str, dict[str, Any]]:
    result = emit_compiled(compile_text(SDL), "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    return {p["name"]: p for p in json.loads(next(a.text for a in result.artifacts
                                                   if a.path == "queries.json"))["patterns"]}


def _tasks(seed: int) -> list[Doc]:
    rnd = random.Random(seed)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    docs = [{"_id": i, "owner_id": rnd.choice(["o1", "o1", "o2"]), "title": f"t{rnd.randint(0, 4)}",
             "due_at": None if rnd.random() < 0.45 else base + dt.timedelta(days=rnd.randint(0, 3))}
            for i in range(30 + seed)]
    return docs


def _postgres(docs: list[Doc], key: str, descending: bool) -> list[int]:
    """PostgreSQL's order: NULLs last ascending, first descending; ties by the id in the key's direction."""
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    mine = [d for d in docs if d["owner_id"] == "o1"]
    return [d["_id"] for d in sorted(mine, key=lambda d: (d[key] if d[key] is not None else far, d["_id"]),
                                     reverse=descending)]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("union", list(UNIONS))
@pytest.mark.parametrize(("name", "key", "descending"), [("due_first", "due_at", False),
                                                         ("due_last", "due_at", True),
                                                         ("by_title", "title", True)])
def test_walking_every_page_gives_postgres_order(small: dict[str, dict[str, Any]], name: str, key: str,
                                                 descending: bool, union: str, seed: int) -> None:
    docs = _tasks(seed)
    db = new_database("walk")
    db["tasks"].drop()
    db["tasks"].insert_many([dict(d) for d in docs])
    p = small[name]
    page = run_pattern(db, p, {"owner_id": "o1"}, union=UNIONS[union])
    seen = [d["_id"] for d in page]
    while page:
        last = page[-1]
        params = {"owner_id": "o1", f"after_{key}": last[key], "after_id": last["_id"]}
        page = run_pattern(db, next_request(p, params), params, union=UNIONS[union])
        assert len(seen) < len(docs), "the walk does not end"
        seen += [d["_id"] for d in page]
    assert seen == _postgres(docs, key, descending)


def test_no_next_page_where_a_null_cursor_would_meet_a_range() -> None:
    """An optional key after the first (or a projected read, which keeps MongoDB's own null order) would put a
    null cursor value into `$gt`, which matches no value of another type: such a read gets no `next` rather than
    one that skips documents."""
    sdl = SDL.replace("volume 1M", "rank int?\n  volume 1M") + """
query by_title_rank {
  from Task
  where owner_id = ?
  order title, rank
  limit 4
  rate 50/s
}
query titles_by_due {
  from Task
  where owner_id = ?
  select title, due_at
  order due_at
  limit 4
  rate 50/s
}
"""
    result = emit_compiled(compile_text(sdl), "mongodb", BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics]
    patterns = {p["name"]: p for p in json.loads(next(a.text for a in result.artifacts
                                                      if a.path == "queries.json"))["patterns"]}
    assert "next" not in patterns["by_title_rank"] and "next" not in patterns["titles_by_due"]
    assert len(patterns["due_first"]["next"]) == 2 and len(patterns["by_title"]["next"]) == 1
