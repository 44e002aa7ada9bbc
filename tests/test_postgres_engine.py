"""The PostgreSQL output against a real PostgreSQL 15: the schema applies, every generated statement runs,
triggers keep updated_at, counters, history and the audit log right, row-level security isolates tenants,
and the GDPR erasure routines erase."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.engines import PgServer, apply_pg_script
from tests.test_sql_helpers import (
    AGGREGATES_SDL,
    EXAMPLE_IDS,
    EXAMPLES,
    RESERVED_WORDS_SDL,
    Seed,
    Statement,
    Statements,
    artifact,
    build_example,
    column_value,
    driver_params,
    index_names,
    layout_of,
    param_values,
    parse_queries,
    seed,
)
from tests.test_sql_maintained import check_aggregates, exercise_aggregates

TARGET = "postgres"


class PgExample:
    """One example's schema applied to a fresh database, with sample rows."""

    def __init__(self, server: PgServer, path: Path, name: str) -> None:
        self.server = server
        self.result = build_example(path, TARGET)
        self.schema = artifact(self.result, "schema.sql")
        self.queries = Statements(self.result, parse_queries(artifact(self.result, "queries.sql")))
        self.dsn = server.fresh_database(name)
        self.db = self.dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            apply_pg_script(conn, self.schema)
        self.engine = sa.create_engine(self.dsn.replace("postgresql://", "postgresql+psycopg://"))
        self.layout = layout_of(self.result, TARGET)
        self.data: Seed | None = None

    def seed(self) -> Seed:
        with self.engine.begin() as conn:
            self.data = seed(conn, self.layout, mysql=False)
        return self.data

    def close(self) -> None:
        """Drop the database, so that few files are left to delete when the server stops."""
        self.engine.dispose()
        with self.server.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE "{self.db}" WITH (FORCE)')

    def app_engine(self) -> sa.Engine:
        with self.engine.begin() as conn:
            conn.exec_driver_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app")
            conn.exec_driver_sql("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app")
            conn.exec_driver_sql("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO app")
            if "audit_log" in self.schema:  # written by SECURITY DEFINER triggers and erasure functions only
                conn.exec_driver_sql("REVOKE INSERT, UPDATE, DELETE ON audit_log FROM app")
        dsn = self.server.dsn_for(self.db, user=self.server.app_user)
        return sa.create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))


def execute(conn: sa.Connection, stmt: Statement, values: dict[str, Any]) -> sa.CursorResult[Any]:
    """Run a `$n` statement through psycopg (which takes `%(name)s`)."""
    sql = re.sub(r"\$(\d+)\b", lambda m: f"%(p{m.group(1)})s", stmt.sql.replace("%", "%%"))
    params = driver_params({f"p{i + 1}": values[p.name] for i, p in enumerate(stmt.params)}, mysql=False)
    return conn.exec_driver_sql(sql, params)


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(pg_server: PgServer, request: pytest.FixtureRequest) -> Iterator[PgExample]:
    """One database per example for the tests of this module (each test seeds its own rows)."""
    ex = PgExample(pg_server, request.param, f"pg_engine_{request.param.stem}")
    try:
        yield ex
    finally:
        ex.close()


def test_postgres_schema_applies_and_every_statement_runs(example: PgExample) -> None:
    run_every_statement(example)


def test_postgres_keywords_as_names(pg_server: PgServer, tmp_path: Path) -> None:
    path = tmp_path / "words.sdl"
    path.write_text(RESERVED_WORDS_SDL, encoding="utf-8")
    example = PgExample(pg_server, path, "pg_reserved_words")
    try:
        assert '"order" INTEGER NOT NULL' in example.schema
        run_every_statement(example)
    finally:
        example.close()


def run_every_statement(example: PgExample) -> None:
    data = example.seed()
    reads = [s for s in example.queries.statements if s.kind == ":many" or "SELECT" in s.sql[:6]]
    with example.engine.begin() as conn:
        for stmt in example.queries.statements:
            if example.queries.is_next_page(stmt):
                continue  # run by _next_page after its first page
            ir = example.queries.pattern(stmt.name)
            result = execute(conn, stmt, param_values(stmt, ir, data))
            rows = result.mappings().all() if result.returns_rows else []
            if stmt.sql.startswith("SELECT"):
                assert rows, f"{stmt.name} returned no rows from the sample data"
                if stmt.kind == ":one":
                    assert len(rows) == 1, stmt.name
                _next_page(conn, example.queries.next_page(stmt.name), ir, data, rows)
    assert reads


