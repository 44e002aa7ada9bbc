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


class Filter(_Node):
    """A predicate DynamoDB evaluates after reading (DDB-A02): the items read still cost capacity."""

    field: str  # the IR field (attribute) it tests
    op: Literal["=", "!=", "<", "<=", ">", ">=", "in", "between", "is_null", "is_not_null"]
    param: str | None = None  # a `?` parameter
    param2: str | None = None  # between's upper bound
    value: str | int | float | bool | None = None  # a constant


class KeyTemplate(_Node):
    """How one entity's items fill a key schema (the table's or an index's). Holes are `<field>` (the item's
    IR field, encoded for keys) or `<field|week>` (its time bucket); `sparse`: the attributes exist only
    while every one of these holds (a sparse index, DDB-I03)."""

    index: str | None = None  # None: the table's own key
    partition: str  # template: `ORGANIZATION#<organization>#USER#<id>`
    sort: str | None = None
    sparse: tuple[Filter, ...] = ()

    def attributes(self) -> list[tuple[str, str]]:
        """(key attribute, template) pairs the item carries for this key; an LSI shares the table's PK."""
        if self.index is None:
            return [("PK", self.partition), *([("SK", self.sort)] if self.sort is not None else [])]
        head = [] if self.index.startswith("LSI") else [(f"{self.index}PK", self.partition)]
        return [*head, *([(f"{self.index}SK", self.sort)] if self.sort is not None else [])]


class Copy(_Node):
    """An attribute copied from a referenced item (a path predicate or a hot include, DDB-R02)."""

    attribute: str  # `customer_email`
    via: str  # the reference field on this entity: `customer`
    entity: str  # the referenced entity
    field: str  # its field copied


class EntityItems(_Node):
    entity: str
    keys: tuple[KeyTemplate, ...]  # the table's key first, then one per secondary index it appears in
    type_value: str  # the item's type attribute value
    placement: Literal["home", "collection", "unique_key"] = "home"
    parent: str | None = None  # collection: the entity whose item collection holds it
    attributes: tuple[tuple[str, str], ...] = ()  # IR field -> attribute name
    copies: tuple[Copy, ...] = ()
    shards: int = 1  # write sharding: the partition key gets a `#<0..shards-1>` suffix
    item_bytes: float = 0.0
    versioned: bool = False  # @versioned: SK ends `#v0` (current); `#v<n>` items keep each past version


class UniqueGuard(_Node):
    """`unique` on DynamoDB: a guard item written in the same transaction, with a condition (DDB-U01)."""

    entity: str
    fields: tuple[str, ...]
    keys: KeyTemplate  # `UNIQUE#<entity>#<field>#<value>`, holes over the entity's fields


class AggregateItem(_Node):
    """A maintained counter or bucketed aggregate (DDB-A06): an attribute of the parent's item, or an item
    of its own per group, updated (ADD) in the child's write. Holes are the child's fields."""

    name: str  # the attribute (parent counter) or the query it serves
    child: str  # the entity whose writes maintain it
    keys: tuple[KeyTemplate, ...]  # table key first, then index keys (a sorted leaderboard)
    values: tuple[tuple[str, str, str | None], ...]  # (attribute, func count|sum|max, child field)
    where: tuple[Filter, ...] = ()  # only children satisfying these count
    group: tuple[str, ...] = ()  # group fields (`created_at|week`)
    parent: str | None = None  # a counter on the parent's item: the parent entity
    conditional: bool = False  # max: a conditional UpdateItem outside the transaction


class EdgeList(_Node):
    """A many-to-many field as an adjacency list (DDB-R06): one edge item per pair in the owner's
    item collection. Holes: the tenant, `<owner>` (the owner's id) and `<target>` (the target's id)."""

    owner: str
    field: str
    target: str
    keys: KeyTemplate
    type_value: str
    reverse: KeyTemplate | None = None  # the inverted key (target partition, owner sort) in an overloaded GSI


class Table(_Node):
    name: str
    keys: KeySchema = KeySchema(partition_key="PK", sort_key="SK")
    ttl_attribute: str | None = None  # @expires
    type_attribute: str = "type"  # the item type; `_type` when some entity has a field named `type`
    billing: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"


# --- how each access pattern and each write runs (the backend renders these; it never re-decides) -----------

Hole = Literal["param", "item"]  # a key template's `<name>` holes: the pattern's params, or the read item's fields


class KeyCondition(_Node):
    """The key part of a GetItem (`sort_op` "="), a Query (partition, optional sort condition) or a
    BatchGetItem (one key per item of an earlier step). Templates have `<name>` holes (see `holes`)."""

    index: str | None = None  # None: the table
    partition_attr: str = "PK"
    partition: str
    sort_attr: str | None = "SK"
    sort_op: Literal["=", "begins_with", "between"] | None = None
    sort: str | None = None
    sort_high: str | None = None  # between's upper bound
    holes: Hole = "param"


