"""The document layout (MongoDB): collections, what is embedded or copied, validators, indexes, and how every
access pattern and write is served.

Typed shapes only: the document planner fills them, the MongoDB backend renders them and never re-decides.
Paths are dotted document paths (`line_items.product.name`); every choice is also a recorded decision with a
rule id. Filters are conditions on paths with a parameter (by its PostgreSQL name) or a constant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

Scalar = str | int | float | bool | None


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Embedding(_Node):
    """An entity stored inside another entity's documents (MDB-E02 embed, MDB-P02 subset)."""

    entity: str  # the embedded entity
    parent: str  # the entity whose documents hold it
    by: str  # the embedded entity's reference field to the parent
    path: str  # where in the parent document
    mode: Literal["embed", "subset"]
    many: bool = True  # an array of children, or one sub-document
    order: tuple[tuple[str, Literal[1, -1]], ...] = ()  # subset: which children are kept (element keys)
    limit: int | None = None  # subset: the N children kept in the parent
    max_items: float | None = None  # bound on the array at the horizon (children per parent, outliers included)


class Copy(_Node):
    """Data of another entity kept in the holder's documents: an extended reference (MDB-P01) or a
    maintained value (MDB-P03 computed)."""

    holder: str  # the entity whose documents hold the copy (an embedded entity's elements included)
    path: str  # the key in the holder's document (element)
    mode: Literal["extended_reference", "computed"]
    source: str | None = None  # extended reference: the copied entity
    by: str | None = None  # extended reference: the holder's reference field
    fields: tuple[tuple[str, str], ...] = ()  # (source field, key in the copy)
    fan_out: float = 0.0  # documents rewritten when one source document changes


class Relation(_Node):
    """A many-to-many (`Name[]`): an id array on the bounded side, or a link collection (MDB-E05)."""

    owner: str
    field: str
    target: str
    mode: Literal["id_array", "link_collection"]
    path: str | None = None  # id_array: the array of target ids in the owner's documents
    collection: str | None = None  # link_collection
    max_items: float = 0.0


class Placement(_Node):
    """Where one entity's data lives and under which keys (IR field -> document key)."""

    entity: str
    collection: str | None  # its own documents; None: embedded only
    keys: tuple[tuple[str, str], ...]  # stored IR field -> key (`id` -> `_id`, `course` -> `course_id`)
    embedded: Embedding | None = None
    document_bytes: float = 0.0  # average document (or element) bytes at the horizon
    worst_bytes: float = 0.0  # worst-case document bytes (embedded arrays at their bound)

    def key(self, field: str) -> str | None:
        return dict(self.keys).get(field)


class Validator(_Node):
    """One `$jsonSchema` validator, in MongoDB's dialect (bsonType, required, enum, bounds, maxLength)."""

    json_schema: dict[str, object]
    level: Literal["strict", "moderate", "off"] = "strict"
    action: Literal["error", "warn"] = "error"


class DocumentIndex(_Node):
    """One index on one collection; keys in order (equality, sort, range), tenant first."""

    collection: str
    name: str
    keys: tuple[tuple[str, Literal[1, -1, "text", "hashed"]], ...]
    unique: bool = False
    partial_filter: dict[str, object] | None = None  # partialFilterExpression (constants only)
    ttl_seconds: int | None = None  # expireAfterSeconds (@expires)
    serves: tuple[str, ...] = ()  # access patterns and writes it serves
    multikey: bool = False  # a key goes into an embedded array


class ShardKey(_Node):
    keys: tuple[tuple[str, Literal[1, "hashed"]], ...]
    why: str = ""


class Computed(_Node):
    """An aggregate document per bucket (MDB-P03 computed, MDB-P04 bucket): kept by `$inc` in the writes of
    its source entity, read instead of grouping the source's documents."""

    collection: str
    source: str  # the entity aggregated
    keys: tuple[tuple[str, str, str | None], ...]  # (document key, source field, bucket unit or None)
    values: tuple[tuple[str, Literal["count", "sum"], str | None], ...]  # (document key, func, source field)
    where: tuple[tuple[str, Scalar], ...] = ()  # constant equality on the source's documents counted


