"""Includes and reverse-relation aggregates of read queries.

A many-to-one include is a join whose columns come back as `<include>_<column>`: an inner join for a
required reference, a LEFT JOIN for an optional one (or one below a LEFT JOIN). Whether the joined row must
be live follows the reference's ON DELETE (the design's SC-DEL-02): a cascading or SET NULL reference hides
or blanks a soft-deleted target as a hard delete would, a restricting one reads it as history. A one-to-many or
many-to-many include is a correlated subquery that builds a JSON array (json_agg / JSON_ARRAYAGG), or,
where the design or the dialect asks for it, a second statement that reads the children of a list of
parent ids. `count(Child)` in a select list is a correlated subquery that the child's foreign-key index
answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql.statements import NamedStatement, Params, compile_statement, statement_name
from schemac.backends.sql.tables import TableInfo
from schemac.compiler.model import Entity, FieldOrigin, Include, SelectItem
from schemac.compiler.naming import plural, snake

if TYPE_CHECKING:
    from schemac.backends.sql.queries import ReadQuery
    from schemac.compiler.design.model import Design


def join_condition(design: Design, parent: Any, parent_info: TableInfo, ref: str, joined: Any,
                   target: TableInfo) -> ColumnElement[bool]:
    """The ON condition joining a reference's target; its live-row filter as the design decided (SC-DEL-02)."""
    terms = [joined.c[target.pk[0]] == parent.c[parent_info.field_columns[ref][0]]]
    terms += _same_tenant(joined, target, parent, parent_info)
    read = design.relational.reference_read(parent_info.entity.name, ref)
    if target.deleted_at and (read is None or read.live):
        terms.append(joined.c[target.deleted_at].is_(None))
    return sa.and_(*terms)


def outer_join(design: Design, parent_info: TableInfo, ref: str, *, under_outer: bool = False) -> bool:
    """A LEFT JOIN for an optional reference (or below one); a required reference is an inner join."""
    field = parent_info.entity.field(ref)
    return under_outer or field is None or field.optional


def _same_tenant(a: Any, a_info: TableInfo, b: Any, b_info: TableInfo) -> list[ColumnElement[bool]]:
    if a_info.tenant and b_info.tenant:
        return [a.c[a_info.tenant] == b.c[b_info.tenant]]
    return []


def _live(alias: Any, info: TableInfo) -> list[ColumnElement[bool]]:
    return [alias.c[info.deleted_at].is_(None)] if info.deleted_at else []


def _label(inc: Include) -> str:
    return plural(snake(inc.name)) if inc.name[:1].isupper() else inc.name


def _columns(info: TableInfo, fields: tuple[str, ...]) -> list[str]:
    if fields:
        return [c for f in fields for c in info.field_columns.get(f, ())]
    return [s.name for s in info.specs if s.name not in (info.tenant, info.deleted_at)]


def add_includes(rq: ReadQuery) -> None:
    for inc in rq.q.include:
        _include(rq, inc, rq.t, rq.root, inc.name, "")


def _strategy(rq: ReadQuery, path: str, inc: Include) -> str:
    planned = dict(rq.plan.include_strategy) if rq.plan else {}
    strategy = planned.get(path, "join" if inc.kind == "to_one" else "json_agg")
    if inc.kind == "to_one":
        return "join"
    ordered = bool(inc.order or inc.limit)
    if strategy != "second_query" and ordered and not rq.d.ordered_json_agg and "." not in path:
        statement = statement_name(rq.q.name, inc.name)
        rq.ctx.report("SC0416", inc.span, query=rq.q.name, include=inc.name, statement=statement)
        return "second_query"
    return "second_query" if strategy == "second_query" and inc.kind == "to_many" else "json_agg"


def _include(rq: ReadQuery, inc: Include, parent: Any, parent_info: TableInfo, path: str, prefix: str) -> None:
    strategy = _strategy(rq, path, inc)
    if inc.kind == "to_one":
        _join_one(rq, inc, parent, parent_info, path, prefix)
    elif strategy == "second_query":
        rq.extra.append(second_query(rq, inc))
        rq.notes.append(f"{inc.name}: read with {statement_name(rq.q.name, inc.name)}")
    else:
        rq.columns.append(children_json(rq, inc, parent, parent_info).label(prefix + _label(inc)))


