"""Row estimates from declared volumes: distinct values per column, predicate selectivity, matched rows."""

from __future__ import annotations

from collections.abc import Iterable

from schemac.compiler.design.context import Ctx, pred_key
from schemac.compiler.model import Const, Entity, FieldKind, Predicate, ScalarKind

ROWS_PER_VALUE = 10.0  # a non-unique scalar column: about ten rows share a value
RANGE_SELECTIVITY = 1 / 3  # the planners' default for an inequality
TEXT_SELECTIVITY = 0.01  # a full-text match


def distinct(ctx: Ctx, e: Entity, name: str) -> float:
    rows = max(ctx.rows(e.name), 1.0)
    f = e.field(name)
    if f is None:
        return rows
    if e.primary_key == (name,) or _unique_alone(e, name):
        return rows
    if f.kind is FieldKind.REFERENCE and f.target is not None:
        return min(max(ctx.rows(f.target), 1.0), rows)
    if f.scalar is not None and f.scalar.kind is ScalarKind.ENUM:
        return float(max(len(f.scalar.values), 1))
    if f.scalar is not None and f.scalar.kind is ScalarKind.BOOL:
        return 2.0
    return max(rows / ROWS_PER_VALUE, 1.0)


def _unique_alone(e: Entity, name: str) -> bool:
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    return any(tuple(f for f in u.fields if f != tenant) == (name,) for u in e.uniques)


def constant_selectivity(ctx: Ctx, e: Entity, p: Predicate) -> float:
    rows = max(ctx.rows(e.name), 1.0)
    for cv in e.volume.conditional:
        if [pred_key(x) for x in cv.where] == [pred_key(p)]:
            return min(cv.rows / rows, 1.0)
    f = e.field(p.field)
    if p.op == "=" and isinstance(p.value, Const) and f is not None and f.scalar is not None:
        if f.scalar.kind is ScalarKind.ENUM:
            return 1 / max(len(f.scalar.values), 1)
        if f.scalar.kind is ScalarKind.BOOL:
            return 0.5
        return 1 / ROWS_PER_VALUE
    if p.op in ("is_null", "is_not_null", "!="):
        return 0.5
    return RANGE_SELECTIVITY


def matched_rows(ctx: Ctx, e: Entity, eq: Iterable[str], preds: Iterable[Predicate] = ()) -> float:
    """Rows matching equality on `eq` (and the local constant/range predicates `preds`)."""
    rows = ctx.rows(e.name)
    fields = list(dict.fromkeys(eq))
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    if tenant in fields and any(_implies_tenant(ctx, e, f) for f in fields if f != tenant):
        fields.remove(tenant)  # a tenant-scoped parent or a unique column already picks one tenant's rows
    for f in fields:
        rows /= distinct(ctx, e, f)
    for p in preds:
        if p.op == "match":
            rows *= TEXT_SELECTIVITY
        elif p.is_range:
            rows *= RANGE_SELECTIVITY
        elif p.is_constant:
            rows *= constant_selectivity(ctx, e, p)
    return rows


def _implies_tenant(ctx: Ctx, e: Entity, name: str) -> bool:
    f = e.field(name)
    if f is None:
        return False
    if f.kind is FieldKind.REFERENCE and f.target is not None:
        return ctx.entity(f.target).tenant_field is not None
    return e.primary_key == (name,) or _unique_alone(e, name)
