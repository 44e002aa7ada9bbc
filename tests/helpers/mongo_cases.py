"""Test cases over the examples' MongoDB builds, and the documents built from each example's logical rows.

`example_cases()` / `pattern_cases()` are pytest parameters computed at collection time; an example that does not
build for mongodb becomes one case that fails with the build's message (never a collection error, never a skip).
`Loaded` is one example on mongomock: its artifacts, the PostgreSQL harness, the documents, and the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from bson import Binary

from tests.helpers.mongo_artifacts import MongoArtifacts, mongo_artifacts
from tests.helpers.mongo_compare import compare, on_pg_keys, pg_rows, plain, result_rows, sort_columns
from tests.helpers.mongo_docs import Doc, build_documents, get_path
from tests.helpers.mongo_mock import (
    Union,
    load,
    new_database,
    pattern_limit,
    pattern_sort,
    run_pattern,
    union_in_order,
)
from tests.helpers.pg_answers import EXAMPLES, PgAnswers

__all__ = ["EXAMPLES", "Loaded", "example_cases", "loaded", "pattern_against_postgres", "pattern_cases", "write_cases"]

BROKEN = "<build: "


def _artifacts_or_reason(example: str) -> MongoArtifacts | str:
    try:
        return mongo_artifacts(example)
    except Exception as exc:  # reported by the test, not as a collection error
        return f"{BROKEN}{exc}>"


def example_cases() -> list[Any]:
    return [pytest.param(e, id=e) for e in EXAMPLES]


def pattern_cases() -> Iterator[Any]:
    for example in EXAMPLES:
        art = _artifacts_or_reason(example)
        if isinstance(art, str):
            yield pytest.param(example, art, id=f"{example}-build")
            continue
        for p in art.patterns:
            yield pytest.param(example, p["name"], id=f"{example}-{p['name']}")


def write_cases() -> Iterator[Any]:
    for example in EXAMPLES:
        art = _artifacts_or_reason(example)
        if isinstance(art, str):
            yield pytest.param(example, art, id=f"{example}-build")
            continue
        for w in art.writes["writes"]:
            if str(w["name"]).startswith("insert "):
                yield pytest.param(example, w["name"], id=f"{example}-{w['name'].replace(' ', '_')}")


def artifacts(example: str) -> MongoArtifacts:
    """The example's artifacts; a failing build fails the test with its message."""
    art = _artifacts_or_reason(example)
    if isinstance(art, str):
        pytest.fail(art, pytrace=False)
    return art


@dataclass
class Loaded:
    art: MongoArtifacts
    pg: PgAnswers
    docs: dict[str, list[Doc]]
    db: Any

    @property
    def spec(self) -> dict[str, Any]:
        return self.art.collections


_LOADED: dict[tuple[str, int], Loaded] = {}


def loaded(example: str, pg: PgAnswers) -> Loaded:
    """The example's documents, built from `pg`'s logical rows and loaded with every index (once each)."""
    k = (example, pg.server.port)
    if k not in _LOADED:
        art = artifacts(example)
        docs = build_documents(art.collections, pg.data)
        db = new_database(f"proof_{example}")
        load(db, art.collections, docs)
        _LOADED[k] = Loaded(art, pg, docs, db)
    return _LOADED[k]


def pattern_against_postgres(pg: PgAnswers, db: Any, pattern: dict[str, Any], draws: int, *,
                             emulate: bool = True, union: Union = union_in_order,
                             param_sets: list[tuple[str, dict[str, Any]]] | None = None) -> tuple[list[str], list[int]]:
    """The pattern run on `db` for `draws` parameter sets drawn from the data (the biggest groups first), or for
    `param_sets` (label, params), each compared with the PostgreSQL target's answer: the problems found, and
    the answers' sizes. `union`: the emulated `$unionWith`'s output order (see mongo_mock)."""
    limit = pattern_limit(pattern)
    keys = sort_columns(pattern, pattern_sort(pattern))
    problems: list[str] = []
    sizes = []
    run = functools.partial(run_pattern, emulate=emulate, union=union)
    for label, params in param_sets if param_sets is not None else pg.draw_labelled(pattern["name"], draws):
        answer = pg.pg_answer(pattern["name"], params)
        want = pg_rows(pattern, answer)
        docs = run(db, pattern, params)
        got = on_pg_keys(pattern, result_rows(pattern, docs), answer)
        pool = on_pg_keys(pattern, result_rows(pattern, run(db, pattern, params, unlimited=True)), answer) \
            if limit else got
        sizes.append(len(want))
        found = compare(want, got, pool, ordered=bool(pattern.get("ordered")), sort_keys=keys, limit=limit)
        follow_ups = pattern.get("follow_ups") or []
        if not found:  # to-one follow-ups: one request for every result document, each filling its row
            found = [p for f in follow_ups if "join" in f
                     for p in follow_one(db, f, params, pattern, docs, answer, run)]
        if not found and len(docs) == 1:  # a read of one document: its follow-ups fill columns of that row
            found = [p for f in follow_ups if "join" not in f
                     for p in _follow_up(db, f, params, docs[0], answer[0], run)]
        problems += [f"{label} {params}: {p}" for p in found]
    return problems, sizes


