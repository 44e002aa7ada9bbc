"""The relational layout: one SQLAlchemy Table per entity, with keys, CHECKs, foreign keys and comments.

Foreign keys are the design's ForeignKeyPlans: between tenant-scoped tables they are composite,
`(tenant_id, ref_id) -> target (tenant_id, id)`, so a row can never point into another tenant; a
`set_null` one then nulls only its reference column (`ON DELETE SET NULL (ref_id)`, PostgreSQL 15+).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import TypeEngine

from schemac.backends.sql import columns as cols
from schemac.backends.sql.columns import ColumnSpec
from schemac.backends.sql.context import Context
from schemac.backends.sql.naming import column_name, table_name
from schemac.compiler.design.model import ForeignKeyPlan
from schemac.compiler.model import Entity, FieldKind, FieldOrigin, OnDelete, ScalarKind
from schemac.compiler.naming import snake

ON_DELETE = {OnDelete.CASCADE: "CASCADE", OnDelete.RESTRICT: "RESTRICT", OnDelete.SET_NULL: "SET NULL"}


class SetNullColumnsFK(sa.ForeignKeyConstraint):
    """A foreign key whose ON DELETE SET NULL names the columns to null (PostgreSQL 15+)."""

    inherit_cache = True

    def __init__(self, *args: object, set_null: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.set_null = set_null


@compiles(SetNullColumnsFK)
def _compile_set_null_fk(element: SetNullColumnsFK, compiler: DDLCompiler, **kw: object) -> str:
    text = compiler.visit_foreign_key_constraint(element, **kw)
    quoted = ", ".join(compiler.preparer.quote(c) for c in element.set_null)
    return f"{text} ON DELETE SET NULL ({quoted})"


@dataclass
class TableInfo:
    entity: Entity
    name: str
    table: sa.Table
    specs: list[ColumnSpec]
    field_columns: dict[str, tuple[str, ...]]
    pk: tuple[str, ...]  # the identity key's columns (`id`): what references, audit and erasure name
    key: tuple[str, ...] = ()  # the primary key's columns: the identity, tenant first where scoped (REL-S01)
    tenant: str | None = None  # tenant column
    deleted_at: str | None = None
    updated_at: str | None = None
    version: str | None = None
    live_key: str | None = None  # MySQL: 1 for live rows, NULL for deleted ones (live-row uniqueness)

    def column_of(self, field_name: str) -> sa.Column:
        names = self.field_columns[field_name]
        return self.table.c[names[0]]

    def spec(self, column: str) -> ColumnSpec:
        return next(s for s in self.specs if s.name == column)


@dataclass
class Layout:
    tables: dict[str, TableInfo]  # by entity name, in creation order
    metadata: sa.MetaData
    deferred: list[sa.ForeignKeyConstraint] = field(default_factory=list)

    def of(self, entity: str) -> TableInfo:
        return self.tables[entity]


def creation_order(ctx: Context) -> list[Entity]:
    """Entities so that a table comes after the tables it references (model order otherwise)."""
    order: list[Entity] = []
    seen: set[str] = set()

    def visit(e: Entity) -> None:
        seen.add(e.name)
        for f in e.references:
            if f.target and f.target not in seen:
                visit(ctx.model.entity(f.target))
        order.append(e)

    for e in ctx.model.entities:
        if e.name not in seen:
            visit(e)
    return order


def key_types(ctx: Context) -> dict[str, TypeEngine]:
    """The primary-key column type of every entity with a one-column key."""
    out: dict[str, TypeEngine] = {}
    for e in ctx.model.entities:
        pk = e.field(e.primary_key[0]) if len(e.primary_key) == 1 else None
        if pk is not None and pk.scalar is not None:
            out[e.name] = cols.scalar_type(ctx, pk.scalar)
    return out


def planned_unique(ctx: Context, entity: str, fields: tuple[str, ...]) -> bool:
    return any(i.unique and not i.where and not i.live_only and tuple(p.field for p in i.parts) == fields
               for i in ctx.design.relational.indexes_of(entity))


def build_layout(ctx: Context) -> Layout:
    layout = Layout({}, sa.MetaData())
    types = key_types(ctx)
    order = creation_order(ctx)
    position = {e.name: i for i, e in enumerate(order)}
    for e in order:
        layout.tables[e.name] = _table_info(ctx, layout, e, types)
    for plan in ctx.design.relational.foreign_keys:
        if plan.entity not in layout.tables or plan.target not in layout.tables:
            continue
        _ensure_referenced_key(ctx, layout.of(plan.target), plan.target_columns)
        deferred = position[plan.target] > position[plan.entity]
        fk = _foreign_key(ctx, layout, plan, deferred)
        layout.of(plan.entity).table.append_constraint(fk)
        if deferred:
            layout.deferred.append(fk)
    return layout


def _ensure_referenced_key(ctx: Context, target: TableInfo, fields: tuple[str, ...]) -> None:
    """A composite key referenced by a foreign key needs a unique constraint; the design usually plans it as
    a unique index (emitted with the table's indexes), else it is added here."""
    if fields == ctx.design.relational.primary_key(target.entity) or planned_unique(ctx, target.entity.name, fields):
        return
    columns = [c for f in fields for c in target.field_columns[f]]
    name = ctx.namer.constraint(target.name, columns, "key")
    target.table.append_constraint(sa.UniqueConstraint(*columns, name=name))


def _table_info(ctx: Context, layout: Layout, e: Entity, types: dict[str, TypeEngine]) -> TableInfo:
    wanted = table_name(ctx.model, e)
    name = ctx.namer.unique(wanted)
    if name != ctx.namer.fit(wanted):  # another entity's table (or a name schemac made) has it already
        ctx.report("SC0423", e.span, entity=e.name, wanted=wanted, name=name)
    specs: list[ColumnSpec] = []
    by_field: dict[str, tuple[str, ...]] = {}
    for f in e.stored_fields:
        fs = [_fitted(ctx, c) for c in cols.field_columns(ctx, f, types, e.name)]
        if f.kind is FieldKind.REFERENCE and not fs:
            ctx.report("SC0417", f.span, what=f"the reference `{e.name}.{f.name}`",
                       why=f"`{f.target}` has no single-column primary key to refer to")
        specs.extend(fs)
        by_field[f.name] = tuple([s.name for s in fs])
    pk = tuple(c for p in e.primary_key for c in by_field.get(p, ()))
    routine = erasure_routine(ctx, e) if ctx.model.settings.compliance == "gdpr" and any(x.pii for x in e.fields) \
        else None  # named in each personal column's comment
    columns = [_column(ctx, e, s, s.name in pk and len(pk) == 1, routine) for s in specs]
    table = sa.Table(name, layout.metadata, *columns, comment=e.doc, **dict(ctx.dialect.table_options))
    pk_name = ctx.namer.unique(name, "pkey") if ctx.dialect.name_primary_key else None
    key = tuple(c for p in ctx.design.relational.primary_key(e) for c in by_field.get(p, ()))
    table.append_constraint(sa.PrimaryKeyConstraint(*key, name=pk_name))
    info = TableInfo(e, name, table, specs, by_field, pk, key)
    _special_columns(e, info)
    for check_name, sql in _checks(ctx, e, info):
        table.append_constraint(sa.CheckConstraint(sa.text(sql), name=check_name))
    return info


def _fitted(ctx: Context, spec: ColumnSpec) -> ColumnSpec:
    """`spec` under a name the dialect's identifier limit fits (most already do: no copy then)."""
    name = ctx.namer.fit(spec.name)
    return spec if name == spec.name else replace(spec, name=name)


def _special_columns(e: Entity, info: TableInfo) -> None:
    for f in e.fields:
        column = info.field_columns.get(f.name, (None,))[0]
        if f.origin is FieldOrigin.TENANT:
            info.tenant = column
        elif f.origin is FieldOrigin.DELETED_AT:
            info.deleted_at = column
        elif f.origin is FieldOrigin.UPDATED_AT:
            info.updated_at = column
        elif f.origin is FieldOrigin.VERSION:
            info.version = column


def edited_columns(ctx: Context, info: TableInfo) -> list[str] | None:
    """The columns whose change is an edit of the row: all but the maintained aggregates, which the
    children's triggers update, and updated_at, which follows the others (None when the table has no
    maintained aggregate: every column counts)."""
    maintained = {c for a in ctx.design.relational.aggregates if a.entity == info.entity.name
                  for c in info.field_columns.get(a.field, ())}
    if not maintained:
        return None
    return [s.name for s in info.specs if s.name not in maintained and s.name != info.updated_at]


def erasure_routine(ctx: Context, e: Entity) -> str:
    return ctx.namer.fit(f"erase_{snake(e.name)}")


def _column(ctx: Context, e: Entity, spec: ColumnSpec, is_key: bool, routine: str | None) -> sa.Column:
    f = spec.field
    comment = cols.column_comment(f, routine) if not spec.sub_path or f.pii else None
    args: list[object] = []
    default = cols.server_default(ctx, spec, e)
    integer_key = is_key and f.origin is FieldOrigin.ID and spec.scalar is not None and \
        spec.scalar.kind in (ScalarKind.BIGINT, ScalarKind.INT, ScalarKind.SMALLINT)
    if integer_key:
        args.append(sa.Identity(always=False))
    elif is_key and f.origin is FieldOrigin.ID and spec.scalar and spec.scalar.kind is ScalarKind.UUID:
        ids = ctx.model.settings.ids
        uuid_default = ctx.dialect.uuid_default(ids if ids != "bigint" else "uuid7")
        default = sa.text(uuid_default) if uuid_default else None
    return sa.Column(spec.name, spec.type, *args, nullable=spec.nullable, server_default=default,
                     autoincrement=integer_key, comment=comment)


def _checks(ctx: Context, e: Entity, info: TableInfo) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spec in info.specs:
        fmt = cols.format_check_sql(ctx, spec)
        if fmt:
            out.append((ctx.namer.constraint(info.name, [spec.name], "check"), fmt))
        for check in spec.field.checks if not spec.sub_path else ():
            sql = cols.field_check_sql(ctx, spec, check)
            if sql:
                out.append((ctx.namer.constraint(info.name, [spec.name], "check"), sql))
    for f in e.fields:
        if f.kind is FieldKind.EMBEDDED:
            sql = cols.complete_check_sql(ctx, [s for s in info.specs if s.field is f])
            if sql:
                out.append((ctx.namer.constraint(info.name, [column_name(f)], "complete"), sql))
    for check in e.checks:
        if check.kind == "fields" and check.field and check.other:
            left, right = info.field_columns[check.field][0], info.field_columns[check.other][0]
            sql = cols.fields_check_sql(ctx, left, check.op or "=", right)
            out.append((ctx.namer.constraint(info.name, [left, right], "check"), sql))
    return out


def _foreign_key(ctx: Context, layout: Layout, plan: ForeignKeyPlan, deferred: bool) -> sa.ForeignKeyConstraint:
    info, target = layout.of(plan.entity), layout.of(plan.target)
    local = [c for f in plan.columns for c in info.field_columns[f]]
    refs = [f"{target.name}.{c}" for f in plan.target_columns for c in target.field_columns[f]]
    name = ctx.namer.constraint(info.name, info.field_columns[plan.field], "fkey")
    if plan.set_null_columns and not ctx.dialect.set_null_columns:
        ctx.report("SC0414", None, entity=plan.entity, field=plan.field)
        local, refs = info.field_columns[plan.field][:1], [f"{target.name}.{target.pk[0]}"]
        return sa.ForeignKeyConstraint(local, refs, name=name, ondelete="SET NULL", use_alter=deferred)
    if plan.set_null_columns:
        nulled = tuple(c for f in plan.set_null_columns for c in info.field_columns[f])
        return SetNullColumnsFK(local, refs, name=name, use_alter=deferred, set_null=nulled)
    action = ON_DELETE[OnDelete(plan.on_delete)]
    return sa.ForeignKeyConstraint(local, refs, name=name, ondelete=action, use_alter=deferred)
