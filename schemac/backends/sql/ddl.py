"""schema.sql: tables, indexes, comments, triggers, row-level security and routines, in dependency order.

Tables, constraints, indexes and comments are compiled by SQLAlchemy's DDL compiler; triggers, policies
and routines are spelled by the dialect (see dialect.py). Each table's block holds everything about it.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable

from schemac.backends.sql import audit as audit_mod
from schemac.backends.sql import history as history_mod
from schemac.backends.sql.aggregates import aggregate_triggers
from schemac.backends.sql.cascades import cascade_triggers
from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import PolicySpec, RoleSpec, TriggerSpec
from schemac.backends.sql.erasure import erasure_routine_spec
from schemac.backends.sql.indexes import render_statistics, statistics_specs
from schemac.backends.sql.summaries import summary_blocks
from schemac.backends.sql.tables import Layout, TableInfo, edited_columns
from schemac.compiler.model import FieldOrigin, ScalarKind


def compile_statement(ctx: Context, element: Any) -> str:
    text = ctx.dialect.compile_ddl(element)
    text = text.replace("\t", "  ")
    return re.sub(r"[ ]+\n", "\n", text) + ";"


class SchemaWriter:
    def __init__(self, ctx: Context, layout: Layout, indexes: list[sa.Index]) -> None:
        self.ctx, self.layout, self.indexes = ctx, layout, indexes
        # (first statement, what it creates), in script order: the catalog locates and describes each
        self.created: list[tuple[str, Any]] = []
        self.indexes_of: dict[int, list[sa.Index]] = {}  # by id() of the table, in emission order
        for ix in indexes:
            self.indexes_of.setdefault(id(ix.table), []).append(ix)
        self.d = ctx.dialect
        self.audit = audit_mod.build_audit_table(ctx, layout)
        self.histories = {name: history_mod.build_history_table(ctx, layout, info)
                          for name, info in layout.tables.items()}
        self.aggregates = aggregate_triggers(ctx, layout)
        self.cascades = cascade_triggers(ctx, layout)
        self.summaries = summary_blocks(ctx, layout)
        self.audited = audit_mod.audited(ctx, layout)
        self.audited_names = {i.name for i in self.audited}
        tenancy = ctx.design.relational.tenancy
        rls = tenancy is not None and tenancy.enforcement == "row_level_security"
        self.isolated = {tenancy.tenant, *tenancy.entities} if tenancy is not None and rls else set()

    def render(self, header: list[str]) -> str:
        out = ["\n".join(header)]
        for collation in self.d.collations([s.type for info in self.layout.tables.values() for s in info.specs]):
            out += self._made(self.d.render_collation(collation), collation)
        out += self.d.routine_prelude(uuid7=self._uses_uuid7(), updated_at=self._uses_updated_at())
        if self.audit is not None:
            out += self._plain_table(self.audit, self._audit_tenant())
        for info in self.layout.tables.values():
            out += self._table_block(info)
        for fk in self.layout.deferred:
            out += self._made([compile_statement(self.ctx, AddConstraint(fk))], fk)
        out += self._erasure()
        return self.d.finish_script(out)

    # --- pieces ----------------------------------------------------------------------------------------
    def _uses_uuid7(self) -> bool:
        if self.ctx.model.settings.ids == "uuid4":
            return False
        return any(f.origin is FieldOrigin.ID and f.scalar is not None and f.scalar.kind is ScalarKind.UUID
                   for e in self.ctx.model.entities for f in e.fields)

    def _uses_updated_at(self) -> bool:
        return any(i.updated_at for i in self.layout.tables.values())

    def _audit_tenant(self) -> str | None:
        found = audit_mod.tenant_column(self.ctx, self.layout)
        return found[0] if found and self.isolated else None

    def _made(self, statements: list[str], obj: Any) -> list[str]:
        """`statements`, noting that the first of them creates `obj` (a Table, Index, TriggerSpec ...)."""
        if statements:
            self.created.append((statements[0], obj))
        return statements

    def _plain_table(self, table: sa.Table, tenant: str | None) -> list[str]:
        out = self._made([compile_statement(self.ctx, CreateTable(table))], table)
        for i in sorted(table.indexes, key=lambda i: i.name):
            out += self._made([compile_statement(self.ctx, CreateIndex(i))], i)
        out += self.d.comment_statements(table)
        if tenant is not None:
            name = self.ctx.namer.unique(table.name, "tenant_isolation")
            out += self._made(self.d.tenant_policy(table.name, tenant, table.c[tenant].type, name,
                                                   allow_null=table is self.audit), PolicySpec(name, table.name))
        return out

    def _table_block(self, info: TableInfo) -> list[str]:
        title = f"-- {info.entity.name}" + (f": {info.entity.doc}" if info.entity.doc else "")
        out = self._made([title + "\n" + compile_statement(self.ctx, CreateTable(info.table))], info.table)
        return out + self.table_objects(info)

    def table_objects(self, info: TableInfo, *, history_table: bool = True) -> list[str]:
        """What belongs to a table after its CREATE TABLE: indexes, statistics, comments, triggers, policies
        (and its history table, unless `history_table` is off: a table rebuilt in place keeps it)."""
        out: list[str] = []
        for i in self.indexes_of.get(id(info.table), []):
            out += self._made([compile_statement(self.ctx, CreateIndex(i))], i)
        for stats in statistics_specs(self.ctx, info):
            out += self._made([render_statistics(self.ctx, stats)], stats)
        out += self.d.comment_statements(info.table)
        if info.updated_at:
            name = self.ctx.namer.unique(info.name, "set", info.updated_at)
            out += self._made(self.d.updated_at_trigger(name, info.name, info.updated_at,
                                                        edited_columns(self.ctx, info)),
                              TriggerSpec(name, info.name, "before", {"update": ()}))
        history = self.histories.get(info.entity.name)
        if history is not None:
            if history_table:
                out += self._plain_table(history, info.tenant if info.entity.name in self.isolated else None)
            out += self._trigger(history_mod.history_trigger(self.ctx, info, history))
        for spec in [*self.aggregates.get(info.entity.name, []), *self.cascades.get(info.entity.name, [])]:
            out += self._trigger(spec)
        if self.audit is not None and info.name in self.audited_names:
            out += self._trigger(audit_mod.audit_trigger(self.ctx, self.layout, info, self.audit))
        out += self._policy(info)
        for table, trigger in self.summaries.get(info.entity.name, []):
            out += self._plain_table(table, info.tenant if info.entity.name in self.isolated else None)
            out += self._trigger(trigger)
        return out

    def _trigger(self, spec: TriggerSpec) -> list[str]:
        return self._made(self.d.render_trigger(spec), spec)

    def _policy(self, info: TableInfo) -> list[str]:
        if info.entity.name not in self.isolated:
            return []
        column = info.tenant or (info.pk[0] if info.entity.tenant_root else None)
        if column is None:
            return []
        name = self.ctx.namer.unique(info.name, "tenant_isolation")
        return self._made(self.d.tenant_policy(info.name, column, info.table.c[column].type, name),
                          PolicySpec(name, info.name))

    def _erasure(self) -> list[str]:
        specs = [erasure_routine_spec(self.ctx, self.layout, plan, self.histories.get(plan.entity), self.audit)
                 for plan in self.ctx.design.relational.erasure if plan.entity in self.layout.tables]
        if not any(specs):
            return []
        role = RoleSpec(self.d.privacy_role(self.ctx.model))  # who may run them: the script creates it first
        out = self._made(self.d.role_statements(role.name), role)
        for spec in specs:
            if spec is not None:
                out += self._made(self.d.render_routine(spec), spec)
        return out

