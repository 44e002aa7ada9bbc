"""`audit on`: an `audit_log` table and AFTER row triggers on every @audited entity.

Each change writes who (the session's actor), what (action, table, row id), old and new values as JSON,
when, and the tenant of the row when the model is multi-tenant. A soft delete (deleted_at going from
NULL to a time) is logged as `delete`.
"""

from __future__ import annotations

import sqlalchemy as sa

from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import TriggerSpec
from schemac.backends.sql.tables import Layout, TableInfo, edited_columns
from schemac.compiler.model import Scalar, ScalarKind

AUDIT_TABLE = "audit_log"
ACTIONS = ("insert", "update", "delete")


def audited(ctx: Context, layout: Layout) -> list[TableInfo]:
    """The tables the design audits with triggers."""
    plan = ctx.design.relational.audit
    if plan is None or plan.mechanism != "trigger":
        return []
    return [layout.of(e) for e in plan.entities if e in layout.tables]


def tenant_column(ctx: Context, layout: Layout) -> tuple[str, TableInfo] | None:
    """The tenant column of the audit log (named like the entities' tenant column) and the tenant root."""
    root = next((i for i in layout.tables.values() if i.entity.tenant_root), None)
    scoped = next((i for i in layout.tables.values() if i.tenant), None)
    if root is None or scoped is None or scoped.tenant is None:
        return None
    return scoped.tenant, root


def build_audit_table(ctx: Context, layout: Layout) -> sa.Table | None:
    if not audited(ctx, layout):
        return None
    name = ctx.namer.unique(ctx.design.relational.audit.table if ctx.design.relational.audit else AUDIT_TABLE)
    actions = ", ".join(ctx.dialect.literal(a, sa.Text()) for a in ACTIONS)
    columns = _columns(ctx, layout)
    pk_name = ctx.namer.unique(name, "pkey") if ctx.dialect.name_primary_key else None
    table = sa.Table(name, layout.metadata, *columns,
                     sa.CheckConstraint(sa.text(f"{ctx.dialect.quote('action')} IN ({actions})"),
                                        name=ctx.namer.constraint(name, ["action"], "check")),
                     comment="Changes to audited entities: written by triggers, never by the application.",
                     **dict(ctx.dialect.table_options))
    table.primary_key.name = pk_name
    tenant = tenant_column(ctx, layout)
    lookup = ["table_name", "row_id"] if tenant is None else [tenant[0], "table_name", "row_id"]
    sa.Index(ctx.namer.constraint(name, lookup, "idx"), *(table.c[c] for c in lookup))
    return table


def _columns(ctx: Context, layout: Layout) -> list[sa.Column]:
    types = ctx.dialect.types
    string = types[ScalarKind.STRING]
    json = types[ScalarKind.JSON](Scalar(kind=ScalarKind.JSON))
    columns = [
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True, autoincrement=True),
        sa.Column("occurred_at", types[ScalarKind.TIMESTAMP](Scalar(kind=ScalarKind.TIMESTAMP)),
                  nullable=False, server_default=sa.text(ctx.dialect.now)),
        sa.Column("actor", string(Scalar(kind=ScalarKind.STRING, length=255)), nullable=True,
                  comment="The application user, from the session (see the header of this file)."),
        sa.Column("action", string(Scalar(kind=ScalarKind.STRING, length=16)), nullable=False),
        sa.Column("table_name", string(Scalar(kind=ScalarKind.STRING, length=64)), nullable=False),
        sa.Column("row_id", string(Scalar(kind=ScalarKind.STRING, length=255)), nullable=False),
        sa.Column("old_values", json, nullable=True),
        sa.Column("new_values", json, nullable=True),
    ]
    tenant = tenant_column(ctx, layout)
    if tenant is not None:
        key = tenant[1].table.c[tenant[1].pk[0]].type
        columns.append(sa.Column(tenant[0], key, nullable=True))
    return columns


def audit_trigger(ctx: Context, layout: Layout, info: TableInfo, audit: sa.Table) -> TriggerSpec:
    events = {e: (_insert_statement(ctx, layout, info, audit, e),) for e in ACTIONS}
    events["update"] = when_edited(ctx, info, events["update"])
    return TriggerSpec(ctx.namer.unique(info.name, "audit"), info.name, "after", events,
                       f"audit_log rows for every change to {info.name}")


def when_edited(ctx: Context, info: TableInfo, body: tuple[str, ...]) -> tuple[str, ...]:
    """An update trigger's `body`, run only when a column other than a maintained aggregate changed: a
    child's trigger moving the parent's counter is not an edit of the parent."""
    edited = edited_columns(ctx, info)
    if edited is None:
        return body
    d = ctx.dialect
    same = " AND ".join(d.null_safe_equal(f"OLD.{d.quote(c)}", f"NEW.{d.quote(c)}") for c in edited)
    lines = [f"  {line}" for text in body for line in text.splitlines()]
    return (f"IF NOT ({same}) THEN", *lines, "END IF;")


def _insert_statement(ctx: Context, layout: Layout, info: TableInfo, audit: sa.Table, event: str) -> str:
    d = ctx.dialect
    q = d.quote
    row = "OLD" if event == "delete" else "NEW"
    columns = [(s.name, info.table.c[s.name].type) for s in info.specs]
    old = d.row_json("OLD", columns) if event != "insert" else "NULL"
    new = d.row_json("NEW", columns) if event != "delete" else "NULL"
    action = d.literal(event, sa.Text())
    if event == "update" and info.deleted_at:
        deleted = q(info.deleted_at)
        action = f"CASE WHEN OLD.{deleted} IS NULL AND NEW.{deleted} IS NOT NULL THEN 'delete' ELSE 'update' END"
    # a natural key (SC-KEY-05): its columns after the tenant (the log has its own tenant column), joined by ':'
    key = [c for c in info.pk if len(info.pk) == 1 or c != info.tenant]
    text = d.as_text if len(key) == 1 else d.key_text
    ids = [text(f"{row}.{q(c)}", info.table.c[c].type) for c in key]
    row_id = ids[0] if len(ids) == 1 else f"CONCAT_WS(':', {', '.join(ids)})"
    names = ["actor", "action", "table_name", "row_id", "old_values", "new_values"]
    values = [d.session_actor, action, d.literal(info.name, sa.Text()), row_id, old, new]
    tenant = tenant_column(ctx, layout)
    if tenant is not None:
        names.append(tenant[0])
        source = info.tenant or (info.pk[0] if info.entity.tenant_root else None)
        values.append(f"{row}.{q(source)}" if source else "NULL")
    return (f"INSERT INTO {d.table_ref(audit.name)} ({', '.join(q(n) for n in names)})\n"
            f"VALUES ({', '.join(values)});")
