"""Where each relational result column is in a result document: what makes the MongoDB answer comparable
with the SQL targets' rows, column by column (the columns are named as the SQL targets name them)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document.keys import column_name, doc_key, element_key
from schemac.compiler.design.document.layout import Copy, ResultArray
from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, Include
from schemac.compiler.naming import plural, snake


def field_columns(ctx: Ctx, f: Field, path: str) -> list[tuple[str, str]]:
    """(column, path) of one stored field; a value type is one column per member (`shipping_address_city`)."""
    if f.kind is FieldKind.EMBEDDED and f.target is not None:
        out = []
        for sub in ctx.model.value_type(f.target).fields:
            out += [(f"{snake(f.name)}_{c}", f"{path}.{p}") for c, p in field_columns(ctx, sub, doc_key(sub))]
        return out
    return [(column_name(f), path)]


def entity_columns(ctx: Ctx, e: Entity, *, element: bool = False) -> list[tuple[str, str]]:
    """Every column a plain read of `e` returns (deleted_at aside), and its path in the document."""
    out: list[tuple[str, str]] = []
    for f in e.stored_fields:
        if f.origin is FieldOrigin.DELETED_AT:
            continue
        out += field_columns(ctx, f, element_key(f) if element else doc_key(f))
    return out


def include_columns(target: Entity, fields: tuple[str, ...]) -> list[Field]:
    """The fields an include returns: its list, or every stored field but the tenant and deleted_at."""
    if fields:
        return [f for name in fields if (f := target.field(name)) is not None]
    return [f for f in target.stored_fields if f.origin not in (FieldOrigin.TENANT, FieldOrigin.DELETED_AT)]


def array_label(inc: Include) -> str:
    return plural(snake(inc.name)) if inc.name[:1].isupper() else inc.name


def copied_columns(ctx: Ctx, copy: Copy, inc: Include, prefix: str, present: set[str]) -> list[tuple[str, str]]:
    """The columns of a to-one include served by an extended reference: `<include>_<column>` -> `<path>.<key>`."""
    target = ctx.entity(copy.source or "")
    keys = dict(copy.fields)
    out = []
    for f in include_columns(target, inc.fields):
        if f.origin is FieldOrigin.ID:
            continue
        for col, sub in field_columns(ctx, f, keys.get(f.name, column_name(f))):
            name = f"{prefix}{inc.name}_{col}"
            if name not in present:
                out.append((name, f"{copy.path}.{sub}"))
    return out


def element_columns(ctx: Ctx, inc: Include, copies: dict[tuple[str, str], Copy],
                    skip: str | None = None) -> list[tuple[str, str]]:
    """(JSON key path, element path) of the objects of a JSON-array column (an include of many); `skip`: the
    parent reference an embedded element does not repeat."""
    child = ctx.entity(inc.entity)
    out: list[tuple[str, str]] = []
    for f in include_columns(child, inc.fields):
        if f.name == skip:
            continue
        key = element_key(f)
        for col, path in field_columns(ctx, f, key):
            out.append((col, path))
    for nested in inc.nested:
        copy = copies.get((inc.entity, nested.via))
        if nested.kind == "to_one" and copy is not None:
            keys = dict(copy.fields)
            for f in include_columns(ctx.entity(nested.entity), nested.fields):
                out.append((f"{nested.name}.{column_name(f)}", f"{copy.path}.{keys.get(f.name, column_name(f))}"))
    return out


def result_array(ctx: Ctx, inc: Include, path: str, copies: dict[tuple[str, str], Copy],
                 skip: str | None = None) -> ResultArray:
    return ResultArray(column=array_label(inc), path=path, columns=tuple(element_columns(ctx, inc, copies, skip)))
