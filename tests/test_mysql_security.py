"""Tenant filters, GDPR erasure procedures and @versioned history on a real MariaDB 10.11."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest
import sqlalchemy as sa

from tests.engines import MariaDbServer, execute_checked
from tests.test_mysql_engine import MyExample, execute
from tests.test_sql_helpers import EXAMPLE_IDS, EXAMPLES, column_value, param_values, uuid_text


@pytest.fixture(scope="module", params=EXAMPLES, ids=EXAMPLE_IDS)
def example(mariadb_server: MariaDbServer, request: pytest.FixtureRequest) -> Iterator[MyExample]:
    """One database per example for the tests of this module (each test seeds its own rows)."""
    ex = MyExample(mariadb_server, request.param, f"mysql_security_{request.param.stem}")
    try:
        yield ex
    finally:
        ex.close()


def _tenant_rows(example: MyExample, tenant: Any) -> dict[str, list[tuple[str, ...]]]:
    out = {}
    with example.engine.connect() as conn:
        for info in example.layout.tables.values():
            column = info.tenant or (info.pk[0] if info.entity.tenant_root else None)
            if column is not None:
                rows = conn.execute(sa.select(info.table).where(info.table.c[column] == tenant)).all()
                out[info.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def test_mysql_generated_statements_stay_in_their_tenant(example: MyExample) -> None:
    """No row-level security here: the tenant parameter of every statement is the only guard. With tenant A's
    id and every other parameter taken from tenant B's rows, nothing of tenant B is read or changed."""
    if example.result.design.relational.tenancy is None:  # type: ignore[union-attr]
        return
    data = example.seed()
    tenant_a, tenant_b = data.tenants
    tenant_column = next(i.tenant for i in example.layout.tables.values() if i.tenant)
    before = _tenant_rows(example, tenant_b)
    for stmt in example.queries.statements:
        ir = example.queries.pattern(stmt.name)
        values = param_values(stmt, ir, data, tenant=1)
        values.update({k: v for k, v in param_values(stmt, ir, data, tenant=0).items() if v == tenant_a})
        try:
            rows = execute(example.conn, stmt, values)
        except pymysql.err.IntegrityError:  # a composite key refuses a reference into tenant B
            continue
        assert all(r.get(tenant_column, tenant_a) == tenant_a for r in rows), stmt.name
    assert _tenant_rows(example, tenant_b) == before


def test_mysql_gdpr_erasure(example: MyExample) -> None:
    plans = example.result.design.relational.erasure  # type: ignore[union-attr]
    if not plans:
        assert "erase_" not in example.schema
        return
    data = example.seed()
    for plan in plans:
        info = example.layout.of(plan.entity)
        row = data.of(plan.entity, 0)[0]
        key = info.table.c[info.pk[0]] == row[info.pk[0]]
        args = ([row[info.tenant]] if info.tenant else []) + [row[info.pk[0]]]
        execute_checked(example.conn, f"CALL erase_{info.entity.name.lower()}({', '.join(['%s'] * len(args))})",
                        args)
        with example.engine.connect() as conn:
            after = conn.execute(sa.select(info.table).where(key)).mappings().one_or_none()
        if plan.action == "delete":
            assert after is None
            continue
        assert after is not None
        for spec in info.specs:
            if spec.field.name in plan.fields and row[spec.name] is not None:
                assert after[spec.name] is None or str(row[spec.name]) not in str(after[spec.name]), spec.name
        if plan.scrub_audit:
            log = execute_checked(example.conn, "SELECT old_values, new_values FROM audit_log WHERE table_name = %s "
                                  "AND row_id = %s", [info.name, uuid_text(row[info.pk[0]])])
            pii = {s.name for s in info.specs if s.field.name in plan.fields}
            documents = [json.loads(v) for r in log for v in r.values() if v]
            assert documents and all(not (pii & set(d)) for d in documents)
        for field_name, template in plan.placeholders:
            column = info.field_columns[field_name][0]
            assert template.split("{")[0] in str(after[column]), column


def test_mysql_versioned_history(example: MyExample) -> None:
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
                conn.execute(info.table.update().where(key).values({spec.name: column_value(spec, i, "v", True)}))
            live = conn.execute(sa.select(info.table).where(key)).mappings().one()
            conn.execute(info.table.delete().where(key))
            history = sa.Table(f"{info.name}_history", sa.MetaData(), autoload_with=conn)
            versions = conn.execute(sa.select(history.c[info.version]).where(
                history.c[info.pk[0]] == row[info.pk[0]]).order_by(history.c[info.version])).scalars().all()
        assert row[info.version] == 1 and live[info.version] == 3
        assert versions == [1, 2, 3]
