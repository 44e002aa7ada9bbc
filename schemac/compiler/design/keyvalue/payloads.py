"""Typed payloads of the key-value planner's decisions (what code reads; the prose is for people)."""

from __future__ import annotations

from typing import Literal, NamedTuple


class Placement(NamedTuple):
    """Where an entity's items live (DDB-K01/K02/K08)."""

    placement: str  # home | collection | unique_key
    partition: str
    sort: str
    parent: str | None = None
    kind: Literal["kv_placement"] = "kv_placement"


class SecondaryIndexUse(NamedTuple):
    """An entity's items carry an index's keys for some patterns (DDB-I01/I02/I03)."""

    index: str
    partition: str
    sort: str | None
    sparse: tuple[str, ...] = ()  # the predicates that must hold for the item to be indexed
    serves: tuple[str, ...] = ()
    kind: Literal["kv_index_use"] = "kv_index_use"


class Capacity(NamedTuple):
    """Capacity units of one pattern or write (COST-*, DDB-H01) at its declared rate."""

    units: float  # RCU or WCU per execution
    per_s: float | None  # at the declared rate
    partition_per_s: float | None = None  # on the busiest partition
    limit: float = 3000.0  # the per-partition limit it is checked against
    kind: Literal["kv_capacity"] = "kv_capacity"


class Sharding(NamedTuple):
    """Write sharding of a partition (DDB-H02): `shards` suffixes `#0..shards-1`."""

    shards: int
    wcu_per_s: float
    rcu_per_s: float
    partition_bytes: float
    kind: Literal["kv_sharding"] = "kv_sharding"


class Guard(NamedTuple):
    """A unique constraint kept by guard items (DDB-U01)."""

    fields: tuple[str, ...]
    template: str
    kind: Literal["kv_guard"] = "kv_guard"


class Counter(NamedTuple):
    """An aggregate kept by ADD in the child's writes (DDB-A06): on the parent's item or its own item."""

    name: str
    child: str
    partition: str
    sort: str | None
    conditional: bool = False
    kind: Literal["kv_counter"] = "kv_counter"


class CopyChoice(NamedTuple):
    """An attribute copied from a referenced item, or a follow-up read instead (DDB-R02)."""

    attribute: str | None  # None: read by a BatchGetItem follow-up
    source: str  # `Entity.field` or the include's entity
    fan_out: float  # items to update when the source changes
    kind: Literal["kv_copy"] = "kv_copy"


class Move(NamedTuple):
    """An update moves items between an aggregate's groups in its own transaction (DDB-A06)."""

    aggregate: str
    fields: tuple[str, ...]  # the written fields that decide the group
    kind: Literal["kv_move"] = "kv_move"


class Refresh(NamedTuple):
    """A write refreshes the copies of a field it changes on the items that hold them (DDB-T04)."""

    entity: str  # the holder
    attributes: tuple[str, ...]
    index: str | None  # the index whose partition finds them (None: the table's item collection)
    items: float  # per source item, at the declared volume
    transaction: bool  # in the write's own TransactWriteItems, else batches after it
    kind: Literal["kv_refresh"] = "kv_refresh"


class Unserved(NamedTuple):
    """A pattern DynamoDB cannot serve without a Scan (DEC-07), with the workaround."""

    reason: str
    kind: Literal["kv_unserved"] = "kv_unserved"


class Limits(NamedTuple):
    """The table's counts against DynamoDB's limits (DDB-X*, DDB-T03)."""

    gsis: int
    lsis: int
    largest_item_bytes: float
    kind: Literal["kv_limits"] = "kv_limits"


class Ttl(NamedTuple):
    """The TTL attribute (DDB-T02)."""

    attribute: str | None
    entities: tuple[str, ...] = ()
    kind: Literal["kv_ttl"] = "kv_ttl"


class Adjacency(NamedTuple):
    """A many-to-many field as an adjacency list (DDB-R06)."""

    owner: str
    field: str
    target: str
    inverted: str | None = None  # the inverted index that serves the reverse side, when one is read
    kind: Literal["kv_adjacency"] = "kv_adjacency"
