"""PostgreSQL's order on an optional sort key, from an index: MongoDB orders null before every value ascending
(after them descending), PostgreSQL after them ascending (before them descending). A find sorted first on an
optional field becomes an aggregate of two index-served reads of the same index: the documents whose field is
set (`{$type: ...}`, a bounded range on the sort key, in the index's order) and, by `$unionWith`, those where it
is null (an equality on the key, so the remaining sort keys, the tiebreak, are served in order), each cut to
the page, the null ones after (ascending) or before (descending), then the page cut once more."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.document.layout import Cond, DocumentAccess
from schemac.compiler.design.document.payloads import NullsLast
from schemac.compiler.model import Entity, ScalarKind

_BSON_TYPE = {ScalarKind.DATE: "date", ScalarKind.TIMESTAMP: "date", ScalarKind.DECIMAL: "decimal",
              ScalarKind.INT: "int", ScalarKind.SMALLINT: "int", ScalarKind.BIGINT: "long", ScalarKind.FLOAT: "double",
              ScalarKind.BOOL: "bool", ScalarKind.UUID: "binData"}


def _optional_key(e: Entity, a: DocumentAccess, keys: dict[str, str]) -> tuple[str, str] | None:
    """(document key, BSON type) of the first sort key when it is an optional scalar field."""
    if not a.sort or a.kind != "find" or a.projection:
        return None
    name = keys.get(a.sort[0][0])
    f = e.field(name) if name else None
    if f is None or not f.optional or f.scalar is None or f.kind.value != "scalar":
        return None
    return a.sort[0][0], _BSON_TYPE.get(f.scalar.kind, "string")


def nulls_last(ctx: Ctx, e: Entity, a: DocumentAccess, keys: dict[str, str]) -> DocumentAccess:
    """`a` in PostgreSQL's null order when its first sort key is optional (see the module), else `a`;
    `keys`: document key -> IR field name of `e`."""
    found = _optional_key(e, a, keys)
    if found is None:
        return a
    key, bson = found
    direction = a.sort[0][1]
    set_ = a.model_copy(update={"kind": "aggregate", "filter": (*a.filter, Cond(path=key, op="type", value=bson)),
                                "follow_ups": (), "why": f"the documents whose `{key}` is set, by {_keys(a.sort)}"})
    nulls = a.model_copy(update={"kind": "aggregate", "filter": (*a.filter, Cond(path=key, op="null")),
                                 "sort": a.sort[1:], "follow_ups": (),
                                 "why": f"the documents whose `{key}` is null, by {_keys(a.sort[1:])}"})
    first, second = (set_, nulls) if direction == 1 else (nulls, set_)
    set_text = f"those with `{key}` set (`$type: \"{bson}\"`) by {_keys(a.sort)}"
    null_text = f"those where it is null (`{key}: null`, an equality on the key) by {_keys(a.sort[1:])}"
    parts = (set_text, null_text) if direction == 1 else (null_text.replace("it is", f"`{key}` is"),
                                                          set_text.replace(f"`{key}` set", "it set"))
    why = (f"{key} may be null: PostgreSQL puts nulls {'last' if direction == 1 else 'first'}, MongoDB "
           f"{'first' if direction == 1 else 'last'}; two reads of the same index keep PostgreSQL's order: "
           f"{parts[0]}, then by `$unionWith` {parts[1]}, each cut to the page, then the page (MDB-I01, MDB-I02)")
    ctx.decide("MDB-I02", Subject.of_pattern(a.pattern, e.name),
               f"`{a.pattern}`: documents with `{key}` set and those where it is null, read apart from one index",
               why, payload=NullsLast(pattern=a.pattern, field=keys[key], index_order=tuple(k for k, _ in a.sort)))
    second = second.model_copy(update={"pattern": f"{a.pattern}.{'nulls' if direction == 1 else 'set'}",
                                       "index": a.index})
    return first.model_copy(update={"pattern": a.pattern, "branches": (second,), "post_limit": a.limit,
                                    "follow_ups": a.follow_ups, "why": why})


def _keys(sort: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"`{k}` {'ascending' if d == 1 else 'descending'}" for k, d in sort) or "no further key"
