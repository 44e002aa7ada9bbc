"""Where each field is used by the model's access patterns and maintained aggregates.

Several rules ask the same questions ("is this field ever filtered?", "is this id a parameter?"): one pass
over queries, writes and aggregates records every mention of (entity, field) with how it is used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from schemac.compiler.model import Entity, Include, Model, OrderKey, Param, Predicate, Query
from schemac.diagnostics import Span

How = Literal["where", "path", "order", "group", "select", "include", "by", "aggregate"]


@dataclass(frozen=True)
class Mention:
    entity: str
    field: str
    how: How
    pattern: str  # query or write name; `Entity.field` for a maintained aggregate
    span: Span
    op: str | None = None  # the predicate operator, for `where`
    param: bool = False  # compared with a parameter (`= ?`)

    @property
    def is_lookup(self) -> bool:
        """`field = ?`, `field in ?` or a write's `by (field)`: the caller supplies a value to match."""
        return self.how == "by" or (self.how == "where" and self.op in ("=", "in") and self.param)


class Usage:
    def __init__(self, model: Model) -> None:
        self.mentions: dict[tuple[str, str], list[Mention]] = defaultdict(list)
        self._entities = {e.name: e for e in model.entities}
        for q in model.queries:
            self._query(q)
            for other in q.sources[1:]:  # `from A | B`: B's fields of the same names are used alike
                self._query(_as_branch(q, other, self._entities))
        for w in model.writes:
            for name in w.by:
                self._add(Mention(w.entity, name, "by", w.name, w.span, param=True))
        for e in model.entities:
            for f in e.fields:
                agg = f.default.aggregate if f.default is not None else None
                if agg is None:
                    continue
                label = f"{e.name}.{f.name}"
                self._add(Mention(agg.child, agg.via, "aggregate", label, agg.span))
                if agg.field:
                    self._add(Mention(agg.child, agg.field, "aggregate", label, agg.span))
                for p in agg.where:
                    self._predicate(p, label, "aggregate")

    def of(self, entity: str, field: str) -> list[Mention]:
        return self.mentions.get((entity, field), [])

    def _add(self, m: Mention) -> None:
        self.mentions[(m.entity, m.field)].append(m)

    def _query(self, q: Query) -> None:
        for p in q.where:
            self._predicate(p, q.name, "where")
        for k in q.order:
            self._key(k, q.name, "order")
        for k in q.group:
            self._key(k, q.name, "group")
        for s in q.select:
            if s.relation and s.via:
                self._add(Mention(s.relation, s.via, "aggregate", q.name, s.span))
            for i, (step, entity) in enumerate(zip(s.steps, s.entities, strict=False)):
                how: How = "path" if i < len(s.steps) - 1 else "select"
                self._add(Mention(entity, step, how, q.name, s.span))
        for inc in q.include:
            self._include(q.entity, inc, q.name)

    def _predicate(self, p: Predicate, pattern: str, how: How) -> None:
        last = len(p.steps) - 1
        for i, (step, entity) in enumerate(zip(p.steps, p.entities, strict=False)):
            if i < last:
                self._add(Mention(entity, step, "path", pattern, p.span))
            else:
                self._add(Mention(entity, step, how, pattern, p.span, op=p.op,
                                  param=isinstance(p.value, Param) or isinstance(p.value2, Param)))

    def _key(self, k: OrderKey, pattern: str, how: How) -> None:
        last = len(k.entities) - 1
        for i, (step, entity) in enumerate(zip(k.steps, k.entities, strict=False)):
            self._add(Mention(entity, step, "path" if i < last else how, pattern, k.span))

    def _include(self, root: str, inc: Include, pattern: str) -> None:
        owner = inc.entity if inc.kind == "to_many" else root
        self._add(Mention(owner, inc.via, "include", pattern, inc.span))
        for name in inc.fields:
            self._add(Mention(inc.entity, name, "select", pattern, inc.span))
        for k in inc.order:
            self._key(k, pattern, "order")
        for nested in inc.nested:
            self._include(inc.entity, nested, pattern)


def _as_branch(q: Query, entity: str, entities: dict[str, Entity]) -> Query:
    """A union query seen from another listed entity: each path's entities re-walked from `entity`."""

    def walk(steps: tuple[str, ...], first: tuple[str, ...]) -> tuple[str, ...]:
        if not first:
            return first  # a select alias
        out = [entity]
        for step in steps[:-1]:
            e = entities.get(out[-1])
            f = e.field(step) if e is not None else None
            out.append(f.target if f is not None and f.target else out[-1])
        return tuple(out)

    return q.model_copy(update={
        "entity": entity, "include": (),
        "where": tuple(p.model_copy(update={"entities": walk(p.steps, p.entities)}) for p in q.where),
        "order": tuple(k.model_copy(update={"entities": walk(k.steps, k.entities)}) for k in q.order),
        "group": tuple(k.model_copy(update={"entities": walk(k.steps, k.entities)}) for k in q.group),
        "select": tuple(s.model_copy(update={"entities": walk(s.steps, s.entities)}) if not s.relation else s
                        for s in q.select)})
