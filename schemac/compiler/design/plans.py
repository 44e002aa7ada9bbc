"""Family-neutral plans: how each access pattern is served and what each write costs, on any target.

Every family's planner fills these, and the comparison across targets and the report read exactly them:
the operation, the structure that serves it by name, the equality/sort/range parts, the rows or items read,
the round trips, cost units where the target has them, and for a write the extra writes it causes.
Family-specific detail (a relational index position, a DynamoDB key template) lives in the layout.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, SkipValidation


class Operation(StrEnum):
    """How a pattern reaches its rows or items."""

    PRIMARY_KEY_LOOKUP = "primary-key lookup"
    INDEX_SCAN = "index scan"
    FULL_SCAN = "full scan"  # relational only: a key-value design never scans
    FIND = "find"
    AGGREGATE = "aggregate"
    GET_ITEM = "GetItem"
    QUERY = "Query"
    BATCH_GET_ITEM = "BatchGetItem"


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cost(NamedTuple):
    """Cost units per execution, where the target has them (None: not meaningful on this target)."""

    rows_examined: float | None = None  # relational: rows the plan visits (index or heap)
    index_entries: float | None = None  # index entries read (reads) or written (writes)
    rcu: float | None = None  # DynamoDB read capacity units
    wcu: float | None = None  # DynamoDB write capacity units


class ExtraWrites(NamedTuple):
    """The writes one execution of a write causes beyond its own row or item."""

    index_entries: int = 0  # secondary index entries maintained
    triggers: int = 0  # triggers fired
    counters: int = 0  # maintained aggregates (counters, sums) updated
    copies: int = 0  # copied or embedded data kept in step


class PatternPlan(_Node):
    """How one read access pattern is served on this target."""

    query: str
    entity: str
    operation: Operation
    structure: str | None = None  # the index, key or collection that serves it, by name; None: nothing
    equality: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    range: tuple[str, ...] = ()
    expected_rows: float | None = None  # rows or items returned
    round_trips: int = 1
    cost: SkipValidation[Cost] = Cost()
    why: str = ""
    # `from A | B`: one plan per listed entity, in order, each served on its own (a UNION ALL on SQL targets)
    branches: tuple[PatternPlan, ...] = ()

    @property
    def full_scan(self) -> bool:
        """Served by no key or index: every call reads the whole entity."""
        return self.operation is Operation.FULL_SCAN


class WriteCost(NamedTuple):
    """What one call of a write costs on this target, and the same at its declared rate."""

    rate_per_s: float | None = None
    rows: int = 1  # rows or items written per call: its own, maintained parents, audit and history copies
    index_entries: int = 1  # index entries written (or removed) per call, the primary key's included
    indexes: tuple[int, ...] = ()  # the secondary structures whose entries it writes, by position in the layout
    triggers: tuple[str, ...] = ()  # what runs with it: updated_at, audit, maintained aggregates, history
    maintained: tuple[str, ...] = ()  # `Parent.field` aggregates it keeps up to date
    copies: tuple[str, ...] = ()  # copies of the row kept elsewhere (audit_log, history)
    fired: int = 0  # how many of `triggers` run as database triggers (the rest are generated writes)
    wcu: float | None = None  # DynamoDB write capacity units

    @property
    def rows_per_s(self) -> float | None:
        return None if self.rate_per_s is None else self.rows * self.rate_per_s

    @property
    def index_entries_per_s(self) -> float | None:
        return None if self.rate_per_s is None else self.index_entries * self.rate_per_s


class WritePlan(_Node):
    """One write, inserts included: how a keyed write finds its rows, what one call costs and the extra
    writes it causes."""

    write: str
    entity: str
    op: str  # insert, update, upsert, delete
    operation: Operation | None = None  # how a keyed write finds its rows; None for an insert
    structure: str | None = None
    equality: tuple[str, ...] = ()  # IR field names, tenant first: the lookup / conflict columns
    cost: SkipValidation[WriteCost] = WriteCost()
    why: str = ""
    # an update of one row: the field (version or updated_at) whose expected value it takes and checks, so
    # that it changes nothing when another writer changed the row since it was read (SC-CON-01)
    expect: str | None = None
    # a partial update/upsert: the fields it writes (the listed ones and the maintained updated_at/version)
    fields: tuple[str, ...] = ()
    # (field, "indexed" | "counted") for every written field an index or a maintained aggregate reads
    touches: tuple[tuple[str, str], ...] = ()

    @property
    def extra(self) -> ExtraWrites:
        """The writes one call causes beyond its own row or item, counted from its cost."""
        c = self.cost
        return ExtraWrites(index_entries=len(c.indexes), triggers=c.fired, counters=len(c.maintained),
                           copies=len(c.copies))
