"""`from A | B | C`: one statement, a UNION ALL of one branch per entity under one order and limit.

Each branch is the entity's own statement (tenant, soft-delete filter, its own index: the design plans one
PatternPlan per branch), tags its rows with the entity's name (an `entity` column), and, with `order` and
`limit`, reads at most `limit` rows in the index order (`ORDER BY ... LIMIT n` inside parentheses: each
branch stops early). The union is then ordered again by the same keys, the id and the entity (ids of
different tables may be equal), and cut to `limit`.

Keyset pagination: `<Name>Next` takes the last row's sort values, id and entity. Each branch reads from the
cursor inclusive (`<=`: the index range stays one range) and one row more than the limit, since it may
return the cursor row itself; the union drops everything up to and including the cursor
(`(keys, id, entity) < cursor`), so no row is skipped when rows of two entities tie on (keys, id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql.paging import NEXT, Key, expanded, is_keyset
from schemac.backends.sql.statements import NamedStatement, compile_statement, statement_name
from schemac.compiler.model import FieldKind, Query, SelectItem

if TYPE_CHECKING:
    from schemac.backends.sql.queries import ReadQuery

ENTITY = "entity"  # the column naming each row's entity
FEED = "feed"  # the union's alias


def union_statements(rq: ReadQuery) -> list[NamedStatement]:
    q = rq.q
    select = q.select or _common_select(rq)
    paged = is_keyset(q)
    branches = [_branch(rq, q, entity, select, paged) for entity in q.sources]
    name = statement_name(q.name)
    notes = _summary(rq, branches)
    first = _outer(rq, branches[0], [b.first for b in branches], paged, after=False)
    out = [compile_statement(rq.d, first, rq.params, name, ":many", [*notes, *_first_note(paged, name)])]
    if paged:
        after = [b.first.where(b.keyset.after) for b in branches]  # type: ignore[union-attr]
        nxt = _outer(rq, branches[0], after, paged, after=True)
        cursor = ", ".join(f"after_{c}" for c in _order_names(rq, branches[0]))
        note = (f"keyset pagination, the page after the last row of {name}: pass that row's sort values, id and "
                f"entity as {cursor}, after_{ENTITY}")
        out.append(compile_statement(rq.d, nxt, rq.params, name + NEXT, ":many", [*notes, note]))
    return out


def _first_note(paged: bool, name: str) -> list[str]:
    return [f"keyset pagination: the first page; {name}{NEXT} reads the pages after it"] if paged else []


def _common_select(rq: ReadQuery) -> tuple[SelectItem, ...]:
    """Without `select`: the stored fields every listed entity has (same name, same kind and type)."""
    entities = [rq.ctx.model.entity(e) for e in rq.q.sources]
    first, rest = entities[0], entities[1:]
    items = []
    for f in first.stored_fields:
        if f.name == "deleted_at" or f.kind not in (FieldKind.SCALAR, FieldKind.REFERENCE):
            continue
        others = [e.field(f.name) for e in rest]
        if all(o is not None and o.kind is f.kind and o.scalar == f.scalar and o.target == f.target
               for o in others):
            items.append(SelectItem(steps=(f.name,), entities=(first.name,), alias=f.name, span=f.span))
    return tuple(items)


def _branch(rq: ReadQuery, q: Query, entity: str, select: tuple[SelectItem, ...], paged: bool) -> Any:
    from schemac.backends.sql.queries import ReadQuery as Branch

    items = tuple(s.model_copy(update={"entities": (entity,) * len(s.entities)}) for s in select)
    bq = q.model_copy(update={"entity": entity, "sources": (entity,), "select": items})
    branch = Branch(rq.ctx, rq.layout, bq, rq.index_names)
    branch.params = rq.params
    branch.plan = _branch_plan(rq, entity)
    tag = sa.literal_column(f"'{entity}'", sa.String(len(entity))).label(ENTITY)
    branch.first = branch.statement(inclusive=paged).add_columns(tag)  # type: ignore[attr-defined]
    return branch


def _branch_plan(rq: ReadQuery, entity: str) -> Any:
    plan = rq.ctx.design.relational.pattern(rq.q.name)
    if plan is None:
        return None
    return next((b for b in plan.branches if b.entity == entity), plan)


def _order_names(rq: ReadQuery, branch: Any) -> list[str]:
    return [k.name[len("after_"):] for k in branch.keyset.keys] if branch.keyset else []


def _outer(rq: ReadQuery, branch: Any, selects: list[Any], paged: bool, *, after: bool) -> Any:
    limit = rq.q.limit
    if paged and after:  # each branch may return the cursor row itself: one row more
        selects = [s.limit(sa.literal_column(str((limit or 0) + 1))) for s in selects]
    feed = sa.union_all(*selects).subquery(FEED)
    stmt = sa.select(*feed.c)
    keys = _outer_keys(rq, feed, branch)
    if after and keys:
        stmt = stmt.where(expanded(rq, keys))
    if keys:
        stmt = stmt.order_by(*(k.column.desc() if k.descending else k.column for k in keys))
    elif rq.q.order:
        stmt = stmt.order_by(*(_outer_order(feed, rq, k) for k in rq.q.order))
    if limit:
        stmt = stmt.limit(sa.literal_column(str(limit)))
    return stmt


def _outer_order(feed: Any, rq: ReadQuery, key: Any) -> ColumnElement[Any]:
    column = feed.c[key.field] if key.field in feed.c else sa.literal_column(rq.d.quote(key.field))
    return column.desc() if key.descending else column


def _outer_keys(rq: ReadQuery, feed: Any, branch: Any) -> list[Key]:
    """The union's order: the branches' keyset keys by their output names, then the entity."""
    if branch.keyset is None:
        return []
    keys: list[Key] = []
    for k in branch.keyset.keys:
        column = k.name[len("after_"):]
        keys.append(Key(feed.c[column], k.descending, k.nullable, k.param, k.name))
    last = keys[-1].descending
    param = rq.params.get(f"after_{ENTITY}", sa.String(max(len(e) for e in rq.q.sources)))
    keys.append(Key(feed.c[ENTITY], last, False, param, f"after_{ENTITY}"))
    return keys


def _summary(rq: ReadQuery, branches: list[Any]) -> list[str]:
    """The first branch as any query's note (`...; index X`: the pattern's plan), then the union."""
    served = [_served(rq, b) for b in branches]
    limit = f", each branch stops after {rq.q.limit} rows" if rq.q.limit else ""
    rest = ", ".join(f"{b.q.entity} ({s})" for b, s in zip(branches[1:], served[1:], strict=True))
    return [branches[0]._summary(),
            f"UNION ALL with {rest}; each row tagged with its {ENTITY}{limit}"]


def _served(rq: ReadQuery, branch: Any) -> str:
    index = branch.plan.index if branch.plan is not None else None
    if index is not None and index in rq.index_names:
        return f"index {rq.index_names[index]}"
    return "primary key" if branch.plan is not None and branch.plan.by_primary_key else "no index"
