"""PostgreSQL's order on an optional sort key, from an index: MongoDB orders null before every value ascending
(after them descending), PostgreSQL after them ascending (before them descending). A find sorted first on an
optional field becomes an aggregate of two index-served reads of the same index, each cut to the page: the
documents whose field is set (`{$type: ...}`, a bounded range on the sort key, in the index's order) and, by
`$unionWith`, those where it is null (an equality on the key, so the remaining sort keys, the tiebreak, are
served in order). At most two pages then reach a computed rank (1 where the key is null), a `$sort` on the rank
and the sort keys, and the page cut once more: an in-memory top-k sort of at most 2 x limit documents.

Why the final sort: MongoDB's reference page for `$unionWith` says the order in which it outputs the combined
documents is unspecified, and its documentation tracker (DOCS-14310) asked for that warning precisely because
today's predictable order (the first pipeline's documents, then the union's) is not a promise and may change
with future optimizations. So the page's order never rests on the union's output order; the rank and the sort
after it fix it whatever order the two reads arrive in."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.document.layout import Cond, DocumentAccess
from schemac.compiler.design.document.payloads import NullsLast
from schemac.compiler.model import Entity, ScalarKind

_BSON_TYPE = {ScalarKind.DATE: "date", ScalarKind.TIMESTAMP: "date", ScalarKind.DECIMAL: "decimal",
              ScalarKind.INT: "int", ScalarKind.SMALLINT: "int", ScalarKind.BIGINT: "long", ScalarKind.FLOAT: "double",
              ScalarKind.BOOL: "bool", ScalarKind.UUID: "binData"}


def optional_key(e: Entity, a: DocumentAccess, keys: dict[str, str]) -> tuple[str, str] | None:
    """(document key, BSON type) of the first sort key when it is an optional scalar field."""
    if not a.sort or a.kind != "find" or a.projection:
        return None
    name = keys.get(a.sort[0][0])
    f = e.field(name) if name else None
    if f is None or not f.optional or f.scalar is None or f.kind.value != "scalar":
        return None
    return a.sort[0][0], _BSON_TYPE.get(f.scalar.kind, "string")


def split(a: DocumentAccess, key: str, bson: str) -> tuple[DocumentAccess, DocumentAccess]:
    """(the documents whose `key` is set, those where it is null): two reads of `a`'s index."""
    set_ = a.model_copy(update={"kind": "aggregate", "filter": (*a.filter, Cond(path=key, op="type", value=bson)),
                                "follow_ups": (), "why": f"the documents whose `{key}` is set, by {_keys(a.sort)}"})
    nulls = a.model_copy(update={"kind": "aggregate", "filter": (*a.filter, Cond(path=key, op="null")),
                                 "sort": a.sort[1:], "follow_ups": (),
                                 "why": f"the documents whose `{key}` is null, by {_keys(a.sort[1:])}"})
    return set_, nulls


def ranked(a: DocumentAccess, first: DocumentAccess, second: DocumentAccess, key: str, suffix: str) -> DocumentAccess:
    """`first`, and `second` by `$unionWith`, then the rank, `a`'s sort and its page (see the module)."""
    second = second.model_copy(update={"pattern": f"{a.pattern}.{suffix}", "index": a.index})
    return first.model_copy(update={"pattern": a.pattern, "branches": (second,), "post_sort": a.sort,
                                    "post_limit": a.limit, "null_rank": key, "follow_ups": a.follow_ups})


def nulls_last(ctx: Ctx, e: Entity, a: DocumentAccess, keys: dict[str, str]) -> DocumentAccess:
    """`a` in PostgreSQL's null order when its first sort key is optional (see the module), else `a`;
    `keys`: document key -> IR field name of `e`."""
    found = optional_key(e, a, keys)
    if found is None:
        return a
    key, bson = found
    direction = a.sort[0][1]
    set_, nulls = split(a, key, bson)
    first, second = (set_, nulls) if direction == 1 else (nulls, set_)
    set_text = f"those with `{key}` set (`$type: \"{bson}\"`) by {_keys(a.sort)}"
    null_text = f"those where it is null (`{key}: null`, an equality on the key) by {_keys(a.sort[1:])}"
    parts = (set_text, null_text) if direction == 1 else (null_text.replace("it is", f"`{key}` is"),
                                                          set_text.replace(f"`{key}` set", "it set"))
    bound = f"at most {2 * a.limit}" if a.limit is not None else "every matching"
    why = (f"{key} may be null: PostgreSQL puts nulls {'last' if direction == 1 else 'first'}, MongoDB "
           f"{'first' if direction == 1 else 'last'}; two reads of the same index keep PostgreSQL's order: "
           f"{parts[0]}, and by `$unionWith` {parts[1]}, each cut to the page; then a rank (1 where `{key}` is "
           f"null) sorted {'ascending' if direction == 1 else 'descending'} before the sort keys orders the "
           f"{bound} documents in memory, since `$unionWith` does not promise its output order, and the page is "
           "cut (MDB-I01, MDB-I02)")
    ctx.decide("MDB-I02", Subject.of_pattern(a.pattern, e.name),
               f"`{a.pattern}`: documents with `{key}` set and those where it is null, read apart from one index",
               why, payload=NullsLast(pattern=a.pattern, field=keys[key], index_order=tuple(k for k, _ in a.sort)))
    out = ranked(a, first, second, key, "nulls" if direction == 1 else "set")
    return out.model_copy(update={"why": why})


def _keys(sort: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"`{k}` {'ascending' if d == 1 else 'descending'}" for k, d in sort) or "no further key"
