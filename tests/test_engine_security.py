"""Tenant isolation, the audit log, GDPR erasure and @versioned history of each example on each real engine
(the `engine` fixture), through the roles the schema header recommends: the application (privileges table by
table, none to write the audit log) and the privacy job (the erasure routines only).

Where the engines differ, the difference is a fact of the engine (tests/helpers/engine.py): PostgreSQL
isolates the app role's session by row-level security, so a statement given another tenant's values there
sees nothing and hand-written reads see one tenant; MariaDB has no such policy, and the tenant parameter of
every generated statement is the only guard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.helpers.engine import EngineExample, SqlEngine
from tests.helpers.sqldata import (
    EXAMPLE_IDS,
    EXAMPLES,
    Seed,
    column_value,
    insert,
    param_values,
    sample_row,
    uuid_text,
)


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(engine: SqlEngine, request: pytest.FixtureRequest) -> Iterator[EngineExample]:
    """One database per engine and example for the tests of this module (each test seeds its own rows)."""
    with engine.opened(request.param, f"security_{request.param.stem}") as ex:
        yield ex


def _tenant_column(example: EngineExample) -> str | None:
    return next((i.tenant for i in example.layout.tables.values() if i.tenant), None)


def _tenant_rows(example: EngineExample, tenant: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every row of `tenant` (as the owner, who bypasses row-level security)."""
    out = {}
    with example.engine.connect() as conn:
        for info in example.layout.tables.values():
            column = info.tenant or (info.pk[0] if info.entity.tenant_root else None)
            if column is not None:
                rows = conn.execute(sa.select(info.table).where(info.table.c[column] == tenant)).all()
                out[info.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def _mixed(stmt: Any, ir: Any, data: Seed) -> dict[str, Any]:
    """Tenant A's id with every other parameter taken from tenant B's rows."""
    values = param_values(stmt, ir, data, tenant=1)
    values.update({k: v for k, v in param_values(stmt, ir, data, tenant=0).items() if v in data.tenants})
    return values


def test_generated_statements_stay_in_their_tenant(example: EngineExample) -> None:
    """As the app in tenant A's session, every generated statement given tenant A's id with tenant B's other
    values (and, under row-level security, all of tenant B's values) reads and changes nothing of tenant B;
    writes into tenant B are refused (by the policy or a tenant-composite key)."""
    rls = example.facts.row_level_security
    if example.result.design.relational.tenancy is None:  # type: ignore[union-attr]
        assert "ROW LEVEL SECURITY" not in example.schema
        return
    data = example.seed()
    tenant_a, tenant_b = data.tenants
    column = _tenant_column(example)
    before = _tenant_rows(example, tenant_b)
    for stmt in example.queries.statements:
        ir = example.queries.pattern(stmt.name)
        modes = [("mixed", _mixed(stmt, ir, data))] + ([("b", param_values(stmt, ir, data, tenant=1))] if rls else [])
        for mode, values in modes:
            with example.app(tenant_a) as conn:
                try:
                    with conn.begin_nested():
                        ran = example.run(conn, stmt, values)
                except Exception as err:  # SQLAlchemy wraps the errors of PostgreSQL, not those of MariaDB
                    assert isinstance(getattr(err, "orig", err), example.facts.refusals), err
                    continue
                if mode == "b":  # tenant B asked for while the session is tenant A's: nothing
                    assert not ran.rows and ran.rowcount <= 0, stmt.name
                assert all(r.get(column) in (None, tenant_a) for r in ran.rows), stmt.name
    assert _tenant_rows(example, tenant_b) == before, "a generated statement changed tenant B's rows"
    if rls:
        _hand_written_reads_see_one_tenant(example, tenant_a)
    _cross_tenant_reference_fails(example)


def _hand_written_reads_see_one_tenant(example: EngineExample, tenant_a: Any) -> None:
    assert example.data is not None
    with example.app(tenant_a) as conn:
        for info in example.layout.tables.values():
            if info.tenant is None:
                continue
            rows = example.sql(conn, f"SELECT * FROM {info.name}")
            assert {r[info.tenant] for r in rows} <= {tenant_a}, info.name
            assert len(rows) >= len(example.data.of(info.entity.name, 0)), info.name


def _cross_tenant_reference_fails(example: EngineExample) -> None:
    """A row of tenant A referring to tenant B's row: refused to the app and to the owner alike."""
    assert example.data is not None
    data = example.data
    plan = next(p for p in example.result.design.relational.foreign_keys if len(p.columns) > 1)  # type: ignore[union-attr]
    child, target = example.layout.of(plan.entity), example.layout.of(plan.target)
    row = sample_row(data, child, 7, 0, "cross")
    row[child.field_columns[plan.field][0]] = data.of(plan.target, 1)[0][target.pk[0]]
    for ctx in (example.app(data.tenants[0]), example.engine.begin()):
        with pytest.raises(sa.exc.IntegrityError), ctx as conn:
            conn.execute(child.table.insert().values(row))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _changed_spec(info: Any, *, pii: bool = True) -> Any:
    """A declared column that an edit may change (not unique, not maintained; not personal if `pii` is False)."""
    return next(s for s in info.specs if s.scalar is not None and s.field.origin.value == "declared"
                and not s.field.unique and not s.field.maintained and (pii or not s.field.pii))


def test_audit_log_records_each_change(example: EngineExample) -> None:
    """The app's insert, edit and (soft) delete are logged with its actor and tenant, and the app may not
    write the audit log itself."""
    plan = example.result.design.relational.audit  # type: ignore[union-attr]
    if plan is None:
        assert "audit_log" not in example.schema
        return
    data = example.seed()
    tenant = data.tenants[0] if data.tenants else None
    tenant_sql = _tenant_column(example) or "NULL"
    for entity in plan.entities:
        info = example.layout.of(entity)
        spec = _changed_spec(info)
        with example.app(tenant, actor="alice") as conn:
            row = insert(conn, info, sample_row(data, info, 5, 0, "audit"), mysql=example.facts.mysql)
            key = sa.and_(*(info.table.c[c] == row[c] for c in info.pk))
            conn.execute(info.table.update().where(key).values(
                {spec.name: column_value(spec, 6, "x", example.facts.mysql)}))
            if info.deleted_at:
                conn.execute(info.table.update().where(key).values(
                    {info.deleted_at: sa.literal_column(example.facts.now)}))
            else:
                conn.execute(info.table.delete().where(key))
        with example.engine.begin() as conn:
            log = example.sql(conn, f"SELECT action, actor, old_values, new_values, {tenant_sql} AS tenant "
                              "FROM audit_log WHERE table_name = %s AND row_id = %s ORDER BY id",
                              info.name, uuid_text(row[info.pk[0]]))
        assert [r["action"] for r in log] == ["insert", "update", "delete"], info.name
        assert {r["actor"] for r in log} == {"alice"}
        assert {r["tenant"] for r in log} == {tenant}
        assert log[0]["old_values"] is None
        assert str(_json(log[0]["new_values"])["id"]) == uuid_text(row["id"])
        assert _json(log[1]["old_values"])[spec.name] != _json(log[1]["new_values"])[spec.name]
    with pytest.raises(sa.exc.DBAPIError, match="denied"), example.app(tenant) as conn:
        conn.exec_driver_sql("INSERT INTO audit_log (action, table_name, row_id) VALUES ('insert', 'x', '1')")


def test_gdpr_erasure(example: EngineExample) -> None:
    """After an audited edit by the app, the privacy job's erasure routine deletes the row or scrubs its
    personal fields (placeholders where the model names them, a soft delete where the entity has one) and
    scrubs them from the audit log too."""
    plans = example.result.design.relational.erasure  # type: ignore[union-attr]
    if not plans:
        assert "erase_" not in example.schema
        return
    data = example.seed()
    for plan in plans:
        info = example.layout.of(plan.entity)
        row = data.of(plan.entity, 0)[0]
        key = info.table.c[info.pk[0]] == row[info.pk[0]]
        tenant = data.tenants[0] if data.tenants else None
        with example.app(tenant) as conn:  # an audited change to scrub
            spec = _changed_spec(info, pii=False)
            conn.execute(info.table.update().where(key).values(
                {spec.name: column_value(spec, 8, "t", example.facts.mysql)}))
        with example.privacy() as conn:  # the row's tenant (if any), then its key
            routine = next(r.name for r in example.result.catalog.routines if r.entity == plan.entity)  # type: ignore[union-attr]
            example.call(conn, routine, *([row[info.tenant]] if info.tenant else []), row[info.pk[0]])
        with example.engine.begin() as conn:
            after = conn.execute(sa.select(info.table).where(key)).mappings().one_or_none()
            audit = [_json(v) for r in example.sql(conn, "SELECT old_values, new_values FROM audit_log WHERE "
                                                   "table_name = %s AND row_id = %s", info.name,
                                                   uuid_text(row[info.pk[0]])) for v in r.values() if v]
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
        if plan.scrub_audit:
            assert audit and all(not (pii & set(v)) for v in audit), audit
        for field_name, template in plan.placeholders:
            column = info.field_columns[field_name][0]
            assert template.split("{")[0] in str(after[column]), column


def test_versioned_history(example: EngineExample) -> None:
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
                conn.execute(info.table.update().where(key).values(
                    {spec.name: column_value(spec, i, "v", example.facts.mysql)}))
            live = conn.execute(sa.select(info.table).where(key)).mappings().one()
            conn.execute(info.table.delete().where(key))
            history = sa.Table(f"{info.name}_history", sa.MetaData(), autoload_with=conn)
            versions = conn.execute(sa.select(history.c[info.version]).where(
                history.c[info.pk[0]] == row[info.pk[0]]).order_by(history.c[info.version])).scalars().all()
        assert row[info.version] == 1 and live[info.version] == 3
        assert versions == [1, 2, 3]
