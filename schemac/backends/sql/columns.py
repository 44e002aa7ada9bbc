"""IR fields -> SQLAlchemy columns: types, NULL-ability, defaults, comments and column CHECKs."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from schemac.backends.sql.context import Context
from schemac.backends.sql.naming import column_name
from schemac.backends.sql.types import is_unbounded_text
from schemac.compiler.model import Check, Entity, Field, FieldKind, FieldOrigin, Scalar, ScalarKind

EMAIL_PATTERN = "^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$"
URL_PATTERN = "^[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]]+$"
_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True)
class ColumnSpec:
    """One column a field stores: its name, type, NULL-ability and the field (and scalar) behind it."""

    name: str
    type: TypeEngine
    nullable: bool
    field: Field
    scalar: Scalar | None
    sub_path: tuple[str, ...] = ()  # embedded value-object fields followed to reach it


def scalar_type(ctx: Context, s: Scalar) -> TypeEngine:
    return ctx.dialect.types[s.kind](s)


def field_columns(ctx: Context, f: Field, key_types: dict[str, TypeEngine], entity: str = "") -> list[ColumnSpec]:
    """The columns of one stored field (several for an embedded value object, none for `Name[]`)."""
    if f.kind is FieldKind.SCALAR and f.scalar is not None:
        type_ = scalar_type(ctx, f.scalar)
        collation = ctx.dialect.binary_collation
        if collation and (entity, f.name) in ctx.design.relational.exact_keys and isinstance(type_, sa.String):
            type_ = type_.copy()
            type_.collation = collation  # an opaque key compares byte for byte (SC-KEY-03)
        return [ColumnSpec(column_name(f), type_, f.optional, f, f.scalar)]
    if f.kind is FieldKind.LIST and f.scalar is not None:
        list_t = ctx.dialect.list_type(scalar_type(ctx, f.scalar))
        return [ColumnSpec(column_name(f), list_t, f.optional, f, None)]
    if f.kind is FieldKind.REFERENCE and f.target in key_types:
        return [ColumnSpec(column_name(f), key_types[f.target], f.optional, f, None)]
    if f.kind is FieldKind.EMBEDDED and f.target is not None:
        return _embedded(ctx, f, f, column_name(f), f.optional, ())
    return []


def _embedded(ctx: Context, top: Field, f: Field, prefix: str, optional: bool,
              path: tuple[str, ...]) -> list[ColumnSpec]:
    out: list[ColumnSpec] = []
    for sub in ctx.model.value_type(f.target or "").fields:
        name = f"{prefix}_{column_name(sub)}"
        nullable = optional or sub.optional
        if sub.kind is FieldKind.EMBEDDED:
            out.extend(_embedded(ctx, top, sub, name, nullable, (*path, sub.name)))
        elif sub.kind is FieldKind.SCALAR and sub.scalar is not None:
            out.append(ColumnSpec(name, scalar_type(ctx, sub.scalar), nullable, top, sub.scalar,
                                  (*path, sub.name)))
        elif sub.kind is FieldKind.LIST and sub.scalar is not None:
            list_t = ctx.dialect.list_type(scalar_type(ctx, sub.scalar))
            out.append(ColumnSpec(name, list_t, nullable, top, None, (*path, sub.name)))
        else:
            ctx.report("SC0417", sub.span, what=f"`{sub.name}` in value object `{f.target}`",
                       why="a value object holds scalars, lists and other value objects")
    return out


def server_default(ctx: Context, spec: ColumnSpec, entity: Entity) -> sa.TextClause | str | None:
    f = spec.field
    if spec.sub_path or f.default is None:
        return None
    d = ctx.dialect
    if f.origin is FieldOrigin.UPDATED_AT and d.updated_at_by_column:
        return sa.text(f"{d.now} ON UPDATE {d.now}")
    if f.default.kind == "now":
        return sa.text(d.now)
    if f.default.kind == "aggregate":
        agg = f.default.aggregate
        return sa.text("0") if agg is not None and agg.func in ("count", "sum") else None
    literal = d.literal(f.default.value, spec.type)
    if is_unbounded_text(spec.type) and d.text_default_as_expression:
        return sa.text(f"({literal})")
    return sa.text(literal)


def column_comment(f: Field, entity_pii_routine: str | None) -> str | None:
    parts = [f.doc] if f.doc else []
    if f.pii:
        erase = f" Erased by {entity_pii_routine}()." if entity_pii_routine else ""
        parts.append(f"Personal data (GDPR).{erase}")
    return " ".join(parts) or None


# --- CHECK constraints -------------------------------------------------------------------------------------


def number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_value(ctx: Context, value: object, spec: ColumnSpec) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    return ctx.dialect.literal(value, spec.type)


def field_check_sql(ctx: Context, spec: ColumnSpec, check: Check) -> str | None:
    col = ctx.dialect.quote(spec.name)
    if check.kind == "range":
        low, high = check_value(ctx, check.low, spec), check_value(ctx, check.high, spec)
        return f"{col} BETWEEN {low} AND {high}"
    if check.kind == "compare" and check.op in _OPS:
        return f"{col} {_OPS[check.op]} {check_value(ctx, check.value, spec)}"
    if check.kind == "length":
        return f"char_length({col}) {_OPS.get(check.op or '<=', '<=')} {number(check.value)}"
    return None


def format_check_sql(ctx: Context, spec: ColumnSpec) -> str | None:
    s = spec.scalar
    if s is None:
        return None
    col = ctx.dialect.quote(spec.name)
    if s.kind is ScalarKind.ENUM:
        members = ", ".join(ctx.dialect.literal(v, spec.type) for v in s.values)
        return f"{col} IN ({members})"
    pattern = {ScalarKind.EMAIL: EMAIL_PATTERN, ScalarKind.URL: URL_PATTERN}.get(s.kind)
    if pattern is None:
        return None
    if getattr(spec.type, "collation", None) and ctx.dialect.regex_collation:
        col = f"{col} COLLATE {ctx.dialect.regex_collation}"  # no regular expressions in a nondeterministic one
    return f"{col} {ctx.dialect.regex_op} {ctx.dialect.literal(pattern, sa.Text())}"


def fields_check_sql(ctx: Context, left: str, op: str, right: str) -> str:
    q = ctx.dialect.quote
    return f"{q(left)} {_OPS.get(op, op)} {q(right)}"


def complete_check_sql(ctx: Context, specs: list[ColumnSpec]) -> str | None:
    """An optional value object is all there or all absent: its required parts are NULL together."""
    required = [s for s in specs if not _sub_optional(ctx, s)]
    if len(required) < 2 or not specs[0].field.optional:
        return None
    q = ctx.dialect.quote
    absent = " AND ".join(f"{q(s.name)} IS NULL" for s in required)
    present = " AND ".join(f"{q(s.name)} IS NOT NULL" for s in required)
    return f"({absent}) OR ({present})"


def _sub_optional(ctx: Context, spec: ColumnSpec) -> bool:
    fields = ctx.model.value_type(spec.field.target or "").fields
    for step in spec.sub_path:
        sub = next(x for x in fields if x.name == step)
        if sub.optional:
            return True
        if sub.kind is FieldKind.EMBEDDED:
            fields = ctx.model.value_type(sub.target or "").fields
    return False
