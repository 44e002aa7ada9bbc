"""Keyset pagination costs what a page costs, however deep the page (issue 10, item 10), on both engines.

One stream of 30,000 events; page 1 and page 101 (the cursor at the 10,000th row) of the generated first-
and next-page statements are executed and their reads counted: on PostgreSQL the rows the root scan
returned or filtered and the buffers touched (EXPLAIN ANALYZE, BUFFERS), in the custom plan and in the
generic plan a driver's prepared statement switches to after five executions; on MariaDB the handler
reads (Handler_read_*). Page 101 must read about what page 1 reads, not the 10,000 rows before it. No
timings: counts only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from psycopg import sql as psql

from tests.engines import MariaDbServer, PgServer
from tests.helpers.sqlrun import ENGINES, Db, engine_db, handler_reads

MODEL = """
model feed {
  ids bigint
}
entity Event @hard_delete {
  stream  string(20)
  at      timestamp
  due     timestamp?
  volume 30k
}
query stream_events {
  from   Event
  where  stream = ?
  order  at desc
  limit  100
}
query stream_due {
  from   Event
  where  stream = ?
  order  due
  limit  100
}
"""
ROWS, DEPTH, LIMIT = 30_000, 10_000, 100

PG_LOAD = f"""INSERT INTO events (stream, at, due)
SELECT CASE WHEN i % 7 = 0 THEN 'other' ELSE 'main' END, timestamp '2026-01-01' + i * interval '1 second',
       CASE WHEN i % 10 = 0 THEN NULL ELSE timestamp '2026-03-01' + (i % 5000) * interval '1 minute' END
FROM generate_series(1, {ROWS}) AS i"""
MARIADB_LOAD = f"""INSERT INTO events (stream, at, due)
SELECT CASE WHEN seq % 7 = 0 THEN 'other' ELSE 'main' END, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND,
       CASE WHEN seq % 10 = 0 THEN NULL ELSE TIMESTAMP '2026-03-01 00:00:00' + INTERVAL (seq % 5000) MINUTE END
FROM seq_1_to_{ROWS}"""


@pytest.fixture(params=ENGINES, scope="module")
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
       tmp_path_factory: pytest.TempPathFactory) -> Db:
    db = engine_db(request, pg_server, mariadb_server, tmp_path_factory.mktemp("keyset"), MODEL, "keyset")
    db.sql(PG_LOAD if db.engine == "postgres" else MARIADB_LOAD)
    db.sql("ANALYZE events" if db.engine == "postgres" else "ANALYZE TABLE events")
    return db


def _cursor(db: Db, order: str) -> dict[str, Any]:
    """The last row of page DEPTH / LIMIT: where the next page starts."""
    return db.sql(f"SELECT * FROM events WHERE stream = 'main' ORDER BY {order} LIMIT 1 OFFSET {DEPTH - 1}")[0]


def _pg_reads(db: Db, name: str, values: dict[str, Any], *, generic: bool) -> tuple[int, int]:
    """(rows the scans of `events` returned or filtered out, shared buffers touched)."""
    stmt = db.statements[name]
    names = list(dict.fromkeys(p.name for p in stmt.params))
    types = {p.name: p.type for p in stmt.params}
    db.sql(f"PREPARE page AS {stmt.sql}")
    try:
        db.sql(f"SET plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
        # EXECUTE's arguments get no types from the protocol: literals, cast as the params line says
        args = ", ".join(f"{psql.Literal(values[n]).as_string(db.conn)}::{types[n]}" for n in names)
        plan = db.sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE page({args})")
    finally:
        db.sql("RESET plan_cache_mode")
        db.sql("DEALLOCATE page")
    doc = plan[0]["QUERY PLAN"]
    root = (json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"]
    rows = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal rows
        if node.get("Relation Name") == "events":
            rows += int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    return rows, int(root.get("Shared Hit Blocks", 0)) + int(root.get("Shared Read Blocks", 0))


def _mariadb_reads(db: Db, name: str, values: dict[str, Any]) -> int:
    return handler_reads(db, lambda: db.run(name, **values))


def _reads(db: Db, name: str, values: dict[str, Any]) -> list[tuple[str, int]]:
    if db.engine == "postgres":
        out = []
        for generic in (False, True):
            rows, buffers = _pg_reads(db, name, values, generic=generic)
            plan = "generic" if generic else "custom"
            out += [(f"{plan} plan rows", rows), (f"{plan} plan buffers", buffers)]
        return out
    return [("handler reads", _mariadb_reads(db, name, values))]


@pytest.mark.parametrize(("query", "order", "keys"), [
    ("StreamEvents", "at DESC, id DESC", ("at", "id")),
    ("StreamDue", "due IS NULL, due, id", ("due", "id")),
], ids=["not-null-key", "nullable-key"])
def test_page_101_reads_what_page_1_reads(db: Db, query: str, order: str, keys: tuple[str, ...]) -> None:
    if db.engine == "mariadb":
        order = order.replace("due IS NULL, ", "")  # MariaDB sorts NULLs first, as the statement does
    first = _reads(db, query, {"stream": "main"})
    cursor = _cursor(db, order)
    page = db.run(f"{query}Next", stream="main", **{f"after_{k}": cursor[k] for k in keys})
    assert len(page) == LIMIT and cursor["id"] not in {r["id"] for r in page}
    deep = _reads(db, f"{query}Next", {"stream": "main", **{f"after_{k}": cursor[k] for k in keys}})
    for (what, n1), (_, n101) in zip(first, deep, strict=True):
        assert n101 <= 2 * n1 + 10, f"{query} on {db.engine}: page 101 {what} {n101} against page 1 {n1}"


@pytest.mark.parametrize(("query", "keys"), [("StreamEvents", ("at", "id")), ("StreamDue", ("due", "id"))],
                         ids=["not-null-key", "nullable-key"])
def test_walking_every_page_returns_every_row_once_in_order(db: Db, query: str, keys: tuple[str, ...]) -> None:
    nulls = "due IS NULL, " if db.engine == "postgres" else "due IS NOT NULL, "  # where each engine sorts NULL
    order = "at DESC, id DESC" if query == "StreamEvents" else f"{nulls}due, id"
    expected = [r["id"] for r in db.sql(f"SELECT id FROM events WHERE stream = 'other' ORDER BY {order}")]
    seen: list[Any] = []
    page = db.run(query, stream="other")
    while page:
        seen += [r["id"] for r in page]
        cursor = {f"after_{k}": page[-1][k] for k in keys}
        page = db.run(f"{query}Next", stream="other", **cursor)
    assert seen == expected
