"""Partial writes (SDL 1.2 §5.2): `update E (f, ...) by (...)` and `upsert E (f, ...) by (...)`.

The listed fields are the ones the write changes; schemac still maintains updated_at, version and counters.
Each field listed must be a stored field of the entity (SC0105) that a write may set: not the primary key
(SC0224), not a maintained aggregate (SC0225), not a field schemac sets itself (SC0226), listed once (SC0227).
Only update and upsert take a list (SC0228). A partial upsert inserts the listed and `by` fields and the rest
from their defaults: a required field without one must be listed (SC0229).
"""

from __future__ import annotations

from schemac.compiler import nodes as n
from schemac.compiler.links import link_name
from schemac.compiler.model import Entity, Field, FieldOrigin
from schemac.diagnostics import Diagnostics, did_you_mean

_SET_BY_SCHEMAC = {
    FieldOrigin.TENANT: "the tenant reference, set from the caller's tenant",
    FieldOrigin.CREATED_AT: "set once, when the row is inserted",
    FieldOrigin.UPDATED_AT: "moved on every change",
    FieldOrigin.DELETED_AT: "set by a soft delete",
    FieldOrigin.VERSION: "bumped on every change",
    FieldOrigin.JUNCTION: "a side of a many-to-many link",
}


def partial_fields(op: n.WriteOp, entity: Entity, by: list[str], dropped: set[tuple[str, str]],
                   diags: Diagnostics) -> tuple[str, ...] | None:
    """The fields of a partial write, in the order written; None when the list has an error (reported)."""
    if not op.fields:
        return ()
    kind = op.kind.text
    listed = ", ".join(x.text for x in op.fields)
    if kind not in ("update", "upsert"):
        diags.report("SC0228", op.fields[0].span, op=kind, entity=entity.name, fields=listed,
                     help=f"write `{kind} {entity.name}`, or `update {entity.name} ({listed}) by (...)`")
        return None
    out: list[str] = []
    ok = True
    for name in op.fields:
        f = entity.field(name.text)
        if not _settable(kind, entity, name, f, dropped, diags):
            ok = False
        elif name.text in out:
            diags.report("SC0227", name.span, op=kind, entity=entity.name, field=name.text,
                         help=f"list `{name.text}` once")
            ok = False
        else:
            out.append(name.text)
    if ok and kind == "upsert":
        ok = _inserts_whole_row(op, entity, {*out, *by}, diags)
    return tuple(out) if ok else None


def _settable(kind: str, entity: Entity, name: n.Name, f: Field | None, dropped: set[tuple[str, str]],
              diags: Diagnostics) -> bool:
    where = dict(op=kind, entity=entity.name, field=name.text)
    if f is None and (entity.name, name.text) in dropped:
        return False  # its unknown type is the one error
    if f is None or not f.is_stored:
        hint = did_you_mean(name.text, [x.name for x in entity.stored_fields if x.origin is FieldOrigin.DECLARED])
        if f is not None:
            hint = f" (`{f.name}` is a many-to-many: write its junction entity {link_name(entity.name, f.name)})"
        diags.report("SC0105", name.span, name=name.text, owner=entity.name, hint=hint)
        return False
    if f.origin is FieldOrigin.ID:
        diags.report("SC0224", name.span, help="remove `id` from the list; `by (id)` finds the row", **where)
        return False
    if f.maintained:
        agg = f.default.aggregate if f.default else None
        how = f"{agg.func}({agg.child}) kept by the target" if agg else "a maintained aggregate"
        diags.report("SC0225", name.span, how=how, help=f"remove `{f.name}`; write the {agg.child if agg else ''} "
                     "rows it counts instead", **where)
        return False
    if f.origin in _SET_BY_SCHEMAC:
        diags.report("SC0226", name.span, how=_SET_BY_SCHEMAC[f.origin],
                     help=f"remove `{f.name}` from the list", **where)
        return False
    return True


def _inserts_whole_row(op: n.WriteOp, entity: Entity, written: set[str], diags: Diagnostics) -> bool:
    missing = [f for f in entity.stored_fields if f.origin is FieldOrigin.DECLARED and not f.optional
               and f.default is None and f.name not in written]
    for f in missing:
        diags.report("SC0229", op.fields[0].span, entity=entity.name, fields=", ".join(x.text for x in op.fields),
                     field=f.name, help=f"list `{f.name}`, give it a default, or make it optional (`?`)")
    return not missing
