"""writes.json's "insert <Entity>" templates run on mongomock: a fresh row (a copy of a live logical row with
a new id and new unique values) goes in through the template's steps, with every parameter they declare (the
row's fields and columns, the copied fields of the rows it references, its bucket keys, the audit's changes);
the documents it writes are accepted by their collection's validator, and a read pattern over that collection
(or its `_id`, or for an embedded entity its parent's array) finds the new row."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from schemac.compiler.model import Entity
from tests.helpers.mongo_cases import BROKEN, Loaded, loaded, write_cases
from tests.helpers.mongo_compare import plain
from tests.helpers.mongo_docs import encode, get_path
from tests.helpers.mongo_mock import bind, new_database, param_names, run_pattern
from tests.helpers.mongo_validate import errors
from tests.helpers.mongo_writes import fresh_row, run_steps, write_params
from tests.helpers.pg_answers import PgAnswers, Row, pg_answers  # noqa: F401  (fixture)

Load = Callable[[str], PgAnswers]


@pytest.mark.parametrize(("example", "name"), list(write_cases()))
def test_insert_template(pg_answers: Load, example: str, name: str) -> None:  # noqa: F811
    assert not name.startswith(BROKEN), name
    ld = loaded(example, pg_answers(example))
    write = next(w for w in ld.art.writes["writes"] if w["name"] == name)
    e = ld.pg.model.entity(write["entity"])
    row = fresh_row(ld, e)
    params = write_params(ld, e, row)
    declared = [p["name"] for p in write.get("params") or []]
    used = param_names(write["steps"])
    assert used <= set(declared), f"{name}: uses {sorted(used - set(declared))} without declaring them"
    missing = [n for n in declared if n not in params]
    assert not missing, f"{name}: parameters {missing} are not fields or columns of {e.name}"
    db = new_database(f"w_{example}")
    needed = {s["collection"] for s in write["steps"]} | {
        p["collection"] for p in ld.art.patterns if ld.pg.query(p["name"]).entity == e.name}
    for coll in needed:  # a copy of what the write and the reads touch, so the shared database stays as loaded
        db[coll].drop()
        if ld.docs.get(coll):
            db[coll].insert_many(copy.deepcopy(ld.docs[coll]))
    run_steps(db, write, params)
    for step in write["steps"]:  # the documents the write made or changed, under their collection's validator
        spec = next((c for c in ld.spec["collections"] if c["name"] == step["collection"]), None)
        assert spec is not None, f"{name}: writes to {step['collection']}, which collections.json does not declare"
        schema = (spec.get("validator") or {}).get("$jsonSchema", {})
        document = step.get("document") or {}
        flt = step.get("filter") or {}
        written = bind({"_id": flt["_id"]} if "_id" in flt else flt or ({"_id": document["_id"]} if "_id" in document
                       else {k: v for k, v in document.items()
                             if not isinstance(v, dict | list) or set(v) == {"$param"}}), params)
        docs = list(db[step["collection"]].find(written))
        assert docs, f"{name}: no {step['collection']} document matches {written} after the write"
        for d in docs:
            found = errors(schema, d)
            assert not found, f"{name}: {step['collection']} refuses the written document: {found[0].message}"
    assert _seen(ld, db, e, row, params), f"{name}: no read finds the new {e.name} {row.get('id')}"


def _seen(ld: Loaded, db: Any, e: Entity, row: Row, params: dict[str, Any]) -> bool:
    """A read pattern whose parameters the row gives finds it; or, with none, its document by `_id`."""
    new_id = plain(row.get("id"))
    for p in ld.art.patterns:
        need = [x["name"] for x in p.get("params") or []]
        if ld.pg.query(p["name"]).entity != e.name or not need or any(params.get(n) is None for n in need):
            continue
        id_path = p["result"]["columns"].get("id")
        if not isinstance(id_path, str):
            continue
        docs = run_pattern(db, p, {n: params[n] for n in need}, unlimited=True)
        if any(plain(get_path(d, id_path)) == new_id for d in docs):
            return True
    m = ld.spec["entities"].get(e.name) or {}
    key = encode(row["id"]) if "id" in row else None
    if m.get("collection") is not None:
        return key is not None and db[m["collection"]].find_one({"_id": key}) is not None
    how = m["embedded_in"]  # embedded only: the element in its parent's document
    parent = ld.spec["entities"][how["entity"]]["collection"]
    return db[parent].find_one({"_id": encode(row[how["by"]]), f"{how['path']}.id": key}) is not None