def _join_one(rq: ReadQuery, inc: Include, parent: Any, parent_info: TableInfo, path: str, prefix: str) -> None:
    target = rq.layout.of(inc.entity)
    name = prefix + inc.name
    joined = target.table.alias(name)
    design = rq.ctx.design
    outer = outer_join(design, parent_info, inc.via, under_outer=prefix in rq.outer_aliases)
    if outer:
        rq.outer_aliases.add(f"{name}_")
    on = join_condition(design, parent, parent_info, inc.via, joined, target)
    rq.from_ = rq.from_.join(joined, on, isouter=outer)
    present = {getattr(c, "name", None) for c in rq.columns}
    for column in _columns(target, inc.fields):
        if f"{name}_{column}" not in present:
            rq.columns.append(joined.c[column].label(f"{name}_{column}"))
    for nested in inc.nested:
        _include(rq, nested, joined, target, f"{path}.{nested.name}", f"{name}_")


# --- one-to-many and many-to-many as JSON --------------------------------------------------------------------


def _junction(rq: ReadQuery, owner: Entity, field: str) -> Entity:
    """The junction table the relational layout stores `owner.field`'s links in."""
    rel = rq.ctx.model.relation_of(owner.name, field)
    if rel is None:
        raise KeyError(f"{owner.name}.{field}")
    return rq.ctx.model.entity(rel.name)


def _source(rq: ReadQuery, inc: Include, parent: Any, parent_info: TableInfo) -> tuple[Any, TableInfo, Any, list]:
    """(child alias, child table, FROM clause, WHERE terms) of the children of one parent row."""
    child = rq.layout.of(inc.entity)
    alias = child.table.alias(snake(inc.entity))
    parent_key = parent.c[parent_info.pk[0]]
    if inc.kind == "to_many":
        where = [alias.c[child.field_columns[inc.via][0]] == parent_key]
        where += _same_tenant(alias, child, parent, parent_info) + _live(alias, child)
        return alias, child, alias, where
    junction_entity = _junction(rq, parent_info.entity, inc.via)
    link = rq.layout.of(junction_entity.name)
    j = link.table.alias(link.name)
    owner_ref = junction_entity.owner_field
    other = next(f for f in junction_entity.references if f is not owner_ref and f.target == inc.entity
                 and f.origin is FieldOrigin.JUNCTION)
    on = join_condition(rq.ctx.design, j, link, other.name, alias, child)
    where = [j.c[link.field_columns[owner_ref.name][0]] == parent_key]  # type: ignore[union-attr]
    where += _same_tenant(j, link, parent, parent_info)
    return alias, child, j.join(alias, on), where


def children_json(rq: ReadQuery, inc: Include, parent: Any, parent_info: TableInfo) -> ColumnElement[Any]:
    alias, child, from_, where = _source(rq, inc, parent, parent_info)
    obj, from_ = _object(rq, inc, alias, child, from_)
    order = [alias.c[child.field_columns[k.field][0]] for k in inc.order]
    desc = [k.descending for k in inc.order]
    if inc.limit is not None:
        inner = sa.select(obj.label("obj"), *(c.label(f"o{i}") for i, c in enumerate(order)))
        inner = inner.select_from(from_).where(*where).correlate(parent)
        inner = inner.order_by(*_directed(order, desc)).limit(sa.literal_column(str(inc.limit))).subquery("sub")
        ordered = _directed([inner.c[f"o{i}"] for i in range(len(order))], desc)
        agg = rq.d.json_array(inner.c.obj, ordered if rq.d.ordered_json_agg else [])
        return sa.select(agg).scalar_subquery()
    agg = rq.d.json_array(obj, _directed(order, desc) if rq.d.ordered_json_agg else [])
    return sa.select(agg).select_from(from_).where(*where).correlate(parent).scalar_subquery()


def _directed(columns: list[Any], desc: list[bool]) -> list[Any]:
    return [c.desc() if d else c for c, d in zip(columns, desc, strict=True)]


