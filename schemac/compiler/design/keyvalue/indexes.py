"""Secondary indexes: made only for the patterns the table's keys cannot serve (DDB-I01), overloaded across
entities (DDB-I02: `GSI1PK`/`GSI1SK` carry each entity's own templates), sparse for constant predicates
(DDB-I03). A `from A | B` pattern puts every listed entity in one index partition, with one sort-key tag.

An entity's index needs are numbered per entity; an index is one slot number shared by every entity, so
the table has as many GSIs as the entity that needs the most (plus aggregate items), not one per pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.design.keyvalue.layout import Filter, KeyTemplate
from schemac.compiler.design.keyvalue.placement import tenant_prefix
from schemac.compiler.model import Entity, FieldKind


@dataclass
class IndexNeed:
    """One key an entity's items carry in some GSI: identified by what it sorts and partitions by."""

    entity: str
    eq: tuple[str, ...]
    consts: tuple[Filter, ...]
    order: tuple[str, ...]
    tag: str
    serves: list[str] = field(default_factory=list)
    slot: int = 0
    shards: int = 1  # write sharding (sharding.py): the partition key ends `#<shard>`
    local: str | None = None  # an LSI: the table's partition template it shares (strong reads, DDB-I01)
    union: tuple[str, ...] = ()  # the entities sharing this need's slot (a `from A | B` pattern)

    @property
    def ident(self) -> tuple[object, ...]:
        return (self.entity, self.eq, self.consts, self.order, self.tag)

    @property
    def index(self) -> str:
        return f"{'LSI' if self.local else 'GSI'}{self.slot}"

    @property
    def partition_attr(self) -> str:
        return "PK" if self.local else f"{self.index}PK"


@dataclass
class Indexes:
    needs: list[IndexNeed] = field(default_factory=list)

    def need(self, entity: str, eq: tuple[str, ...], consts: tuple[Filter, ...], order: tuple[str, ...],
             tag: str, pattern: str, union: tuple[str, ...] = (), local: str | None = None) -> IndexNeed:
        fresh = IndexNeed(entity, eq, consts, order, tag, union=union, local=local)
        for n in self.needs:
            if n.ident == fresh.ident:
                if pattern not in n.serves:
                    n.serves.append(pattern)
                return n
        fresh.serves.append(pattern)
        self.needs.append(fresh)
        return fresh

    def reusable(self, entity: str, eq: tuple[str, ...], consts: tuple[Filter, ...]) -> IndexNeed | None:
        """An existing need whose partition is a subset of these predicates (a low-rate pattern filters
        the rest instead of adding an index)."""
        for n in self.needs:
            subset = set(n.eq) <= set(eq) and set(n.consts) <= set(consts)
            if n.entity == entity and subset and not n.union and not n.local:
                return n
        return None

    def allocate(self) -> int:
        """Number the needs: union needs first (one slot free in every listed entity), then the rest."""
        used: dict[tuple[bool, str], set[int]] = {}
        for n in sorted(self.needs, key=lambda n: (not n.union,)):
            if n.slot:
                continue
            group = [m for m in self.needs if n.union and m.union == n.union and m.serves == n.serves] or [n]
            slot = 1
            while any(slot in used.get((bool(m.local), m.entity), set()) for m in group):
                slot += 1
            for m in group:
                m.slot = slot
                used.setdefault((bool(m.local), m.entity), set()).add(slot)
        return max((n.slot for n in self.needs if not n.local), default=0)

    def locals(self) -> int:
        return max((n.slot for n in self.needs if n.local), default=0)


def segment(e: Entity, name: str) -> str:
    f = e.field(name)
    if f is not None and f.kind is FieldKind.REFERENCE and f.target is not None:
        return f"{type_name(f.target)}#<{name}>"
    return f"{type_name(e.name)}#{name.upper()}#<{name}>"


def const_text(c: Filter) -> str:
    value = "null" if c.op == "is_null" else "set" if c.op == "is_not_null" else str(c.value).lower()
    return f"{c.field.upper()}#{value}"


def index_template(ctx: Ctx, e: Entity, n: IndexNeed) -> KeyTemplate:
    prefix = tenant_prefix(ctx, e)
    if n.local:
        partition = n.local
    elif n.eq:
        partition = prefix + "#".join(segment(e, f) for f in n.eq)
    elif n.consts:
        partition = prefix + "#".join([type_name(e.name), *(const_text(c) for c in n.consts)])
    else:
        partition = prefix + type_name(e.name)
    if n.shards > 1:
        partition += "#<shard>"
    sort_holes = [*n.order, *([] if "id" in n.order else ["id"])]
    sort = "#".join([n.tag, *(f"<{h}>" for h in sort_holes)])
    live = (Filter(field="deleted_at", op="is_null"),) if e.soft_delete else ()
    return KeyTemplate(index=n.index, partition=partition, sort=sort, sparse=n.consts + live)