class Collection(_Node):
    name: str
    entities: tuple[str, ...]  # more than one: a type field tells them apart
    type_field: str | None = None
    type_values: tuple[tuple[str, str], ...] = ()
    role: Literal["entity", "history", "audit", "link", "computed"] = "entity"
    embedded: tuple[Embedding, ...] = ()
    validator: Validator | None = None
    indexes: tuple[DocumentIndex, ...] = ()
    shard_key: ShardKey | None = None
    history: str | None = None  # @versioned: the history collection
    document_bytes_at_horizon: float | None = None
    documents_at_horizon: float = 0.0


class Cond(_Node):
    """One filter condition: `path op value`, the value a parameter (by name) or a constant."""

    path: str
    op: Literal["eq", "in", "lt", "lte", "gt", "gte", "ne", "null", "not_null", "live", "text", "before_end", "type"]
    param: str | None = None
    value: Scalar = None
    bucket: str | None = None  # before_end: `path` < the end of the bucket that starts at the parameter


class Stage(_Node):
    """One aggregation stage beyond $match/$sort/$limit, as typed data the backend renders."""

    kind: Literal["unwind", "element", "group", "union", "type"]
    path: str | None = None  # unwind/element: the array
    keys: tuple[tuple[str, str], ...] = ()  # group: (output key, input path); element: (key, parent path)
    buckets: tuple[tuple[str, str], ...] = ()  # group: (output key, time bucket) keys are the bucket's start
    accumulators: tuple[tuple[str, str, str | None], ...] = ()  # group: (output, func, input path or None)
    collection: str | None = None  # union: the other collection
    filter: tuple[Cond, ...] = ()  # union: its filter
    value: str | None = None  # type: the entity name put in the type key


class ResultArray(_Node):
    """A JSON-array column of the relational result (an include of many): where its elements are."""

    column: str
    path: str
    columns: tuple[tuple[str, str], ...]  # (json key path, dotted path inside the element)


class DocumentAccess(_Node):
    """How one read access pattern (or one round trip of it) is served: a find or an aggregate."""

    pattern: str
    collection: str
    kind: Literal["find", "aggregate"]
    filter: tuple[Cond, ...] = ()
    sort: tuple[tuple[str, Literal[1, -1]], ...] = ()
    limit: int | None = None
    projection: tuple[str, ...] = ()  # () = the whole document
    stages: tuple[Stage, ...] = ()  # aggregate: after the $match (sort and limit follow unless grouped)
    post_sort: tuple[tuple[str, Literal[1, -1]], ...] = ()  # aggregate: a sort after the stages
    post_limit: int | None = None  # aggregate: a limit after the stages
    # aggregate: the key whose null (or missing) documents rank past those where it is set, computed after the
    # branches and sorted on before `post_sort` in the first sort key's direction (PostgreSQL's null order)
    null_rank: str | None = None
    project: tuple[tuple[str, str], ...] = ()  # aggregate: $project (output key, input path)
    type_value: str | None = None  # union branch: the entity name put in the `entity` key
    branches: tuple[DocumentAccess, ...] = ()  # union: the other collections, each a $unionWith
    index: str | None = None
    params: tuple[tuple[str, str, bool], ...] = ()  # (name, IR type, nullable), in PostgreSQL's order
    ordered: bool = False
    result_id: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (relational column, dotted path in a result document)
    arrays: tuple[ResultArray, ...] = ()
    omitted: tuple[tuple[str, str], ...] = ()  # (column, reason)
    follow_ups: tuple[DocumentAccess, ...] = ()
    fills: str | None = None  # a follow-up: the relational column its documents fill (an include of many)
    bind: tuple[tuple[str, str], ...] = ()  # a follow-up: (its parameter, path in the first round trip's document)
    # a to-one follow-up, one request for every result document: (relational column of the first round trip's
    # row, the follow-up's result column filling it), and (path in a result document, key of the follow-up
    # document it equals); its bound parameter gathers that path's distinct values over the result documents
    fills_row: tuple[tuple[str, str], ...] = ()
    join: tuple[tuple[str, str], ...] = ()
    # keyset continuation: (key, direction, parameter) of the cursor, the documents after it in that order
    # (an `$or` beside the filter), the requests reading the page after a cursor, and when one applies
    # ((parameter, "null" | "set"): the cursor's value of that key; () = always)
    keyset: tuple[tuple[str, Literal[1, -1], str], ...] = ()
    next: tuple[DocumentAccess, ...] = ()
    when: tuple[tuple[str, Literal["null", "set"]], ...] = ()
    why: str = ""


