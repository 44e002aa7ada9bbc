"""The SQL output against each real engine (the `engine` fixture: PostgreSQL 15, and MariaDB 10.11 with
MySQL 8's sql_mode, where every warning or note fails): the schema applies, every generated statement runs,
keywords are quoted, triggers keep updated_at and the maintained aggregates right, for each example and
for synthetic models (bench/synth.py: every field type, checks between fields, every ON DELETE, owners,
tenancy, counters, full text, includes and every kind of write). Engine-specific tests are at the bottom."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
import sqlalchemy as sa

from tests.engines import apply_mysql_script
from tests.helpers.aggregates import check_aggregates, exercise_aggregates
from tests.helpers.engine import EngineExample, SqlEngine, run_every_statement
from tests.helpers.plan_models import synthetic_model
from tests.helpers.sqldata import (
    AGGREGATES_SDL,
    EXAMPLE_IDS,
    EXAMPLES,
    RESERVED_WORDS_SDL,
    column_value,
    index_names,
    many_keys_model,
    param_values,
    wide_row_model,
)

SYNTHETIC = [(40, 11), (60, 7), (120, 2)]  # (entities, seed)


def only(engine: str) -> pytest.MarkDecorator:
    """An engine-specific test: the `engine` fixture narrowed to one engine."""
    return pytest.mark.parametrize("engine", [engine], indirect=True, scope="session")


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(engine: SqlEngine, request: pytest.FixtureRequest) -> Iterator[EngineExample]:
    """One database per engine and example for the tests of this module (each test seeds its own rows)."""
    with engine.opened(request.param, f"engine_{request.param.stem}") as ex:
        yield ex


@pytest.fixture
def model_example(engine: SqlEngine, request: pytest.FixtureRequest) -> Iterator[Any]:
    """`open(path, name)` for a test's own model; closed after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda path, name: stack.enter_context(engine.opened(path, name))


def _write(tmp_path: Path, name: str, sdl: str) -> Path:
    path = tmp_path / f"{name}.sdl"
    path.write_text(sdl, encoding="utf-8")
    return path


def test_schema_applies_and_every_statement_runs(example: EngineExample) -> None:
    run_every_statement(example)


def test_keywords_as_names(model_example: Any, tmp_path: Path) -> None:
    example = model_example(_write(tmp_path, "words", RESERVED_WORDS_SDL), "reserved_words")
    q = example.facts.quote
    assert f"{q}order{q} INTEGER NOT NULL" in example.schema
    run_every_statement(example)


@pytest.mark.parametrize(("n", "seed"), SYNTHETIC, ids=[f"{n}-entities-seed-{s}" for n, s in SYNTHETIC])
def test_synthetic_model(model_example: Any, tmp_path: Path, n: int, seed: int) -> None:
    run_every_statement(model_example(synthetic_model(tmp_path, n, seed), f"synthetic_{n}_{seed}"))


def test_updated_at_advances_on_update(example: EngineExample) -> None:
    data = example.seed()
    for info in example.layout.tables.values():
        if not info.updated_at:
            continue
        spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                    and not s.field.unique and not s.field.maintained)
        row = data.of(info.entity.name, 0)[0]
        key = sa.and_(*(info.table.c[c] == row[c] for c in info.pk))
        with example.engine.begin() as conn:
            conn.execute(info.table.update().where(key).values(
                {spec.name: column_value(spec, 2, "u", example.facts.mysql)}))
            after = conn.execute(sa.select(info.table.c[info.updated_at]).where(key)).scalar_one()
        assert after > row[info.updated_at], info.name


def test_maintained_aggregates_match_real_values(example: EngineExample) -> None:
    data = example.seed()
    aggregates = example.result.design.relational.aggregates  # type: ignore[union-attr]
    with example.engine.begin() as conn:
        check_aggregates(conn, example.layout, aggregates)
        exercise_aggregates(conn, example.layout, data, aggregates, mysql=example.facts.mysql)


