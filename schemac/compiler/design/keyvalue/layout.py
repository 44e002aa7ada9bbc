"""The key-value layout (DynamoDB): one table with generic keys, key templates per entity, overloaded
secondary indexes, guard items for `unique`, aggregate items and write sharding.

Typed shapes only: the key-value planner (issue 14) fills them, the DynamoDB backend reads them. A key
template is text with `<field>` holes: `ORG#<organization>#USER#<id>`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KeySchema(_Node):
    partition_key: str  # attribute name: PK, GSI1PK...
    sort_key: str | None = None


class SecondaryIndex(_Node):
    name: str  # GSI1, LSI1...
    kind: Literal["global", "local"]
    keys: KeySchema
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    projected: tuple[str, ...] = ()  # INCLUDE projection attributes
    sparse: bool = False  # only items where the key attribute exists
    serves: tuple[str, ...] = ()  # access patterns it serves


class KeyTemplate(_Node):
    """How one entity's items fill a key schema (the table's or an index's)."""

    index: str | None = None  # None: the table's own key
    partition: str  # template: `ORG#<organization>#USER#<id>`
    sort: str | None = None


class EntityItems(_Node):
    entity: str
    keys: tuple[KeyTemplate, ...]  # the table's key first, then one per secondary index it appears in
    type_value: str  # the item's type attribute value
    attributes: tuple[tuple[str, str], ...] = ()  # IR field -> attribute name
    copied: tuple[tuple[str, str], ...] = ()  # attribute -> `Entity.field` it copies (update fan-out)
    shards: int = 1  # write sharding: the partition key gets a `#<0..shards-1>` suffix
    item_bytes_at_horizon: float | None = None


class UniqueGuard(_Node):
    """`unique` on DynamoDB: a guard item written in the same transaction, with a condition."""

    entity: str
    fields: tuple[str, ...]
    template: str  # `UNIQUE#<entity>#<field>#<value>`


class AggregateItem(_Node):
    """A maintained counter or bucketed aggregate, updated (ADD) in the write's transaction."""

    entity: str
    field: str
    keys: KeyTemplate


class Table(_Node):
    name: str
    keys: KeySchema = KeySchema(partition_key="PK", sort_key="SK")
    ttl_attribute: str | None = None  # @expires
    billing: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"


class KeyValueLayout(_Node):
    family: Literal["key_value"] = "key_value"
    table: Table
    indexes: tuple[SecondaryIndex, ...] = ()
    entities: tuple[EntityItems, ...] = ()
    guards: tuple[UniqueGuard, ...] = ()
    aggregates: tuple[AggregateItem, ...] = ()