class ReadStep(_Node):
    """One request of an access pattern. `after` names the step whose items give this one its keys (an
    include); `per_item`: one request per item of that step (a Query per parent), else one BatchGetItem."""

    name: str  # "" for the pattern's own request, else the include path: `LineItem`, `LineItem.product`
    operation: Literal["GetItem", "Query", "BatchGetItem"]
    entity: str
    types: tuple[str, ...]  # the item types it returns (the type attribute's values)
    key: KeyCondition
    after: str | None = None
    per_item: bool = False
    descending: bool = False
    limit: int | None = None
    consistent: bool = False
    filters: tuple[Filter, ...] = ()
    items_read: float = 1.0  # items read per request (filters included)
    items_returned: float = 1.0
    rcu: float = 0.0  # per request
    via: str | None = None  # the include's reference field (on the parent or on the child)
    fields: tuple[str, ...] = ()  # an include's selected fields (() = all)
    sorted_by: tuple[str, ...] = ()  # the fields its sort key orders items by (a Query), tie-breaker last


class ClientGroup(_Node):
    """A grouped read the client finishes: group the items read by these fields (a bounded batch read)."""

    by: tuple[str, ...]
    aggregates: tuple[tuple[str, str, str | None], ...]  # (alias, func, field or None for count)


class KeyValueAccess(_Node):
    pattern: str
    entity: str
    steps: tuple[ReadStep, ...] = ()
    shards: int = 1  # >1: the first step runs once per shard suffix and the results are merged
    aggregate: str | None = None  # served by the aggregate items of this name
    group: ClientGroup | None = None
    unserved: str | None = None  # why DynamoDB cannot serve it (a coded diagnostic says so too)
    rcu: float = 0.0  # per execution, every step
    round_trips: int = 1
    copied: tuple[str, ...] = ()  # include paths served by attributes copied into the item (DDB-R02)
    # (include, step): children returned by that step's Query of the item collection, told apart by type
    collection: tuple[tuple[str, str], ...] = ()
    # an order the keys cannot give (by an aggregate's value): the client sorts the items read, then limits
    client_order: tuple[tuple[str, bool], ...] = ()  # (attribute, descending)
    client_limit: int | None = None


class WriteStep(_Node):
    """One item operation of a write: a TransactWriteItems member (or the single request)."""

    action: Literal["Put", "Update", "Delete", "ConditionCheck"]
    role: Literal["item", "version", "guard", "counter", "aggregate", "edge"]
    entity: str
    keys: tuple[tuple[str, str], ...]  # key attribute -> template over the write's params (`<param>` holes)
    condition: Literal["not_exists", "exists", "none"] = "none"
    # Update: attributes set from params (attribute, param) and added (attribute, param or +1/-1 as text)
    sets: tuple[tuple[str, str], ...] = ()
    adds: tuple[tuple[str, str], ...] = ()
    removes: tuple[str, ...] = ()  # Update: attributes removed (erasure of personal data)
    # optimistic condition: these attributes still hold the values read first (`reads`: (attribute, param));
    # an absent attribute read as NULL is expected absent (DDB-K07 version, DDB-T04 a moved aggregate's fields)
    expects: tuple[tuple[str, str], ...] = ()
    when: tuple[Filter, ...] = ()  # applied only when the written values satisfy these (a counted child)
    aggregate: str | None = None
    # a moved aggregate (SC0476 no more): the old group's ADD and the new group's; when both apply to the same
    # item the item did not move and neither is sent
    move: Literal["old", "new"] | None = None
    wcu: float = 1.0


class CopyRefresh(_Node):
    """The items holding copies of a field the write changes, and how they are refreshed (DDB-T04): a Query
    by `key` (holes over the source write's fields: `<id>`, the tenant), then per item found an UpdateItem
    that SETs (or REMOVEs) the copies on the condition that the item still references the source."""

    entity: str  # the entity whose items hold the copies
    via: str  # its reference to the source
    attributes: tuple[tuple[str, str], ...]  # (copy attribute, source field)
    key: KeyCondition
    types: tuple[str, ...]  # the holder's type value: the partition may hold other types
    items: float  # items found per source item, at the declared volume
    remove: bool = False  # an erasure: REMOVE the copies
    transaction: bool = True  # in the write's TransactWriteItems; else batches after it (eventually consistent)


class KeyValueWrite(_Node):
    write: str  # `insert <Entity>` for the per-entity insert
    entity: str
    op: Literal["insert", "update", "upsert", "delete", "link", "erase"]
    steps: tuple[WriteStep, ...]
    transaction: bool
    params: tuple[str, ...] = ()  # IR fields given as params (tenant first); names come from the backend
    reads: tuple[str, ...] = ()  # `Entity.field` values read before the write (copies)
    wcu: float = 1.0
    refreshes: tuple[CopyRefresh, ...] = ()  # copies of the fields it changes, on the items that hold them


class KeyValueLayout(_Node):
    family: Literal["key_value"] = "key_value"
    table: Table
    indexes: tuple[SecondaryIndex, ...] = ()
    entities: tuple[EntityItems, ...] = ()
    guards: tuple[UniqueGuard, ...] = ()
    aggregates: tuple[AggregateItem, ...] = ()
    access: tuple[KeyValueAccess, ...] = ()  # one per read access pattern, in model order
    writes: tuple[KeyValueWrite, ...] = ()  # per entity insert, then every declared write
    edges: tuple[EdgeList, ...] = ()
