"""Opt-in: the proofs on a real MongoDB server, when SCHEMAC_MONGODB_URL names one (no mongod can be installed
on the project's machines, so by default this target is verified on mongomock and mongo-schema only).

With the URL set, for every example, in a database `schemac_proof_<example>` that the test drops first:
setup.js's equivalent through pymongo (collections with their validators, then the indexes) runs twice and
the second run changes nothing; the documents built from the logical rows go in under the server's own
validators and unique indexes; every pattern runs on the server as queries.json says and equals the
PostgreSQL target's answer, and so does its next page after a middle and the last row of a first page.
With `mongosh` on PATH too, setup.js itself runs twice (it creates or updates the database the artifact
names)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.mongo_cases import artifacts, example_cases, pattern_against_postgres
from tests.helpers.mongo_docs import build_documents
from tests.helpers.mongo_mock import index_keys, index_options
from tests.helpers.mongo_next import next_against_postgres
from tests.helpers.pg_answers import PgAnswers, pg_answers  # noqa: F401  (fixture)

URL = os.environ.get("SCHEMAC_MONGODB_URL", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="SCHEMAC_MONGODB_URL is not set: the MongoDB target is verified on mongomock and "
    "mongo-schema; set it to a MongoDB server's URL (mongodb://host:27017) to run these proofs there too")
Load = Callable[[str], PgAnswers]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    import pymongo

    c: Any = pymongo.MongoClient(URL, uuidRepresentation="standard", tz_aware=True, serverSelectionTimeoutMS=5000)
    try:
        yield c
    finally:
        c.close()


def apply_setup(db: Any, spec: dict[str, Any]) -> None:
    """What setup.js does: create each collection with its validator (collMod when it exists), then indexes."""
    existing = set(db.list_collection_names())
    for c in spec["collections"]:
        opts = {"validator": c["validator"], "validationLevel": c["validationLevel"],
                "validationAction": c["validationAction"]}
        if c["name"] in existing:
            db.command({"collMod": c["name"], **opts})
        else:
            db.create_collection(c["name"], **opts)
        for ix in c.get("indexes") or []:
            db[c["name"]].create_index(index_keys(ix), **index_options(ix))


def _state(db: Any) -> dict[str, Any]:
    return {c["name"]: (c["options"].get("validator"), sorted(ix["name"] for ix in db[c["name"]].list_indexes()))
            for c in db.list_collections()}


@pytest.mark.parametrize("example", example_cases())
def test_setup_is_idempotent(client: Any, example: str) -> None:
    art = artifacts(example)
    name = f"schemac_proof_{example}"
    client.drop_database(name)
    apply_setup(client[name], art.collections)
    first = _state(client[name])
    apply_setup(client[name], art.collections)
    assert _state(client[name]) == first
    assert set(first) == {c["name"] for c in art.collections["collections"]}


@pytest.mark.parametrize("example", example_cases())
def test_setup_js_runs_twice_in_mongosh(example: str, tmp_path: Path) -> None:
    mongosh = shutil.which("mongosh")
    if mongosh is None:
        pytest.skip("mongosh is not on PATH: setup.js itself is checked with node --check only")
    path = tmp_path / "setup.js"
    path.write_text(artifacts(example).texts["setup.js"], encoding="utf-8")
    for _ in range(2):
        done = subprocess.run([mongosh, URL, "--quiet", "--file", str(path)], capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr or done.stdout


@pytest.mark.parametrize("example", example_cases())
def test_queries_on_the_server_equal_postgres(client: Any, pg_answers: Load, example: str) -> None:  # noqa: F811
    art = artifacts(example)
    pg = pg_answers(example)
    name = f"schemac_proof_{example}"
    client.drop_database(name)
    db = client[name]
    apply_setup(db, art.collections)
    for coll, docs in build_documents(art.collections, pg.data).items():
        if docs:
            db[coll].insert_many(docs)  # the server's validators and unique indexes judge them
    problems = []
    for pattern in art.patterns:
        found, _sizes = pattern_against_postgres(pg, db, pattern, 2, emulate=False)
        problems += [f"{pattern['name']} {p}" for p in found]
        for label, params in pg.draw_labelled(pattern["name"], 2) if pattern.get("next") else ():
            first = pg.pg_answer(pattern["name"], params)  # the next page after a middle row and the last one
            cursors = [first[len(first) // 2], first[-1]] if first else []
            found, _rows = next_against_postgres(pg, db, pattern, params, cursors, emulate=False)
            problems += [f"{pattern['name']} {label} {p}" for p in found]
    assert not problems, "\n".join(problems[:10])
