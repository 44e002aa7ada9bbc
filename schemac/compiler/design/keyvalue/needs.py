"""What each read access pattern needs from the table or a secondary index, from the shared analysis of
its predicates: equality fields (the partition), constant predicates (a sparse index), the order (the sort
key), one range (a key condition) and the rest (filters)."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.layout import Filter
from schemac.compiler.model import Const, Entity, Param, Predicate, Query


@dataclass
class Shape:
    """One pattern's predicates on one entity, sorted by what a key can do with them."""

    entity: str
    eq: tuple[str, ...] = ()  # attributes compared with a parameter (copied path attributes included)
    consts: tuple[Filter, ...] = ()  # constant predicates (a sparse index)
    order: tuple[str, ...] = ()
    descending: bool = False
    range: Filter | None = None  # the one range a sort-key condition can serve
    filters: tuple[Filter, ...] = ()
    copies: tuple[tuple[str, str, str, str], ...] = ()  # (attribute, via, entity, field) for path predicates
    params: dict[str, str] = field(default_factory=dict)  # attribute -> param name
    unserved: str | None = None


def to_filter(p: Predicate, attribute: str | None = None) -> Filter:
    value = p.value.value if isinstance(p.value, Const) else None
    param = p.value.name if isinstance(p.value, Param) else None
    param2 = p.value2.name if isinstance(p.value2, Param) else None
    op = "=" if p.op == "match" else p.op
    return Filter(field=attribute or p.steps[-1], op=op, param=param, param2=param2,
                  value=value if not isinstance(value, float) or not value.is_integer() else int(value))


def shape_of(ctx: Ctx, q: Query, e: Entity) -> Shape:
    s = Shape(entity=e.name)
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    eq: list[str] = []
    ranges: list[Filter] = []
    for p in q.where:
        if p.op == "match":
            s.unserved = (f"full-text match on {e.name}.{p.steps[-1]}: DynamoDB has no text index "
                          f"(stream the items to OpenSearch and search there)")
            continue
        attr = p.steps[0] if len(p.steps) == 1 else _copy(s, e, p)
        if p.bucket is not None:
            ranges.append(to_filter(p, f"{attr}|{p.bucket}"))
        elif p.op == "=" and isinstance(p.value, Param):
            eq.append(attr)
            s.params[attr] = p.value.name
        elif p.is_constant and p.op in ("=", "is_null", "is_not_null"):
            s.consts += (to_filter(p, attr),)
        elif p.op in ("<", "<=", ">", ">=", "between"):
            ranges.append(to_filter(p, attr))
        else:
            s.filters += (to_filter(p, attr),)
    s.eq = tuple(f for f in eq if f != tenant)
    s.order = tuple(k.steps[0] if len(k.steps) == 1 else "_".join(k.steps) for k in q.order if k.entities)
    s.descending = bool(q.order and q.order[0].descending)
    first = s.order[0] if s.order else (ranges[0].field if ranges else None)
    usable = [r for r in ranges if r.field == first]
    s.range = usable[0] if usable else None
    s.filters += tuple(r for r in ranges if r is not s.range)
    if not s.order and s.range is not None:
        s.order = (s.range.field,)
    return s


def _copy(s: Shape, e: Entity, p: Predicate) -> str:
    via, field_name = p.steps[0], p.steps[-1]
    attr = f"{via}_{field_name}"
    target = p.entities[-1] if p.entities else ""
    s.copies += ((attr, via, target, field_name),)
    return attr


def tag_of(q: Query) -> str:
    """The sort-key prefix of a union pattern's index entries: its own name, so no other pattern's items
    share it."""
    return type_name(q.name)
