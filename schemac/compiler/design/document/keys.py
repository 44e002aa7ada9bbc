"""Collection names and document keys: how IR fields are named inside documents.

A stored entity's id is `_id`; a reference is `<field>_id` (the tenant's too); a scalar, list or value type
keeps its field name (a value type is a sub-document). Inside an embedded element the id is `id` and the
reference to the parent is left out: the parent document is the reference.
"""

from __future__ import annotations

from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin
from schemac.compiler.naming import plural, snake


def collection_name(e: Entity) -> str:
    return e.collection_name or e.table_name or plural(snake(e.name))


def doc_key(f: Field) -> str:
    if f.origin is FieldOrigin.ID:
        return "_id"
    if f.kind is FieldKind.REFERENCE:
        return f"{snake(f.name)}_id"
    return snake(f.name)


def element_key(f: Field) -> str:
    return "id" if f.origin is FieldOrigin.ID else doc_key(f)


def column_name(f: Field) -> str:
    """The relational column of a field (as the SQL targets name it): the result columns are compared by it."""
    return f"{snake(f.name)}_id" if f.kind is FieldKind.REFERENCE else snake(f.name)


def stored_keys(e: Entity, *, embedded_by: str | None = None) -> tuple[tuple[str, str], ...]:
    """(IR field, key) of every stored field; an embedded element drops its parent reference and tenant."""
    out = []
    for f in e.stored_fields:
        if embedded_by is not None and (f.name == embedded_by or f.origin is FieldOrigin.TENANT):
            continue
        out.append((f.name, element_key(f) if embedded_by is not None else doc_key(f)))
    return tuple(out)
