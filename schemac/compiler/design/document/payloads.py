"""Typed payloads of the document planner's decisions (what code reads; `choice` and `why` are prose)."""

from __future__ import annotations

from typing import Literal, NamedTuple


class Placed(NamedTuple):
    """Where an entity's documents live: its own collection, embedded (MDB-E02), a subset (MDB-P02), or
    referenced from the child because its array would not be bounded (MDB-E04)."""

    mode: Literal["collection", "embed", "subset", "reference"]
    parent: str | None = None
    path: str | None = None
    per_parent: float = 0.0
    bound: float = 0.0
    worst_bytes: float = 0.0
    kind: Literal["placed"] = "placed"


class Copied(NamedTuple):
    """An extended reference (MDB-P01), a computed value (MDB-P03), or a reference left uncopied (MDB-E07)."""

    mode: Literal["extended_reference", "computed", "reference"]
    source: str | None = None
    fields: tuple[str, ...] = ()
    fan_out: float = 0.0
    kind: Literal["copied"] = "copied"


class RelationStorage(NamedTuple):
    mode: Literal["id_array", "link_collection"]
    path: str
    per_owner: float
    kind: Literal["many_to_many"] = "many_to_many"


class DocIndex(NamedTuple):
    """An index created on a collection (MDB-I01..I08), or one dropped as a prefix of another (MDB-I03)."""

    action: Literal["create", "merged"]
    collection: str
    name: str
    keys: tuple[tuple[str, object], ...] = ()
    unique: bool = False
    partial: bool = False
    covered_by: str | None = None
    kind: Literal["doc_index"] = "doc_index"


class Validation(NamedTuple):
    collection: str
    level: Literal["strict", "moderate", "off"]
    action: Literal["error", "warn"]
    kind: Literal["validation"] = "validation"


class ShardProposal(NamedTuple):
    collection: str
    keys: tuple[tuple[str, object], ...]
    documents: float
    bytes: float
    chunks: float
    kind: Literal["shard_proposal"] = "shard_proposal"


class DocumentSize(NamedTuple):
    collection: str
    average_bytes: float
    worst_bytes: float
    kind: Literal["document_size"] = "document_size"


class Computed(NamedTuple):
    """A bucketed aggregate kept as aggregate documents (MDB-P03, MDB-P04)."""

    collection: str
    source: str
    documents: float
    kind: Literal["computed"] = "computed"


class NullsLast(NamedTuple):
    """A read sorted on an optional field, in PostgreSQL's order (nulls after every value ascending): the
    documents with the field set, then (same index) those where it is null (MDB-I01, MDB-I02)."""

    pattern: str
    field: str
    index_order: tuple[str, ...]
    kind: Literal["nulls_last"] = "nulls_last"
