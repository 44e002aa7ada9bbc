"""The MySQL output against a real MariaDB 10.11 (with MySQL 8's sql_mode): the schema applies with zero
warnings or notes after every statement, every generated statement runs (also warning-free), the
maintained counters stay equal to the real aggregates, the audit log records each change, and the GDPR
erasure procedures and @versioned history work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pymysql.cursors
import pytest
import sqlalchemy as sa

from tests.engines import MariaDbServer, apply_mysql_script, execute_checked
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
    insert,
    layout_of,
    many_keys_model,
    param_values,
    parse_queries,
    sample_row,
    seed,
    uuid_text,
    wide_row_model,
)
from tests.test_sql_maintained import check_aggregates, exercise_aggregates

TARGET = "mysql"


class MyExample:
    def __init__(self, server: MariaDbServer, path: Path, name: str) -> None:
        self.result = build_example(path, TARGET)
        self.schema = artifact(self.result, "schema.sql")
        self.queries = Statements(self.result, parse_queries(artifact(self.result, "queries.sql")))
        self.kwargs = server.fresh_database(name)
        self.conn = pymysql.connect(**self.kwargs, cursorclass=pymysql.cursors.DictCursor)
        apply_mysql_script(self.conn, self.schema)
        k = self.kwargs
        url = f"mysql+pymysql://{k['user']}@{k['host']}:{k['port']}/{k['database']}?charset=utf8mb4"
        self.engine = sa.create_engine(url)
        self.layout = layout_of(self.result, TARGET)
        self.data: Seed | None = None

    def seed(self) -> Seed:
        with self.engine.begin() as conn:
            self.data = seed(conn, self.layout, mysql=True)
        return self.data

    def close(self) -> None:
        """Drop the database: InnoDB then has no dirty pages of it to flush when the server stops."""
        execute_checked(self.conn, f"DROP DATABASE `{self.kwargs['database']}`")
        self.conn.close()
        self.engine.dispose()


def execute(conn: pymysql.connections.Connection, stmt: Statement, values: dict[str, Any]) -> tuple[Any, ...]:
    """Run a `%(name)s` statement through PyMySQL with a dict of its parameters, failing on any warning."""
    args = {p.name: driver_params(values, mysql=True)[p.name] for p in stmt.params}
    return execute_checked(conn, stmt.sql, args)


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(mariadb_server: MariaDbServer, request: pytest.FixtureRequest) -> Iterator[MyExample]:
    """One database per example for the tests of this module (each test seeds its own rows)."""
    ex = MyExample(mariadb_server, request.param, f"mysql_engine_{request.param.stem}")
    try:
        yield ex
    finally:
        ex.close()


def test_mysql_schema_applies_without_warnings_and_every_statement_runs(example: MyExample) -> None:
    run_every_statement(example)


def test_mysql_keywords_as_names(mariadb_server: MariaDbServer, tmp_path: Path) -> None:
    path = tmp_path / "words.sdl"
    path.write_text(RESERVED_WORDS_SDL, encoding="utf-8")
    example = MyExample(mariadb_server, path, "mysql_reserved_words")
    try:
        assert "`order` INTEGER NOT NULL" in example.schema
        run_every_statement(example)
    finally:
        example.close()


def run_every_statement(example: MyExample) -> None:
    data = example.seed()
    for stmt in example.queries.statements:
        if example.queries.is_next_page(stmt):
            continue  # run by _next_page after its first page
        ir = example.queries.pattern(stmt.name)
        rows = execute(example.conn, stmt, param_values(stmt, ir, data))
        if stmt.sql.startswith("SELECT"):
            assert rows, f"{stmt.name} returned no rows from the sample data"
            if stmt.kind == ":one":
                assert len(rows) == 1, stmt.name
            _next_page(example, stmt, ir, data, rows)


def _next_page(example: MyExample, first: Statement, ir: Any, data: Seed, rows: tuple[Any, ...]) -> None:
    stmt = example.queries.next_page(first.name)
    if stmt is None:
        return
    after = [p.name for p in stmt.params if p.name.startswith("after_")]
    values = param_values(stmt, ir, data)
    last = rows[-1]
    for name in after:
        values[name] = last[name[len("after_"):]]
    again = execute(example.conn, stmt, values)
    assert all(r["id"] != last["id"] for r in again), f"{stmt.name}: the next page repeats the cursor row"


def test_mysql_maintained_aggregates_match_real_values(example: MyExample) -> None:
    data = example.seed()
    aggregates = example.result.design.relational.aggregates  # type: ignore[union-attr]
    with example.engine.begin() as conn:
        check_aggregates(conn, example.layout, aggregates)
        exercise_aggregates(conn, example.layout, data, aggregates, mysql=True)


def test_mysql_audit_log_records_each_change(example: MyExample) -> None:
    plan = example.result.design.relational.audit  # type: ignore[union-attr]
    if plan is None:
        assert "audit_log" not in example.schema
        return
    data = example.seed()
    tenant_column = next((i.tenant for i in example.layout.tables.values() if i.tenant), None)
    tenant_sql = f"{tenant_column} AS t" if tenant_column else "NULL AS t"
    for entity in plan.entities:
        info = example.layout.of(entity)
        spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                    and not s.field.unique and not s.field.maintained)
        with example.engine.begin() as conn:
            conn.exec_driver_sql("SET @app_actor = 'alice'")
            row = insert(conn, info, sample_row(data, info, 5, 0, "audit"), mysql=True)
            key = sa.and_(*(info.table.c[c] == row[c] for c in info.pk))
            conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, 6, "x", True)}))
            if info.deleted_at:
                conn.execute(info.table.update().where(key).values({info.deleted_at: sa.func.now(6)}))
            else:
                conn.execute(info.table.delete().where(key))
        log = execute_checked(example.conn, f"SELECT action, actor, old_values, new_values, {tenant_sql} "
                              "FROM audit_log WHERE table_name = %s AND row_id = %s ORDER BY id",
                              [info.name, _key_text(row.get(info.pk[0]))])
        assert [r["action"] for r in log] == ["insert", "update", "delete"], info.name
        assert {r["actor"] for r in log} == {"alice"}
        assert {r["t"] for r in log} == {data.tenants[0] if data.tenants else None}
        assert log[0]["old_values"] is None and str(json.loads(log[0]["new_values"])["id"]) == _key_text(row["id"])


def test_mysql_updated_at_advances_on_update(example: MyExample) -> None:
    data = example.seed()
    for info in example.layout.tables.values():
        if not info.updated_at:
            continue
        spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                    and not s.field.unique and not s.field.maintained)
        row = data.of(info.entity.name, 0)[0] if info.entity.name in data.rows else None
        assert row is not None
        key = sa.and_(*(info.table.c[c] == row[c] for c in info.pk))
        with example.engine.begin() as conn:
            conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, 2, "u", True)}))
            after = conn.execute(sa.select(info.table.c[info.updated_at]).where(key)).scalar_one()
        assert after > row[info.updated_at], info.name


def test_mysql_every_kind_of_maintained_aggregate(mariadb_server: MariaDbServer, tmp_path: Path) -> None:
    path = tmp_path / "aggregates.sdl"
    path.write_text(AGGREGATES_SDL, encoding="utf-8")
    example = MyExample(mariadb_server, path, "mysql_aggregates")
    try:
        data = example.seed()
        aggregates = example.result.design.relational.aggregates  # type: ignore[union-attr]
        assert {a.func for a in aggregates} == {"count", "sum", "min", "max"}
        with example.engine.begin() as conn:
            check_aggregates(conn, example.layout, aggregates)
            exercise_aggregates(conn, example.layout, data, aggregates, mysql=True)
    finally:
        example.close()


def _key_text(value: Any) -> str:
    return uuid_text(value) if isinstance(value, bytes) else str(value)


# --- the engine's table limits, at their edge: what the build accepts applies, what it refuses would fail ------


@pytest.mark.parametrize(("model", "limit_code"), [
    pytest.param(lambda fits: wide_row_model(276 if fits else 277), "SC0422", id="row-size"),
    pytest.param(lambda fits: wide_row_model(274 if fits else 275, optional=True), "SC0422",
                 id="row-size-nullable"),
    pytest.param(lambda fits: many_keys_model(63 if fits else 64), "SC0421", id="keys-per-table"),
])
def test_mysql_table_limits_match_the_engine(mariadb_server: MariaDbServer, model: Any, limit_code: str) -> None:
    from schemac.backends import BuildOptions
    from schemac.build import emit_compiled
    from schemac.compiler.pipeline import compile_text

    for fits in (True, False):
        result = emit_compiled(compile_text(model(fits), "limits.sdl"), "mysql", BuildOptions())
        codes = {d.code for d in result.diagnostics}
        assert (limit_code not in codes) == fits, codes
        schema = next(a.text for a in result.artifacts if a.path == "schema.sql")  # the build writes it if it fits
        conn = pymysql.connect(**mariadb_server.fresh_database(f"limits_{limit_code}_{fits}"))
        try:
            if fits:
                apply_mysql_script(conn, schema)
            else:
                with pytest.raises(pymysql.err.OperationalError, match=r"1069|1118"):
                    apply_mysql_script(conn, schema)
        finally:
            conn.close()
