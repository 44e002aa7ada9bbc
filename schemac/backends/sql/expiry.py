"""`@expires`: one batched purge statement per entity (SC-EXP-01), `Purge<Entity>` in queries.sql.

PostgreSQL's DELETE has no LIMIT: `DELETE ... WHERE ctid IN (SELECT ctid ... ORDER BY f LIMIT n)`; MySQL's
single-table DELETE takes `ORDER BY f LIMIT n`. Both read the index that leads with the expiry field. The
job runs it until it deletes fewer rows than the batch. A hard delete, even under soft delete: the audit
trigger sees the DELETE and records it.
"""

from __future__ import annotations

from schemac.backends.sql.context import Context
from schemac.backends.sql.statements import NamedStatement, Params, compile_statement, statement_name
from schemac.backends.sql.tables import Layout


def purge_statements(ctx: Context, layout: Layout, index_names: dict[int, str]) -> list[NamedStatement]:
    out = []
    for plan in ctx.design.relational.expiry:
        if plan.entity not in layout.tables:
            continue
        info = layout.of(plan.entity)
        column = info.field_columns[plan.field][0]
        stmt = ctx.dialect.purge(info.table, column, plan.batch)
        index = f"index {index_names[plan.index]}" if plan.index in index_names else "its index"
        notes = [f"deletes at most {plan.batch:,} expired {plan.entity} rows ({column} has passed) through "
                 f"{index}, across tenants; run it every {plan.every_s} s, again while it deletes a full batch",
                 "a hard delete even under soft delete; the audit trigger records each row"]
        if info.tenant is not None and ctx.dialect.row_level_security:
            notes.append("row-level security is FORCEd (it binds the owner): run it as a purge role WITH "
                         "BYPASSRLS granted SELECT, DELETE on this table; the application's role sees one tenant")
        out.append(compile_statement(ctx.dialect, stmt, Params(), statement_name("purge", plan.entity),
                                     ":execrows", notes))
    return out