def test_every_kind_of_maintained_aggregate(model_example: Any, tmp_path: Path) -> None:
    example = model_example(_write(tmp_path, "aggregates", AGGREGATES_SDL), "aggregates")
    data = example.seed()
    aggregates = example.result.design.relational.aggregates
    assert {a.func for a in aggregates} == {"count", "sum", "min", "max"}
    with example.engine.begin() as conn:
        check_aggregates(conn, example.layout, aggregates)
        exercise_aggregates(conn, example.layout, data, aggregates, mysql=example.facts.mysql)


def test_every_read_explains_through_the_databases_indexes(example: EngineExample) -> None:
    """The engine explains every generated read with its sample parameters (MariaDB: without a warning), and
    each index its plan reads is one of the database's (the plan is read right on both engines)."""
    data = example.seed()
    with example.engine.begin() as conn:
        known = example.indexes(conn)
        for stmt in example.queries.statements:
            if stmt.sql.startswith("SELECT") and not example.queries.is_next_page(stmt):  # no cursor: no rows
                accesses = example.explain(conn, stmt, param_values(stmt, example.queries.pattern(stmt.name), data))
                assert accesses, stmt.name
                assert {a.index for a in accesses} - {None} <= known, (stmt.name, accesses)


# --- engine-specific ---------------------------------------------------------------------------------------


@only("postgres")
def test_postgres_uuid_generate_v7_is_version_7_and_time_ordered(example: EngineExample) -> None:
    if "uuid_generate_v7" not in example.schema:
        return
    with example.engine.connect() as conn:
        ids = [conn.exec_driver_sql("SELECT uuid_generate_v7()").scalar_one() for _ in range(50)]
        now_ms = conn.exec_driver_sql("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)").scalar_one()
    assert {u.version for u in ids} == {7} and {u.variant for u in ids} == {"specified in RFC 4122"}
    stamps = [int(u.hex[:12], 16) for u in ids]
    assert stamps == sorted(stamps) and abs(stamps[-1] - int(now_ms)) < 5000


@only("postgres")
def test_postgres_queries_can_use_their_planned_index(example: EngineExample) -> None:
    """Each read can use the index the design planned for it: the query's predicates (tenant, live-row filter,
    the constant predicate of a partial index) match the index's. The table's other indexes (its primary key
    too: keyed (tenant, id) it serves every tenant filter) are dropped in a rolled-back savepoint and
    sequential scans priced out, so the planner shows whether it can. (MariaDB's plans: tests/test_plans.py.)"""
    data = example.seed()
    design = example.result.design
    names = index_names(example.result, example.facts.target)
    with example.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for stmt in example.queries.statements:
            if example.queries.is_next_page(stmt):
                continue  # the same predicates as its first page
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
            read = {a.index for a in example.explain(conn, stmt, param_values(stmt, ir, data))}
            savepoint.rollback()
            assert index in read, f"{stmt.name} cannot use {index}: it reads {read}"


# the engine's table limits, at their edge: what the build accepts applies, what it refuses would fail
@only("mariadb")
@pytest.mark.parametrize(("model", "limit_code"), [
    pytest.param(lambda fits: wide_row_model(276 if fits else 277), "SC0422", id="row-size"),
    pytest.param(lambda fits: wide_row_model(274 if fits else 275, optional=True), "SC0422",
                 id="row-size-nullable"),
    pytest.param(lambda fits: many_keys_model(63 if fits else 64), "SC0421", id="keys-per-table"),
])
def test_mysql_table_limits_match_the_engine(engine: SqlEngine, model: Any, limit_code: str) -> None:
    from schemac.backends import BuildOptions
    from schemac.build import emit_compiled
    from schemac.compiler.pipeline import compile_text

    for fits in (True, False):
        result = emit_compiled(compile_text(model(fits), "limits.sdl"), "mysql", BuildOptions())
        codes = {d.code for d in result.diagnostics}
        assert (limit_code not in codes) == fits, codes
        schema = next(a.text for a in result.artifacts if a.path == "schema.sql")  # the build writes it if it fits
        conn = pymysql.connect(**engine.server.fresh_database(f"limits_{limit_code}_{fits}"))  # type: ignore[union-attr]
        try:
            if fits:
                apply_mysql_script(conn, schema)
            else:
                with pytest.raises(pymysql.err.OperationalError, match=r"1069|1118"):
                    apply_mysql_script(conn, schema)
        finally:
            conn.close()
