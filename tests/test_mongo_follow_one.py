"""To-one follow-ups (an include of a reference the design does not copy, MDB-E07) say in queries.json what they
fill and how: `fills` (the PostgreSQL columns of the first round trip's row, each from a follow-up result
column), `bind` (the follow-up's id-list parameter <- the reference's path in the result documents, gathered
over all of them) and `join` (which follow-up document belongs to which result). One model, loaded with the
same rows into PostgreSQL 15 and mongomock: the read and its follow-up equal PostgreSQL's rows, column by
column, including a soft-deleted author (a restricting reference keeps showing it), a soft-deleted editor (a
SET NULL reference reads as absent), a post without an editor, and an author shared by several posts."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from schemac.compiler.design.model import Design
from tests.engines import PgServer
from tests.helpers.mongo_artifacts import read_json
from tests.helpers.mongo_cases import follow_one
from tests.helpers.mongo_compare import compare, on_pg_keys, pg_rows, result_rows, sort_columns
from tests.helpers.mongo_docs import build_documents
from tests.helpers.mongo_mock import load, new_database, pattern_limit, pattern_sort, run_pattern
from tests.helpers.pg_answers import LogicalData, logical_row
from tests.helpers.sqlrun import Db, artifact, build_model, db_for

SDL = """
model blog {
  deletes soft
}
entity Author {
  name  string(80)
  last_seen_at timestamp?
  volume 10k
}
entity Post {
  author  Author
  editor  Author?  @on_delete(set_null)
  title   string(100)
  volume  1M
}
query author_posts {
  from Post
  where author = ?
  include author (name), editor (name, last_seen_at)
  order created_at desc
  limit 20
  rate 2/s
}
query post_page {
  from Post
  where id = ?
  include author (name)
  rate 1/s
}
write seen {
  update Author (last_seen_at) by (id)
  rate 200/s
}
write remove_author {
  delete Author by (id)
  rate 1/s
}
"""


@pytest.fixture(scope="module")
def mongo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = build_model(SDL, tmp_path_factory.mktemp("follow_one"), "mongodb")
    return {"queries": read_json(artifact(result, "queries.json"), "queries.json"),
            "collections": read_json(artifact(result, "collections.json"), "collections.json"),
            "decisions": artifact(result, "decisions.md")}


def _pattern(mongo: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in mongo["queries"]["patterns"] if p["name"] == name)


def test_a_to_one_follow_up_says_what_it_fills_and_how(mongo: dict[str, Any]) -> None:
    p = _pattern(mongo, "author_posts")
    assert not [c for c in mongo["collections"]["copies"] if c["mode"] == "extended_reference"]
    assert "MDB-E07" in mongo["decisions"]
    author, editor = p["follow_ups"]
    assert author["fills"] == {"author_name": "name"}
    assert author["bind"] == {"author_ids": "author_id"} and author["join"] == {"author_id": "_id"}
    assert editor["fills"] == {"editor_name": "name", "editor_last_seen_at": "last_seen_at"}
    assert editor["bind"] == {"editor_ids": "editor_id"} and editor["join"] == {"editor_id": "_id"}
    assert [x["type"] for x in author["params"]] == ["list<uuid>"]
    # the restricting reference reads a soft-deleted author as history; the SET NULL one only live editors
    assert "deleted_at" not in author["filter"] and editor["filter"]["deleted_at"] == {"$type": "null"}
    assert author["index"] == editor["index"] == "_id_"
    filled = {c for f in p["follow_ups"] for c in f["fills"]}
    assert filled == {o["column"] for o in p["omitted"]}
    for f in p["follow_ups"]:
        assert set(f["fills"].values()) <= set(f["result"]["columns"]), f
        assert "column" not in f  # `column` stays the array column of an include of many


T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _load_postgres(db: Db) -> dict[str, uuid.UUID]:
    ids = {k: uuid.uuid4() for k in ("ann", "bob", "cyd", "gone")}
    for i, (k, seen) in enumerate([("ann", T0), ("bob", None), ("cyd", T0 + dt.timedelta(hours=5)),
                                   ("gone", T0)]):
        db.sql("INSERT INTO authors (id, name, last_seen_at, created_at, updated_at) VALUES (%s, %s, %s, %s, %s)",
               ids[k], k, seen, T0 + dt.timedelta(minutes=i), T0 + dt.timedelta(minutes=i))
    posts = [("ann", "bob"), ("ann", None), ("ann", "gone"), ("ann", "ann"), ("gone", "cyd"), ("gone", None),
             ("bob", "gone"), ("cyd", "bob")]
    for i, (author, editor) in enumerate(posts):
        db.sql("INSERT INTO posts (id, author_id, editor_id, title, created_at, updated_at) "
               "VALUES (%s, %s, %s, %s, %s, %s)", uuid.uuid4(), ids[author], ids[editor] if editor else None,
               f"post {i}", T0 + dt.timedelta(hours=i), T0 + dt.timedelta(hours=i))
    db.sql("UPDATE authors SET deleted_at = %s WHERE id = %s", T0 + dt.timedelta(days=1), ids["gone"])
    return ids


def _logical(db: Db) -> LogicalData:
    design = db.result.design
    assert isinstance(design, Design)
    data = LogicalData("blog", design.model)
    for entity, table in (("Author", "authors"), ("Post", "posts")):
        e = design.model.entity(entity)
        data.rows[entity] = [logical_row(design.model, e, r) for r in db.sql(f"SELECT * FROM {table}")]
    return data


def test_to_one_follow_ups_equal_postgres(mongo: dict[str, Any], pg_server: PgServer, tmp_path: Path) -> None:
    pg = db_for("postgres", SDL, tmp_path, "mongo_follow_one", pg=pg_server)
    ids = _load_postgres(pg)
    mdb = new_database("follow_one")
    load(mdb, mongo["collections"], build_documents(mongo["collections"], _logical(pg)))
    cases = [("author_posts", "AuthorPosts", {"author_id": ids[k]}) for k in ("ann", "gone", "bob", "cyd")]
    posts = pg.sql("SELECT id FROM posts ORDER BY title")
    cases += [("post_page", "PostPage", {"id": r["id"]}) for r in posts]
    compared = 0
    for name, statement, params in cases:
        p = _pattern(mongo, name)
        answer = pg.run(statement, **params)
        docs = run_pattern(mdb, p, params)
        got = on_pg_keys(p, result_rows(p, docs), answer)
        problems = compare(pg_rows(p, answer), got, got, ordered=bool(p["ordered"]),
                           sort_keys=sort_columns(p, pattern_sort(p)), limit=pattern_limit(p))
        assert not problems, (name, params, problems)
        for f in p["follow_ups"]:
            problems = follow_one(mdb, f, params, p, docs, answer, run_pattern)
            assert not problems, (name, params, problems)
            compared += len(docs)
    assert compared >= 8 + 8 + 8  # every post through author_posts' two follow-ups, and each post page


def test_the_comparison_sees_a_wrong_fill(mongo: dict[str, Any], pg_server: PgServer, tmp_path: Path) -> None:
    """The teeth: a follow-up bound to the editor's id for author_name is caught, and so is the editor read
    without its live filter (PostgreSQL's SET NULL reference hides the soft-deleted editor)."""
    pg = db_for("postgres", SDL, tmp_path, "mongo_follow_one_bad", pg=pg_server)
    ids = _load_postgres(pg)
    mdb = new_database("follow_one_bad")
    load(mdb, mongo["collections"], build_documents(mongo["collections"], _logical(pg)))
    p = _pattern(mongo, "author_posts")
    params = {"author_id": ids["ann"]}
    answer = pg.run("AuthorPosts", **params)
    docs = run_pattern(mdb, p, params)
    wrong = json.loads(json.dumps({**p["follow_ups"][0], "bind": {"author_ids": "editor_id"},
                                   "join": {"editor_id": "_id"}}))
    assert follow_one(mdb, wrong, params, p, docs, answer, run_pattern)
    undead = json.loads(json.dumps(p["follow_ups"][1]))  # the editor read without its live filter
    undead["filter"].pop("deleted_at")
    assert any("editor_name = 'gone'" in x for x in follow_one(mdb, undead, params, p, docs, answer, run_pattern))


def test_follow_up_parameters_have_the_ids_type(tmp_path: Path) -> None:
    """With `ids bigint` the id list a to-one follow-up takes is a list of bigint, not of uuid."""
    result = build_model(SDL.replace("deletes soft", "deletes soft\n  ids bigint"), tmp_path, "mongodb")
    patterns = {p["name"]: p for p in read_json(artifact(result, "queries.json"), "queries.json")["patterns"]}
    assert [x["type"] for x in patterns["author_posts"]["follow_ups"][0]["params"]] == ["list<bigint>"]
