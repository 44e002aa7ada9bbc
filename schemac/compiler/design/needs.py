"""What access patterns and foreign keys need from indexes, and the index candidates that meet them.

A `Want` is one pattern's need on one entity, as ordered key segments: equality columns (a set: any order
serves), group columns and aggregated columns (sets), sort columns (a sequence, direction-sensitive, may be
scanned backwards) and one range column (REL-I01/REL-I02). An `FkNeed` is a foreign key's need for an index
led by its columns (REL-I08). A `Candidate` is a mutable index under construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from schemac.compiler.design.context import pred_key
from schemac.compiler.model import KeyPart, Predicate
from schemac.diagnostics import Span

Role = Literal["root", "path", "subquery", "include", "write"]
_S = TypeVar("_S")
_T = TypeVar("_T")


class memo_property(Generic[_S, _T]):
    """`functools.cached_property` without its lock: Python 3.11 takes an RLock on each first read (3.12 drops
    it), and the planner makes tens of thousands of wants and segments. The value goes to the instance's
    `__dict__` (past a frozen dataclass's `__setattr__`), where every later read finds it first."""

    def __init__(self, fn: Callable[[_S], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> memo_property[_S, _T]: ...
    @overload
    def __get__(self, obj: _S, owner: type | None = None) -> _T: ...
    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(frozen=True)
class Segment:
    kind: Literal["set", "seq"]
    parts: tuple[KeyPart, ...]

    @memo_property
    def fields(self) -> tuple[str, ...]:
        return tuple([p.field for p in self.parts])

    @memo_property
    def field_set(self) -> frozenset[str]:
        return frozenset(self.fields)


@dataclass(frozen=True)
class Want:
    source: str  # the query or write
    kind: Literal["query", "write"]
    role: Role
    entity: str
    segments: tuple[Segment, ...]
    eq: tuple[str, ...] = ()  # equality columns, tenant first (constants included on non-partial targets)
    sort: tuple[KeyPart, ...] = ()
    range: str | None = None
    group: tuple[str, ...] = ()
    where: tuple[Predicate, ...] = ()  # partial-index predicate (constant predicates)
    live: bool = False  # reads live rows only (soft delete)
    method: Literal["btree", "fulltext"] = "btree"
    low_rate: bool = False  # below LOW_RATE_PER_S or batch: may reuse an index that bounds the scan
    batch: bool = False  # judged on throughput: any bounded scan will do
    rate: float | None = None
    limit: int | None = None
    select: tuple[str, ...] = ()  # local columns read (INCLUDE candidates); () = all columns
    filters: tuple[str, ...] = ()  # predicates evaluated on fetched rows, as text
    counts: bool = False  # counts the matched rows: served from the index alone only if it holds liveness
    span: Span | None = None

    # Derived from frozen fields: computed once per Want (`dataclasses.replace` builds a new one).
    @memo_property
    def parts(self) -> tuple[KeyPart, ...]:
        return tuple(p for s in self.segments for p in s.parts)

    @memo_property
    def where_keys(self) -> frozenset[tuple[object, ...]]:
        return frozenset(pred_key(p) for p in self.where)

    @memo_property
    def eq_fields(self) -> frozenset[str]:
        return self.segments[0].field_set if self.segments and self.segments[0].kind == "set" else frozenset()


def grouped_range(range_: str | None, group: tuple[str, ...], extras: tuple[str, ...],
                  sort: tuple[KeyPart, ...]) -> bool:
    """A grouped read with a range and no index-ordered sort: equality, then the range (which bounds the
    scan), then the group and aggregated columns as trailing key parts (read from the index, grouped in
    memory). With the range last, the scan would cover every row of the equality prefix (REL-I01, REL-I02:
    no LIMIT on the rows, so E, R and let the planner group)."""
    return range_ is not None and bool(group or extras) and not sort


@dataclass(frozen=True)
class FkNeed:
    entity: str
    field: str
    columns: tuple[str, ...]
    target: str
    parent_soft: bool  # the parent is retired by soft delete: FK checks only run when purging
    span: Span | None = None


Need = Want | FkNeed

Origin = Literal["primary", "unique", "access_pattern", "foreign_key", "declared", "search"]
ORIGIN_ORDER: tuple[str, ...] = ("primary", "unique", "declared", "access_pattern", "foreign_key", "search")


@dataclass
class Candidate:
    entity: str
    parts: tuple[KeyPart, ...]
    origin: Origin
    seq: int
    unique: bool = False
    where: tuple[Predicate, ...] = ()
    live_only: bool = False
    include: tuple[str, ...] = ()
    method: Literal["btree", "fulltext"] = "btree"
    fixed: bool = False  # carries a constraint or was declared: never dropped
    counts: bool = False  # made for a count of live rows: kept partial (live rows only), never merged
    why: str = ""
    rule: str = "REL-I01"
    span: Span | None = None
    needs: list[int] = field(default_factory=list)  # needs attached (positions in the needs list)
    # the planner's ranks against needs (by position), while `live_only` and `include` stay as they were
    ranks: dict[int, tuple[int, ...] | None] = field(default_factory=dict, repr=False, compare=False)
    # `fields` and `where_keys`, cached with the tuple they derive from: recomputed if `parts` or `where` is replaced
    _fields: tuple[tuple[KeyPart, ...], tuple[str, ...]] | None = field(default=None, init=False, repr=False,
                                                                         compare=False)
    _where_keys: tuple[tuple[Predicate, ...], frozenset[tuple[object, ...]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def primary(self) -> bool:
        return self.origin == "primary"

    @property
    def fields(self) -> tuple[str, ...]:
        hit = self._fields
        if hit is None or hit[0] is not self.parts:
            hit = self._fields = (self.parts, tuple([p.field for p in self.parts]))
        return hit[1]

    @property
    def where_keys(self) -> frozenset[tuple[object, ...]]:
        hit = self._where_keys
        if hit is None or hit[0] is not self.where:
            hit = self._where_keys = (self.where, frozenset(pred_key(p) for p in self.where))
        return hit[1]
