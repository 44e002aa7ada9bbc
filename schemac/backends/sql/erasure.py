"""`compliance gdpr`: one erasure routine per ErasurePlan of the design.

The routine anonymises the row (personal data replaced by NULL or the plan's placeholder, which keeps
NOT NULL, CHECKs and unique keys satisfied; a soft-deletable row is also marked deleted) or deletes it for
real; it does the same to the row's history table and scrubs the fields from the audit log's old and
new values.

In a multi-tenant model the routine takes the row's tenant first and every statement filters by it (the
audit scrub through the log's (tenant, table_name, row_id) index), so that it acts in that tenant only,
even when its owner bypasses row-level security. It raises NOT_FOUND when the tenant has no such row,
instead of returning having erased nothing. Only the privacy role may run it.
"""

from __future__ import annotations

import sqlalchemy as sa

from schemac.backends.sql.audit import tenant_column
from schemac.backends.sql.columns import ColumnSpec
from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import RoutineSpec
from schemac.backends.sql.tables import Layout, TableInfo, erasure_routine
from schemac.compiler.design.model import ErasurePlan
from schemac.compiler.model import NUMERIC_KINDS, ScalarKind

PARAM = "target_id"
TENANT_PARAM = "target_tenant"
NOT_FOUND = "P0002"  # PostgreSQL's no_data_found; MySQL's SIGNAL takes it as it is


def erasure_routine_spec(ctx: Context, layout: Layout, plan: ErasurePlan, history: sa.Table | None,
                         audit: sa.Table | None) -> RoutineSpec | None:
    info = layout.of(plan.entity)
    if len(info.pk) != 1:
        return None
    d, q = ctx.dialect, ctx.dialect.quote
    tenant = _tenant(info)
    key = f"{q(info.pk[0])} = {q(PARAM)}"
    if tenant is not None and tenant[0] != info.pk[0]:
        key = f"{q(tenant[0])} = {q(tenant[1])} AND {key}"
    missing = d.raise_error(NOT_FOUND, f"{erasure_routine(ctx, info.entity)}: no such {info.name} row")
    body = [f"IF NOT EXISTS (SELECT 1 FROM {d.table_ref(info.name)} WHERE {key}) THEN\n  {missing}\nEND IF;"]
    specs = [s for s in info.specs if s.field.name in plan.fields]
    for table in (info.table, history):
        if table is None:
            continue
        if plan.action == "delete":
            body.append(f"DELETE FROM {d.table_ref(table.name)} WHERE {key};")
        else:
            sets = [f"{q(s.name)} = {_anonymous(ctx, info, plan, s)}" for s in specs]
            if info.deleted_at and table is info.table:
                deleted = q(info.deleted_at)
                sets.append(f"{deleted} = COALESCE({deleted}, {d.now})")
            body.append(f"UPDATE {d.table_ref(table.name)} SET {', '.join(sets)} WHERE {key};")
    if audit is not None and plan.scrub_audit:
        body.append(_scrub_audit(ctx, layout, info, audit, [s.name for s in specs]))
    params = ([(tenant[1], d.type_sql(info.table.c[tenant[0]].type))] if tenant and tenant[1] != PARAM else [])
    params.append((PARAM, d.type_sql(info.table.c[info.pk[0]].type)))
    return RoutineSpec(erasure_routine(ctx, info.entity), tuple(params), tuple(body),
                       f"GDPR erasure of one {info.entity.name}: {plan.action}s its personal data",
                       tenant=tenant[1] if tenant else "", executor=d.privacy_role(ctx.model),
                       entity=info.entity.name)


def _tenant(info: TableInfo) -> tuple[str, str] | None:
    """The row's tenant column and the parameter that holds its value (the tenant root: its own key)."""
    if info.tenant:
        return info.tenant, TENANT_PARAM
    return (info.pk[0], PARAM) if info.entity.tenant_root else None


def _scrub_audit(ctx: Context, layout: Layout, info: TableInfo, audit: sa.Table, columns: list[str]) -> str:
    d, q = ctx.dialect, ctx.dialect.quote
    row_id = d.as_text(q(PARAM), info.table.c[info.pk[0]].type)
    sets = ", ".join(f"{q(c)} = {d.json_remove_keys(q(c), columns)}" for c in ("old_values", "new_values"))
    where = [f"{q('table_name')} = {d.literal(info.name, sa.Text())}", f"{q('row_id')} = {row_id}"]
    audit_tenant = tenant_column(ctx, layout)
    if audit_tenant is not None:  # the index leads with the tenant (NULL for the rows of global entities)
        tenant = _tenant(info)
        where.insert(0, f"{q(audit_tenant[0])} = {q(tenant[1])}" if tenant else f"{q(audit_tenant[0])} IS NULL")
    return f"UPDATE {d.table_ref(audit.name)} SET {sets}\nWHERE {' AND '.join(where)};"


def _anonymous(ctx: Context, info: TableInfo, plan: ErasurePlan, spec: ColumnSpec) -> str:
    """NULL for the fields the plan nullifies, else the plan's placeholder (`{id}`: the row's key)."""
    f = spec.field
    if f.name in plan.nullify or spec.nullable:
        return "NULL"
    template = dict(plan.placeholders).get(f.name) if not spec.sub_path else None
    if template is None:
        template = _PLACEHOLDERS.get(spec.scalar.kind, "0") if spec.scalar else "{}"
    return _placeholder_sql(ctx, info, spec, template)


def _placeholder_sql(ctx: Context, info: TableInfo, spec: ColumnSpec, template: str) -> str:
    d = ctx.dialect
    kind = spec.scalar.kind if spec.scalar else None
    if kind in NUMERIC_KINDS or kind is ScalarKind.BOOL:
        return {"true": "true", "false": "false"}.get(template, template if _is_number(template) else "0")
    if kind is ScalarKind.UUID:
        return d.uuid_literal(template) if "{id}" not in template else d.quote(PARAM)
    if kind in (ScalarKind.DATE, ScalarKind.TIMESTAMP):
        template = template.replace("T", " ").rstrip("Z")
    row_id = d.as_text(d.quote(PARAM), info.table.c[info.pk[0]].type)
    pieces = template.split("{id}")
    if len(pieces) == 1:
        return d.literal(template, sa.Text())
    parts: list[str] = []
    for i, piece in enumerate(pieces):
        parts += ([row_id] if i else []) + ([d.literal(piece, sa.Text())] if piece else [])
    value = f"concat({', '.join(parts)})"
    length = spec.scalar.length if spec.scalar else None
    return f"left({value}, {length})" if length else value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_PLACEHOLDERS = {ScalarKind.EMAIL: "erased+{id}@erased.invalid", ScalarKind.STRING: "erased-{id}",
                 ScalarKind.TEXT: "erased", ScalarKind.URL: "https://erased.invalid/{id}",
                 ScalarKind.DATE: "1970-01-01", ScalarKind.TIMESTAMP: "1970-01-01 00:00:00",
                 ScalarKind.BOOL: "false", ScalarKind.JSON: "{}", ScalarKind.BYTES: "",
                 ScalarKind.UUID: "00000000-0000-0000-0000-000000000000"}
