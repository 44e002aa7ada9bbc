"""Widths of stored values: average bytes for growth estimates, worst-case bytes for key limits."""

from __future__ import annotations

from schemac.compiler.model import Entity, Field, FieldKind, Model, Scalar, ScalarKind

ROW_OVERHEAD = 24  # tuple header and alignment (PostgreSQL 23 B + padding; InnoDB ~20 B + trx fields)
INDEX_ENTRY_OVERHEAD = 16  # per-entry header + row pointer
SHORT_STRING = 64  # string(n) with n <= 64 counts as narrow (INCLUDE candidates)
LIST_ITEMS = 5  # assumed elements of a list<T>

_FIXED = {
    ScalarKind.UUID: 16, ScalarKind.SMALLINT: 2, ScalarKind.INT: 4, ScalarKind.BIGINT: 8, ScalarKind.FLOAT: 8,
    ScalarKind.BOOL: 1, ScalarKind.DATE: 4, ScalarKind.TIMESTAMP: 8, ScalarKind.ENUM: 8,
}
# Average widths of variable-length kinds (text 200, json 500; e-mail addresses average ~30 characters)
_AVERAGE = {ScalarKind.TEXT: 200, ScalarKind.JSON: 500, ScalarKind.BYTES: 500, ScalarKind.EMAIL: 32,
            ScalarKind.URL: 80}
_UNBOUNDED = frozenset({ScalarKind.TEXT, ScalarKind.JSON, ScalarKind.BYTES, ScalarKind.URL})


def scalar_width(s: Scalar) -> int:
    if s.kind in _FIXED:
        return _FIXED[s.kind]
    if s.kind is ScalarKind.DECIMAL:
        return 8 + (s.precision or 18) // 2
    if s.kind is ScalarKind.STRING:
        return max(1, (s.length or 255) // 2)
    return _AVERAGE.get(s.kind, 32)


# `ids`, where a function takes it, memoises `id_width` per entity name for one model (a design run's).


def field_width(model: Model, f: Field, ids: dict[str, int] | None = None) -> int:
    """Average stored bytes of one field."""
    if f.kind is FieldKind.SCALAR and f.scalar is not None:
        return scalar_width(f.scalar)
    if f.kind is FieldKind.LIST and f.scalar is not None:
        return 24 + LIST_ITEMS * scalar_width(f.scalar)
    if f.kind is FieldKind.REFERENCE and f.target is not None:
        return id_width(model, f.target, ids)
    if f.kind is FieldKind.EMBEDDED and f.target is not None:
        return sum(field_width(model, x, ids) for x in model.value_type(f.target).fields)
    return 0  # MANY: stored in its junction


def id_width(model: Model, entity: str, ids: dict[str, int] | None = None) -> int:
    if ids is not None:
        width = ids.get(entity)
        if width is None:
            width = ids[entity] = id_width(model, entity)
        return width
    e = model.entity(entity)
    pk = e.field(e.primary_key[0]) if e.primary_key else None
    if pk is None or pk.scalar is None:
        return 16
    return scalar_width(pk.scalar)


def row_bytes(model: Model, e: Entity, ids: dict[str, int] | None = None) -> int:
    if e.size_bytes:
        return e.size_bytes
    return ROW_OVERHEAD + sum(field_width(model, f, ids) for f in e.stored_fields)


def is_narrow(model: Model, f: Field) -> bool:
    """Fixed-width values and short strings: cheap to copy into an index (INCLUDE)."""
    if f.kind is FieldKind.REFERENCE:
        return True
    if f.kind is not FieldKind.SCALAR or f.scalar is None:
        return False
    s = f.scalar
    if s.kind in _FIXED or s.kind is ScalarKind.DECIMAL:
        return True
    return s.kind is ScalarKind.STRING and (s.length or 255) <= SHORT_STRING


def worst_key_bytes(model: Model, f: Field, ids: dict[str, int] | None = None) -> int | None:
    """Worst-case key bytes of one field (4 bytes per character); None when unbounded."""
    if f.kind is FieldKind.REFERENCE and f.target is not None:
        return id_width(model, f.target, ids)
    if f.kind is not FieldKind.SCALAR or f.scalar is None:
        return None
    s = f.scalar
    if s.kind in _UNBOUNDED:
        return None
    if s.kind in (ScalarKind.STRING, ScalarKind.EMAIL):
        return 4 * (s.length or 255)
    return scalar_width(s)
