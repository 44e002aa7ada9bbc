"""The document layout (MongoDB): collections, what is embedded or copied, validators and indexes.

Typed shapes only: the document planner (issue 13) fills them, the MongoDB backend reads them. Paths are
dotted document paths (`items.product`); every choice is also a recorded decision with a rule id.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Embedding(_Node):
    """An entity stored inside another entity's documents."""

    entity: str  # the embedded entity
    path: str  # where in the parent document
    mode: Literal["embed", "subset", "extended_reference", "computed"]
    many: bool = True  # an array of children, or one sub-document
    limit: int | None = None  # subset: the N newest children kept in the parent
    fields: tuple[str, ...] = ()  # extended reference: the copied fields
    max_items: float | None = None  # bound on the array at the horizon (children per parent)


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
    partial_filter: dict[str, object] | None = None  # partialFilterExpression
    ttl_seconds: int | None = None  # expireAfterSeconds (@expires)
    serves: tuple[str, ...] = ()  # access patterns it serves


class ShardKey(_Node):
    keys: tuple[tuple[str, Literal[1, "hashed"]], ...]
    why: str = ""


class Collection(_Node):
    name: str
    entities: tuple[str, ...]  # more than one: a type field tells them apart
    type_field: str | None = None
    embedded: tuple[Embedding, ...] = ()
    validator: Validator | None = None
    indexes: tuple[DocumentIndex, ...] = ()
    shard_key: ShardKey | None = None
    history: str | None = None  # @versioned: the history collection
    document_bytes_at_horizon: float | None = None


class DocumentLayout(_Node):
    family: Literal["document"] = "document"
    collections: tuple[Collection, ...] = ()
