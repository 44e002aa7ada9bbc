"""Row-level security, the audit log, GDPR erasure and @versioned history on a real PostgreSQL 15."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.engines import PgServer
from tests.test_postgres_engine import PgExample, execute
from tests.test_sql_helpers import EXAMPLE_IDS, EXAMPLES, column_value, param_values, sample_row


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(pg_server: PgServer, request: pytest.FixtureRequest) -> Iterator[PgExample]:
    """One database per example for the tests of this module (each test seeds its own rows)."""
    ex = PgExample(pg_server, request.param, f"pg_security_{request.param.stem}")
    try:
        yield ex
    finally:
        ex.close()


@contextlib.contextmanager
def as_app(example: PgExample, tenant: Any, actor: str = "tester") -> Iterator[sa.Connection]:
    """A transaction of the non-superuser role `app`, with the session's tenant and actor set."""
    engine = example.app_engine()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('app.tenant_id', %(t)s, false), "
                                 "set_config('app.actor', %(a)s, false)",
                                 {"t": "" if tenant is None else str(tenant), "a": actor})
            yield conn
    finally:
        engine.dispose()


def _tenant_rows(example: PgExample) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of tenant B (as the superuser, who bypasses row-level security)."""
    assert example.data is not None
    other = example.data.tenants[1]
    out = {}
    with example.engine.connect() as conn:
        for info in example.layout.tables.values():
            column = info.tenant or (info.pk[0] if info.entity.tenant_root else None)
            if column is not None:
                rows = conn.execute(sa.select(info.table).where(info.table.c[column] == other)).all()
                out[info.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def test_postgres_tenant_isolation(example: PgExample) -> None:
    if example.result.design.relational.tenancy is None:  # type: ignore[union-attr]
        assert "ROW LEVEL SECURITY" not in example.schema
        return
    data = example.seed()
    before = _tenant_rows(example)
    tenant_a = data.tenants[0]
    for stmt in example.queries.statements:
        ir = example.queries.pattern(stmt.name)
        for mode, values in (("b", param_values(stmt, ir, data, tenant=1)), ("mixed", _mixed(stmt, ir, data))):
            with as_app(example, tenant_a) as conn:
                try:
                    with conn.begin_nested():
                        result = execute(conn, stmt, values)
                        rows = result.mappings().all() if result.returns_rows else []
                except sa.exc.DBAPIError as err:  # inserts into tenant B: refused by the policy or a key
                    assert isinstance(err.orig, psycopg.errors.InsufficientPrivilege | psycopg.errors.IntegrityError)
                    continue
                if mode == "b":  # tenant B asked for while the session is tenant A's: nothing
                    assert not rows and result.rowcount <= 0, stmt.name
                assert all(r.get(_tenant_column(example)) in (None, tenant_a) for r in rows), stmt.name
    assert _tenant_rows(example) == before, "a generated statement changed tenant B's rows"
    _hand_written_reads_see_one_tenant(example, tenant_a)
    _cross_tenant_reference_fails(example)


def _tenant_column(example: PgExample) -> str | None:
    return next((i.tenant for i in example.layout.tables.values() if i.tenant), None)


def _mixed(stmt: Any, ir: Any, data: Any) -> dict[str, Any]:
    """Tenant A's id with every other parameter taken from tenant B's rows."""
    values = param_values(stmt, ir, data, tenant=1)
    values.update({k: v for k, v in param_values(stmt, ir, data, tenant=0).items() if v in data.tenants})
    return values


def _hand_written_reads_see_one_tenant(example: PgExample, tenant_a: Any) -> None:
    assert example.data is not None
    with as_app(example, tenant_a) as conn:
        for info in example.layout.tables.values():
            if info.tenant is None:
                continue
            rows = conn.exec_driver_sql(f"SELECT * FROM {info.name}").mappings().all()
            assert {r[info.tenant] for r in rows} <= {tenant_a}, info.name
            assert len(rows) >= len(example.data.of(info.entity.name, 0)), info.name


def _cross_tenant_reference_fails(example: PgExample) -> None:
    assert example.data is not None
    data = example.data
    plan = next(p for p in example.result.design.relational.foreign_keys if len(p.columns) > 1)  # type: ignore[union-attr]
    child, target = example.layout.of(plan.entity), example.layout.of(plan.target)
    row = sample_row(data, child, 7, 0, "cross")
    row[child.field_columns[plan.field][0]] = data.of(plan.target, 1)[0][target.pk[0]]
    for ctx in (as_app(example, data.tenants[0]), example.engine.begin()):
        with pytest.raises(sa.exc.IntegrityError), ctx as conn:
            conn.execute(child.table.insert().values(row))


def test_postgres_audit_log_records_each_change(example: PgExample) -> None:
    plan = example.result.design.relational.audit  # type: ignore[union-attr]
    if plan is None:
        assert "audit_log" not in example.schema
        return
    data = example.seed()
    _audit_each_change(example, plan, data)  # as `app`, which may not write audit_log itself:
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), \
            as_app(example, data.tenants[0] if data.tenants else None) as conn:
        conn.exec_driver_sql("INSERT INTO audit_log (action, table_name, row_id) VALUES ('insert', 'x', '1')")


def _audit_each_change(example: PgExample, plan: Any, data: Any) -> None:
    for entity in plan.entities:
        info = example.layout.of(entity)
        tenant = data.tenants[0] if data.tenants else None
        with as_app(example, tenant, actor="alice") as conn:
            row = sample_row(data, info, 5, 0, "audit")
            key_value = conn.execute(info.table.insert().values(row).returning(info.table.c[info.pk[0]])).scalar_one()
            key = info.table.c[info.pk[0]] == key_value
            spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                        and not s.field.unique and not s.field.maintained)
            conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, 6, "x", False)}))
            if info.deleted_at:
                conn.execute(info.table.update().where(key).values({info.deleted_at: sa.func.now()}))
            else:
                conn.execute(info.table.delete().where(key))
        with example.engine.connect() as conn:
            log = conn.exec_driver_sql(
                f"SELECT action, actor, old_values, new_values, {_tenant_column(example) or 'NULL'} AS tenant "
                "FROM audit_log WHERE table_name = %(t)s AND row_id = %(r)s ORDER BY id",
                {"t": info.name, "r": str(key_value)}).mappings().all()
        assert [r["action"] for r in log] == ["insert", "update", "delete"], info.name
        assert {r["actor"] for r in log} == {"alice"}
        assert {r["tenant"] for r in log} == {tenant}
        assert log[0]["old_values"] is None and str(log[0]["new_values"]["id"]) == str(key_value)
        assert log[1]["old_values"][spec.name] != log[1]["new_values"][spec.name]


def test_postgres_gdpr_erasure(example: PgExample) -> None:
    plans = example.result.design.relational.erasure  # type: ignore[union-attr]
    if not plans:
        assert "erase_" not in example.schema
        return
    data = example.seed()
    for plan in plans:
        info = example.layout.of(plan.entity)
        row = data.of(plan.entity, 0)[0]
        key = info.table.c[info.pk[0]] == row[info.pk[0]]
        routine = f"erase_{info.entity.name.lower()}"
        tenant = data.tenants[0] if data.tenants else None
        with as_app(example, tenant) as conn:
            conn.execute(info.table.update().where(key).values(_touch(info)))  # an audited change to scrub
        with example.engine.begin() as conn:  # the privacy job: the row's tenant (if any), then its key
            conn.exec_driver_sql(f"SET LOCAL ROLE {example.result.design.model.settings.name}_privacy")  # type: ignore[union-attr]
            args = ([row[info.tenant]] if info.tenant else []) + [row[info.pk[0]]]
            conn.exec_driver_sql(f"SELECT {routine}({', '.join(['%s'] * len(args))})", tuple(args))
        with example.engine.connect() as conn:
            after = conn.execute(sa.select(info.table).where(key)).mappings().one_or_none()
            audit = _audit_values(conn, info.name, row[info.pk[0]]) if plan.scrub_audit else []
        if plan.action == "delete":
            assert after is None
            continue
        assert after is not None
        for spec in info.specs:
            if spec.field.name in plan.fields and row[spec.name] is not None:
                assert after[spec.name] is None or str(row[spec.name]) not in str(after[spec.name]), spec.name
        if info.deleted_at:
            assert after[info.deleted_at] is not None
        pii = {s.name for s in info.specs if s.field.name in plan.fields}
        assert not plan.scrub_audit or audit
        assert all(not (pii & set(v or {})) for v in audit)


def _touch(info: Any) -> dict[str, Any]:
    spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                and not s.field.pii and not s.field.unique and not s.field.maintained)
    return {spec.name: column_value(spec, 8, "t", False)}


def _audit_values(conn: sa.Connection, table: str, key: Any) -> list[Any]:
    rows = conn.exec_driver_sql("SELECT old_values, new_values FROM audit_log WHERE table_name = %(t)s "
                                "AND row_id = %(r)s", {"t": table, "r": str(key)}).all()
    return [v for r in rows for v in r]


def test_postgres_versioned_history(example: PgExample) -> None:
    versioned = [i for i in example.layout.tables.values() if i.entity.versioned]
    if not versioned:
        assert "_history" not in example.schema
        return
    data = example.seed()
    for info in versioned:
        row = data.of(info.entity.name, 0)[0]
        key = info.table.c[info.pk[0]] == row[info.pk[0]]
        spec = next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                    and s.scalar.kind.value in ("decimal", "int", "string") and not s.field.unique)
        with example.engine.begin() as conn:
            for i in (3, 4):
                conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, i, "v", False)}))
            live = conn.execute(sa.select(info.table).where(key)).mappings().one()
            conn.execute(info.table.delete().where(key))
            history = sa.Table(f"{info.name}_history", sa.MetaData(), autoload_with=conn)
            versions = conn.execute(sa.select(history.c[info.version]).where(
                history.c[info.pk[0]] == row[info.pk[0]]).order_by(history.c[info.version])).scalars().all()
        assert row[info.version] == 1 and live[info.version] == 3
        assert versions == [1, 2, 3]