def _object(rq: ReadQuery, inc: Include, alias: Any, info: TableInfo, from_: Any,
            under_outer: bool = False) -> tuple[Any, Any]:
    pairs = [(c, rq.d.json_value(alias.c[c])) for c in _columns(info, inc.fields)]
    design = rq.ctx.design
    for nested in inc.nested:
        if nested.kind == "to_one":
            target = rq.layout.of(nested.entity)
            joined = target.table.alias(f"{alias.name}_{nested.name}")
            outer = outer_join(design, info, nested.via, under_outer=under_outer)
            from_ = from_.join(joined, join_condition(design, alias, info, nested.via, joined, target), isouter=outer)
            value, from_ = _object(rq, nested, joined, target, from_, outer)
            pairs.append((nested.name, value))
        else:
            pairs.append((_label(nested), children_json(rq, nested, alias, info)))
    return rq.d.json_object(pairs), from_


# --- a second statement for the children of many parents ----------------------------------------------------


def second_query(rq: ReadQuery, inc: Include) -> NamedStatement:
    """The children of the parents the main statement returned. A bounded include (`limit n`) reads the first
    n children of one parent, run once per parent: ORDER BY ... LIMIT n stops after n entries of the child's
    foreign-key index, where ranking the children of a list of parents with a window function reads them
    all (MySQL 8 and MariaDB 10.11 share no LATERAL join and no outer reference in a derived table)."""
    child = rq.layout.of(inc.entity)
    t = child.table
    params = Params()
    via = t.c[child.field_columns[inc.via][0]]
    where = ([t.c[child.tenant] == params.tenant(child.tenant, t.c[child.tenant].type)] if child.tenant else [])
    if inc.limit is None:
        where.append(rq.d.in_list(via, params.get(f"{via.name}s", rq.d.list_param_type(via.type))))
    else:
        where.append(via == params.get(via.name, via.type))
    where += _live(t, child)
    columns, from_ = _child_columns(rq, inc, child, via)
    order = _directed([t.c[child.field_columns[k.field][0]] for k in inc.order], [k.descending for k in inc.order])
    stmt: Any = sa.select(*columns).select_from(from_).where(*where)
    if inc.limit is not None:
        # the include's own order only, as the JSON form has it: the index (fk, order keys) gives it as stored
        stmt = stmt.order_by(*order).limit(sa.literal_column(str(inc.limit)))
        note = (f"the first {inc.limit} {inc.name} rows of one of the parents that {statement_name(rq.q.name)} "
                f"returned: run once per parent (reads {inc.limit} rows through the {via.name} index)")
    else:
        stmt = stmt.order_by(via, *order)
        note = f"the {inc.name} rows of the parents that {statement_name(rq.q.name)} returned"
    return compile_statement(rq.d, stmt, params, statement_name(rq.q.name, inc.name), ":many", [note])


def _child_columns(rq: ReadQuery, inc: Include, child: TableInfo, via: Any) -> tuple[list[Any], Any]:
    """The columns a second statement returns per child (nested includes joined or as JSON), and its FROM."""
    t = child.table
    columns: list[Any] = [t.c[c] for c in dict.fromkeys([via.name, *_columns(child, inc.fields)])]
    from_: Any = t
    for nested in inc.nested:
        if nested.kind == "to_one":
            target = rq.layout.of(nested.entity)
            joined = target.table.alias(nested.name)
            on = join_condition(rq.ctx.design, t, child, nested.via, joined, target)
            from_ = from_.join(joined, on, isouter=outer_join(rq.ctx.design, child, nested.via))
            columns += [joined.c[c].label(f"{nested.name}_{c}") for c in _columns(target, nested.fields)]
        else:
            columns.append(children_json(rq, nested, t, child).label(_label(nested)))
    return columns, from_


def reverse_aggregate(rq: ReadQuery, item: SelectItem) -> ColumnElement[Any]:
    child = rq.layout.of(item.relation or "")
    alias = child.table.alias(snake(item.relation or ""))
    where = [alias.c[child.field_columns[item.via or ""][0]] == rq.t.c[rq.root.pk[0]]]
    where += _same_tenant(alias, child, rq.t, rq.root) + _live(alias, child)
    value = alias.c[child.field_columns[item.steps[-1]][0]] if item.steps else sa.literal_column("*")
    func = getattr(sa.func, item.func or "count")
    return sa.select(func(value)).select_from(alias).where(*where).correlate(rq.t).scalar_subquery().label(item.alias)