def _next_page(conn: sa.Connection, stmt: Statement | None, ir: Any, data: Seed, rows: list[Any]) -> None:
    if stmt is None:
        return
    after = [p.name for p in stmt.params if p.name.startswith("after_")]
    values = param_values(stmt, ir, data)
    last = rows[-1]
    for name in after:
        values[name] = last[name[len("after_"):]]
    again = execute(conn, stmt, values).mappings().all()
    assert all(r["id"] != last["id"] for r in again), f"{stmt.name}: the next page repeats the cursor row"


def test_postgres_updated_at_advances_on_update(example: PgExample) -> None:
    data = example.seed()
    for info in example.layout.tables.values():
        if not info.updated_at:
            continue
        spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                    and not s.field.unique and not s.field.maintained)
        row = next(iter(data.rows[info.entity.name].values()))[0]
        key = sa.and_(*(info.table.c[c] == row[c] for c in info.pk))
        with example.engine.begin() as conn:
            conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, 2, "u", False)}))
            after = conn.execute(sa.select(info.table.c[info.updated_at]).where(key)).scalar_one()
        assert after > row[info.updated_at], info.name


def test_postgres_maintained_aggregates_match_real_values(example: PgExample) -> None:
    example.seed()
    assert example.data is not None
    aggregates = example.result.design.relational.aggregates  # type: ignore[union-attr]
    with example.engine.begin() as conn:
        check_aggregates(conn, example.layout, aggregates)
        exercise_aggregates(conn, example.layout, example.data, aggregates, mysql=False)


def test_postgres_uuid_generate_v7_is_version_7_and_time_ordered(example: PgExample) -> None:
    if "uuid_generate_v7" not in example.schema:
        return
    with example.engine.connect() as conn:
        ids = [conn.exec_driver_sql("SELECT uuid_generate_v7()").scalar_one() for _ in range(50)]
        now_ms = conn.exec_driver_sql("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)").scalar_one()
    assert {u.version for u in ids} == {7} and {u.variant for u in ids} == {"specified in RFC 4122"}
    stamps = [int(u.hex[:12], 16) for u in ids]
    assert stamps == sorted(stamps) and abs(stamps[-1] - int(now_ms)) < 5000


def test_postgres_queries_can_use_their_planned_index(example: PgExample) -> None:
    """Each read can use the index the design planned for it: the query's predicates (tenant, live-row filter,
    the constant predicate of a partial index) match the index's. The table's other indexes (its primary key
    too: keyed (tenant, id) it serves every tenant filter) are dropped in a rolled-back savepoint and
    sequential scans priced out, so the planner shows whether it can."""
    data = example.seed()
    design = example.result.design
    names = index_names(example.result, TARGET)
    with example.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for stmt in example.queries.statements:
            if example.queries.is_next_page(stmt):
                continue  # run by _next_page after its first page
            ir = example.queries.pattern(stmt.name)
            plan = design.relational.pattern(ir.name) if ir is not None else None  # type: ignore[union-attr]
            if plan is None or plan.index is None:
                continue
            index = names[plan.index]
            table = example.layout.of(design.relational.indexes[plan.index].entity).name  # type: ignore[union-attr]
            savepoint = conn.begin_nested()
            for other in conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE tablename = %(t)s AND indexname <> %(i)s "
                    "AND indexname <> %(pk)s", {"t": table, "i": index, "pk": f"{table}_pkey"}).scalars():
                conn.exec_driver_sql(f'DROP INDEX "{other}" CASCADE')
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_pkey" CASCADE')
            explain = Statement(stmt.name, stmt.kind, "EXPLAIN (FORMAT JSON) " + stmt.sql, stmt.params)
            tree = json.dumps(execute(conn, explain, param_values(stmt, ir, data)).scalar_one())
            savepoint.rollback()
            assert f'"Index Name": "{index}"' in tree, f"{stmt.name} cannot use {index}: {tree}"


def test_postgres_every_kind_of_maintained_aggregate(pg_server: PgServer, tmp_path: Path) -> None:
    path = tmp_path / "aggregates.sdl"
    path.write_text(AGGREGATES_SDL, encoding="utf-8")
    example = PgExample(pg_server, path, "postgres_aggregates")
    try:
        data = example.seed()
        aggregates = example.result.design.relational.aggregates  # type: ignore[union-attr]
        assert {a.func for a in aggregates} == {"count", "sum", "min", "max"}
        with example.engine.begin() as conn:
            check_aggregates(conn, example.layout, aggregates)
            exercise_aggregates(conn, example.layout, data, aggregates, mysql=False)
    finally:
        example.close()
