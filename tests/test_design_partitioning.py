"""Growth advice that applies to the generated schema (issue 10 item 15): a time series is range-partitioned
on its timestamp with retention, a tenant-scoped table hash-partitioned by its tenant, every unique key holds
the partition key (REL-P02) or the advice says it is blocked and why. partitioning.sql is applied to the
generated schema on PostgreSQL 15 (and MariaDB, where its advice is not blocked) with rows in it, and every
generated statement runs afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemac.compiler.design.model import Design, PartitionPlan
from tests.engines import MariaDbServer, PgServer, apply_mysql_script, apply_pg_script
from tests.helpers.engine import MyExample, PgExample, run_every_statement
from tests.helpers.plan_models import build_model
from tests.helpers.plans import artifact

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "design"


def _plan(model: str, engine: str, entity: str) -> tuple[PartitionPlan, list[str]]:
    result = build_model(FIXTURES / f"{model}.sdl", engine)
    design = result.design
    assert isinstance(design, Design)
    growth = next(g for g in design.growth if g.entity == entity)
    partition = design.relational.partition(entity)
    assert partition is not None and growth.revisit is not None
    return partition, [a.path for a in result.artifacts]


def test_time_series_is_range_partitioned_on_its_timestamp() -> None:
    plan, paths = _plan("sensors", "postgres", "Reading")
    assert (plan.method, plan.key, plan.primary_key, plan.blocked) == ("range", ("recorded_at",),
                                                                      ("id", "recorded_at"), ())
    assert plan.retention_months == 12 and "partitioning.sql" in paths


def test_tenant_table_is_hash_partitioned_by_tenant() -> None:
    plan, _ = _plan("ledger", "postgres", "Entry")
    assert (plan.method, plan.key, plan.primary_key, plan.partitions, plan.blocked) == (
        "hash", ("account",), ("account", "id"), 4, ())


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_unique_keys_without_the_partition_key_block_the_advice(engine: str) -> None:
    plan, paths = _plan("catalog", engine, "Sku")
    assert plan.key == ("id",) and len(plan.blocked) == 1
    assert "unique (barcode), (vendor, code) do not hold id" in plan.blocked[0]
    assert "partitioning.sql" not in paths


def test_innodb_foreign_keys_block_the_advice() -> None:
    plan, paths = _plan("sensors", "mariadb", "Reading")
    assert plan.method == "range" and any("cannot have foreign keys" in b for b in plan.blocked)
    assert "partitioning.sql" not in paths


@pytest.mark.parametrize(("model", "table", "tenant"), [("sensors", "readings", "site_id"),
                                                     ("ledger", "entries", "account_id")])
def test_partitioning_applies_and_every_statement_runs(pg_server: PgServer, model: str, table: str,
                                                       tenant: str) -> None:
    example = PgExample(pg_server, FIXTURES / f"{model}.sdl", f"partitioning_{model}")
    try:
        example.seed()
        with psycopg.connect(example.dsn, autocommit=True) as conn:
            before = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            apply_pg_script(conn, artifact(example.result, "partitioning.sql"))
            kind = conn.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table]).fetchone()[0]  # type: ignore[index]
            after = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            parts = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass",
                                 [table]).fetchone()[0]  # type: ignore[index]
        assert (kind, after) == ("p", before) and before > 0 and parts >= 2
        _tenant_isolated(example, table, tenant)
        run_every_statement(example)  # inserts, updates and reads through the partitioned table
    finally:
        example.close()


def _tenant_isolated(example: PgExample, table: str, tenant_column: str) -> None:
    """The rebuilt table keeps its row-level security: the app role sees one tenant's rows only."""
    engine = example.app_engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('app.tenant_id', '', true)")
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0
        with example.engine.begin() as owner:
            tenant = owner.exec_driver_sql(f"SELECT {tenant_column} FROM {table} LIMIT 1").scalar()
            mine = owner.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE {tenant_column} = %(t)s",
                                         {"t": tenant}).scalar()
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('app.tenant_id', %(t)s, true)", {"t": str(tenant)})
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == mine
    finally:
        engine.dispose()


def test_a_column_every_unique_holds_is_the_hash_key() -> None:
    for engine in ("postgres", "mariadb"):
        plan, paths = _plan("skus", engine, "Sku")
        assert (plan.method, plan.key, plan.primary_key, plan.blocked) == ("hash", ("vendor",), ("id", "vendor"), ())
        assert "partitioning.sql" in paths


def _count(conn: Any, sql: str, args: list[Any] | None = None) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        row = cur.fetchone()
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


@pytest.mark.parametrize("engine", ["postgres", "mariadb"])
def test_partitioning_applies_on_both_engines(engine: str, pg_server: PgServer, mariadb_server: MariaDbServer) -> None:
    """The same advice, as each target spells it, applied to the generated schema with rows in it; every
    generated statement runs afterwards (MariaDB rebuilds the table in place)."""
    path = FIXTURES / "skus.sdl"
    if engine == "postgres":
        example: Any = PgExample(pg_server, path, "partitioning_skus")
    else:
        example = MyExample(mariadb_server, path, "partitioning_skus")
    try:
        example.seed()
        script = artifact(example.result, "partitioning.sql")
        if engine == "postgres":
            with psycopg.connect(example.dsn, autocommit=True) as conn:
                before = _count(conn, "SELECT count(*) FROM skus")
                apply_pg_script(conn, script)
                after = _count(conn, "SELECT count(*) FROM skus")
                parts = _count(conn, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'skus'::regclass")
        else:
            conn = example.conn
            before = _count(conn, "SELECT count(*) FROM skus")
            apply_mysql_script(conn, script)
            after = _count(conn, "SELECT count(*) FROM skus")
            parts = _count(conn, "SELECT count(*) FROM information_schema.partitions WHERE table_schema = "
                                 "DATABASE() AND table_name = 'skus' AND partition_name IS NOT NULL")
        assert before > 0 and after == before and parts == 8
        run_every_statement(example)
    finally:
        example.close()