def _follow_up(db: Any, f: dict[str, Any], params: dict[str, Any], doc: dict[str, Any], row: dict[str, Any],
               run: Callable[..., list[Doc]]) -> list[str]:
    """A follow-up request run with the first result's values (`bind`: its parameter -> a path in that
    document; the others are the pattern's own), compared with the PostgreSQL column it fills (`column`)."""
    if "column" not in f or "bind" not in f:
        return [f"follow-up {f['name']}: no `column` and `bind`, so its documents cannot be compared"]
    values = {p["name"]: (get_path(doc, f["bind"][p["name"]]) if p["name"] in f["bind"] else params[p["name"]])
              for p in f.get("params") or []}
    missing = [f"{k} <- {f['bind'][k]}" for k in f["bind"] if values.get(k) is None]
    if missing:
        return [f"follow-up {f['name']}: bound paths missing in the result document: {missing}"]
    values = {k: (_logical(v) if k in f["bind"] else v) for k, v in values.items()}
    got = result_rows(f, run(db, f, values))
    pool = result_rows(f, run(db, f, values, unlimited=True))
    items = row[f["column"]] or []
    want = [{c: plain(get_path(item, c)) for c in f["result"]["columns"]} for item in items]
    found = compare(want, got, pool, ordered=bool(f.get("ordered")), sort_keys=sort_columns(f, pattern_sort(f)),
                    limit=pattern_limit(f))
    return [f"follow-up {f['name']}: {p}" for p in found]


def follow_one(db: Any, f: dict[str, Any], params: dict[str, Any], pattern: dict[str, Any], docs: list[Doc],
               answer: list[dict[str, Any]], run: Callable[..., list[Doc]]) -> list[str]:
    """A to-one follow-up (`join`): one request whose bound parameter gathers the distinct non-null values of the
    bound path over every result document; each result document then takes the follow-up document whose
    `join` key equals its value (none: the columns are null), and each PostgreSQL column the follow-up `fills`
    must equal the follow-up result column named for it. Rows are matched with PostgreSQL's by their id."""
    if not {"fills", "bind", "join"} <= set(f) or len(f["bind"]) != 1 or len(f["join"]) != 1:
        return [f"follow-up {f['name']}: a to-one follow-up needs `fills`, one `bind` and one `join`"]
    (param, path), = f["bind"].items()
    (here, there), = f["join"].items()
    gathered = list({repr(v): v for d in docs if (v := get_path(d, path)) is not None}.values())
    if not gathered:
        return []
    values = {p["name"]: ([_logical(v) for v in gathered] if p["name"] == param else params[p["name"]])
              for p in f.get("params") or []}
    fetched = {repr(get_path(d, there)): d for d in run(db, f, values)}
    columns = pattern["result"]["columns"]
    id_column = next(c for c, how in columns.items() if how == pattern["result"]["id"])
    rows = {plain(r[id_column]): r for r in answer}
    problems = []
    for d in docs:
        row = rows.get(plain(get_path(d, pattern["result"]["id"])))
        if row is None:
            problems.append(f"follow-up {f['name']}: no PostgreSQL row for {get_path(d, pattern['result']['id'])}")
            continue
        other = fetched.get(repr(get_path(d, here)))
        for column, theirs in f["fills"].items():
            got = plain(get_path(other, f["result"]["columns"][theirs])) if other is not None else None
            if got != plain(row[column]):
                problems.append(f"follow-up {f['name']}: row {row[id_column]} {column} = {got!r}, PostgreSQL has "
                                f"{plain(row[column])!r}")
    return problems


def _logical(v: Any) -> Any:
    """A document value back as a parameter (binData uuids as uuid.UUID; arrays item by item)."""
    if isinstance(v, list):
        return [_logical(x) for x in v]
    return v.as_uuid() if isinstance(v, Binary) and v.subtype == 4 else v