class Step(_Node):
    """One operation of a write: what it writes where, and why."""

    collection: str
    op: Literal["insertOne", "updateOne", "updateMany", "deleteOne", "deleteMany", "replaceOne"]
    filter: tuple[Cond, ...] = ()
    document: tuple[tuple[str, str], ...] = ()  # insert: (key, parameter)
    set: tuple[tuple[str, str], ...] = ()  # $set: (path, parameter)
    set_values: tuple[tuple[str, Scalar | Decimal | tuple[()]], ...] = ()  # constants: null, 0 (Decimal: decimal), []
    inc: tuple[tuple[str, str | int], ...] = ()  # $inc: (path, parameter or constant)
    negate: tuple[str, ...] = ()  # $inc paths whose parameter is subtracted (a delete, a move out of a bucket)
    push: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # $push: (array, element (key, parameter))
    push_slice: tuple[int, tuple[tuple[str, int], ...]] | None = None  # subset: $slice and $sort
    push_values: tuple[tuple[str, Scalar | Decimal | tuple[()]], ...] = ()  # constants in the pushed element
    pull: tuple[tuple[str, tuple[Cond, ...]], ...] = ()  # $pull: (array, element conditions)
    add_to_set: tuple[tuple[str, str], ...] = ()
    array_filters: tuple[Cond, ...] = ()
    when: tuple[Cond, ...] = ()  # a counter step: only when the written document matches (and did not before)
    inserted_only: bool = False  # a counter step of an upsert: only when the upsert inserted
    upsert: bool = False
    role: Literal["own", "embedded", "subset", "copy", "counter", "bucket", "history", "audit"] = "own"
    why: str = ""


class DocumentWrite(_Node):
    write: str  # `enroll`, or `insert Enrollment`
    entity: str
    op: Literal["insert", "update", "upsert", "delete"]
    transaction: bool = False
    params: tuple[tuple[str, str, bool], ...] = ()
    steps: tuple[Step, ...] = ()


class Erasure(_Node):
    """GDPR erasure of one data subject's personal data in one collection (copies included)."""

    collection: str
    entity: str
    paths: tuple[str, ...]
    action: Literal["unset", "delete"]
    by: str = "_id"  # the key that holds the subject's id (`requester_id`; `el.author_id` for `$[el]` paths)
    why: str = ""


class DocumentLayout(_Node):
    family: Literal["document"] = "document"
    database: str = ""
    tenant: str | None = None  # the tenant key in every tenant-scoped document
    collections: tuple[Collection, ...] = ()
    placements: tuple[Placement, ...] = ()
    copies: tuple[Copy, ...] = ()
    relations: tuple[Relation, ...] = ()
    computed: tuple[Computed, ...] = ()
    access: tuple[DocumentAccess, ...] = ()  # one per read access pattern, in model order
    writes: tuple[DocumentWrite, ...] = ()  # one per declared write, then one insert per stored entity
    erasure: tuple[Erasure, ...] = ()
    audit: str | None = None  # the audit collection, written in the same transaction

    def placement(self, entity: str) -> Placement | None:
        return next((p for p in self.placements if p.entity == entity), None)

    def collection(self, name: str) -> Collection | None:
        return next((c for c in self.collections if c.name == name), None)
