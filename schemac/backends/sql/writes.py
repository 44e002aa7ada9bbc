"""The writes of queries.sql: insert, update by, upsert by and delete by.

An insert takes every stored, non-implicit column as a parameter (the tenant first); implicit columns
(id, timestamps, version, maintained aggregates) keep their database defaults, and a NULL for a column
with a declared default keeps that default. An update sets the declared columns; an upsert inserts or,
on a conflict with the design's unique key, updates; a delete on a soft-delete entity sets deleted_at.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql.columns import ColumnSpec
from schemac.backends.sql.context import Context
from schemac.backends.sql.statements import NamedStatement, Params, compile_statement, statement_name
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.model import FieldOrigin, Write

IMPLICIT = {FieldOrigin.ID, FieldOrigin.TENANT, FieldOrigin.CREATED_AT, FieldOrigin.UPDATED_AT,
            FieldOrigin.DELETED_AT, FieldOrigin.VERSION}


def write_statements(ctx: Context, layout: Layout, w: Write) -> list[NamedStatement]:
    if w.entity not in layout.tables:
        return []
    return [WriteBuilder(ctx, layout.of(w.entity), w).build()]


class WriteBuilder:
    def __init__(self, ctx: Context, info: TableInfo, w: Write) -> None:
        self.ctx, self.info, self.w = ctx, info, w
        self.d = ctx.dialect
        self.t = info.table
        self.params = Params()
        self.plan = ctx.design.relational.write(w.name)

    def build(self) -> NamedStatement:
        stmt, kind, note = getattr(self, f"_{self.w.op}")()
        if self.d.returning and kind != ":exec":
            stmt = stmt.returning(*(self.t.c[s.name] for s in self.info.specs))
        else:
            kind = ":execrows" if self._expected() is not None else ":exec"
        return compile_statement(self.d, stmt, self.params, statement_name(self.w.name), kind, [note])

    def _expected(self) -> str | None:
        """The column of the optimistic check (SC-CON-01), None without one."""
        plan = self.ctx.design.write(self.w.name)
        field = plan.expect if plan is not None else None
        return self.info.field_columns[field][0] if field else None

    # --- parameters ----------------------------------------------------------------------------------------
    def _param(self, spec: ColumnSpec, *, name: str | None = None) -> Any:
        return self.params.get(name or spec.name, spec.type, nullable=spec.nullable)

    def _tenant(self) -> ColumnElement[bool] | None:
        tenant = self.info.tenant
        if tenant is None:
            return None
        return self.t.c[tenant] == self.params.tenant(tenant, self.t.c[tenant].type)

    def _value(self, spec: ColumnSpec) -> Any:
        column = self.t.c[spec.name]
        default = column.server_default
        if default is None or spec.sub_path:
            return self._param(spec)
        param = self.params.get(spec.name, spec.type, nullable=True)
        return sa.func.coalesce(param, sa.literal_column(str(default.arg.text)))  # type: ignore[attr-defined]

    def _app_supplied_key(self, spec: ColumnSpec) -> bool:
        column = self.t.c[spec.name]
        return column.server_default is None and column.identity is None

    def insert_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.info.tenant:
            values[self.info.tenant] = self.params.tenant(self.info.tenant, self.t.c[self.info.tenant].type)
        for spec in self.info.specs:
            f = spec.field
            if f.origin is FieldOrigin.ID and self._app_supplied_key(spec):
                values[spec.name] = self._param(spec)
            elif f.origin not in IMPLICIT and not f.maintained and self._inserted(f.name):
                values[spec.name] = self._value(spec)
        return values

    def _inserted(self, field: str) -> bool:
        """A partial upsert inserts its key and listed fields; the rest take their defaults."""
        return self.w.op != "upsert" or not self.w.fields or field in self.w.fields or field in self.w.by

    def settable(self) -> list[ColumnSpec]:
        """The columns an update sets: every writable one, or only the listed fields of a partial update."""
        by = set(self.w.by)
        listed = set(self.w.fields)
        return [s for s in self.info.specs
                if s.field.origin not in IMPLICIT and not s.field.maintained and s.field.name not in by
                and (not listed or s.field.name in listed)]

    def key_filter(self) -> list[ColumnElement[bool]]:
        names = {p.field: p.name for p in self.w.params}
        terms = [t for t in (self._tenant(),) if t is not None]
        for field in self.w.by:
            column = self.t.c[self.info.field_columns[field][0]]
            terms.append(column == self.params.get(names.get(field, column.name), column.type))
        if self.info.deleted_at:
            terms.append(self.t.c[self.info.deleted_at].is_(None))
        return terms

    def _unique_by(self) -> bool:
        return self.plan is not None and (self.plan.by_primary_key or self.plan.index is not None)

    # --- the four operations ------------------------------------------------------------------------------
    def _insert(self) -> tuple[Any, str, str]:
        stmt = sa.insert(self.t).values(self.insert_values())
        return stmt, ":one", f"inserts one {self.w.entity}; NULL for a column with a default keeps the default"

    def _update(self) -> tuple[Any, str, str]:
        values = {s.name: self._param(s) for s in self.settable()}
        stmt = sa.update(self.t).values(values).where(*self.key_filter())
        note = f"updates {self.w.entity} by {', '.join(self.w.by)}"
        if self.w.fields:
            note = f"updates only {', '.join(self.w.fields)} of {self.w.entity} by {', '.join(self.w.by)}"
            if self.plan is not None and self.plan.hot_candidate:
                note += " (touches no indexed column: a heap-only update candidate)"
        expected = self._expected()
        if expected is not None:
            column = self.t.c[expected]
            stmt = stmt.where(column == self.params.get(f"expected_{expected}", column.type))
            returned = "returns no row" if self.d.returning else \
                "changes 0 rows (count matched rows: PyMySQL client_flag=CLIENT.FOUND_ROWS)"
            note += (f", only if {expected} still equals expected_{expected} (the value read): {returned} when "
                     f"another writer changed the row since")
        return stmt, ":one" if self._unique_by() else ":many", note

    def _delete(self) -> tuple[Any, str, str]:
        if self.info.deleted_at:
            now = sa.literal_column(self.d.now)
            stmt = sa.update(self.t).values({self.info.deleted_at: now}).where(*self.key_filter())
            return stmt, ":exec", f"soft-deletes {self.w.entity} by {', '.join(self.w.by)} (sets deleted_at)"
        return sa.delete(self.t).where(*self.key_filter()), ":exec", \
            f"deletes {self.w.entity} by {', '.join(self.w.by)}"

    def _upsert(self) -> tuple[Any, str, str]:
        values = self.insert_values()
        fields = self.plan.columns if self.plan and self.plan.columns else \
            ((self.info.entity.tenant_field.name,) if self.info.tenant else ()) + self.w.by  # type: ignore[union-attr]
        conflict = [c for f in fields for c in self.info.field_columns[f]]
        indexes = self.ctx.design.relational.indexes
        index = indexes[self.plan.index] if self.plan and self.plan.index is not None else None
        where = self.t.c[self.info.deleted_at].is_(None) if index is not None and index.live_only and \
            self.info.deleted_at else None
        update = [c for c in values if c not in conflict and not self.t.c[c].primary_key]
        stmt = self.d.upsert(self.t, values, conflict, where, update)
        what = f"only {', '.join(self.w.fields)} of " if self.w.fields else ""
        return stmt, ":one", f"inserts or updates {what}{self.w.entity} by {', '.join(self.w.by)}"
