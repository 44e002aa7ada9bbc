"""The IR: one model for every target. Names resolved, policies expanded, nothing target-specific.

Entities, fields, references, ownership, volumes and access patterns live here; tables, columns and SQL
types exist only inside the SQL backend, collections inside MongoDB's, items inside DynamoDB's.
Every node keeps the Span of the SDL text it came from, so any later phase can point at the source.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from schemac.diagnostics import Span

_T = TypeVar("_T")

# A time bucket of a date or timestamp field (SDL 1.2 §5.2): ISO weeks (Monday first), computed in UTC; a
# bucket is named by its first instant.
Bucket = Literal["day", "week", "month", "quarter", "year"]
BUCKETS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")
_N = TypeVar("_N", "Entity", "ValueType")


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


def _memo(node: BaseModel, key: str, source: object, build: Callable[[], _T]) -> _T:
    """A value derived from `source` (one of `node`'s field values), computed once per node.

    Kept in the instance `__dict__` under a `_`-key, as `functools.cached_property` keeps its values (pydantic
    leaves such keys out of fields, dumps, equality and hashing), together with `source` itself: a copy made
    with `model_copy(update=...)` carries the memo along, and must not use it once `source` was replaced.
    """
    try:  # a subscript, not `.get`: this runs for every look-up of the IR's indexes
        hit = node.__dict__[key]
        if hit[0] is source:
            return hit[1]  # type: ignore[no-any-return]
    except KeyError:
        pass
    value = build()
    node.__dict__[key] = (source, value)
    return value


class ScalarKind(StrEnum):
    UUID = "uuid"
    STRING = "string"
    TEXT = "text"
    SMALLINT = "smallint"
    INT = "int"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"
    JSON = "json"
    BYTES = "bytes"
    EMAIL = "email"
    URL = "url"
    ENUM = "enum"


NUMERIC_KINDS = frozenset({ScalarKind.SMALLINT, ScalarKind.INT, ScalarKind.BIGINT, ScalarKind.DECIMAL,
                           ScalarKind.FLOAT})
ORDERED_KINDS = NUMERIC_KINDS | {ScalarKind.DATE, ScalarKind.TIMESTAMP}
TEXT_KINDS = frozenset({ScalarKind.STRING, ScalarKind.TEXT, ScalarKind.EMAIL, ScalarKind.URL})


class FieldKind(StrEnum):
    SCALAR = "scalar"  # one value of a ScalarKind
    LIST = "list"  # list<T> of a ScalarKind
    REFERENCE = "reference"  # many-to-one to an entity
    EMBEDDED = "embedded"  # a `type` value object
    MANY = "many"  # Name[]: many-to-many; the relation is `Model.relations`, stored as each family decides


class FieldOrigin(StrEnum):
    DECLARED = "declared"
    ID = "id"
    TENANT = "tenant"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DELETED_AT = "deleted_at"
    JUNCTION = "junction"
    VERSION = "version"


class OnDelete(StrEnum):
    CASCADE = "cascade"
    RESTRICT = "restrict"
    SET_NULL = "set_null"


class Scalar(Node):
    kind: ScalarKind
    length: int | None = None  # string(n)
    precision: int | None = None  # decimal(p, s)
    scale: int | None = None
    values: tuple[str, ...] = ()  # enum members
    is_money: bool = False


class Check(Node):
    """A check on one field (`self`: field op value; range; length) or between two fields (`compare`)."""

    kind: Literal["range", "compare", "length", "fields"]
    op: str | None = None  # = != < <= > >=
    low: float | str | None = None
    high: float | str | None = None
    value: float | str | bool | None = None
    field: str | None = None  # the field checked (None for entity-level `fields` checks)
    other: str | None = None  # the other field of a `fields` check
    span: Span


class Aggregate(Node):
    """A maintained aggregate: count/sum/min/max/avg over the children that reference this entity."""

    func: Literal["count", "sum", "min", "max", "avg"]
    child: str  # child entity
    via: str  # the child's reference field pointing at this entity
    field: str | None = None  # the child's field aggregated (None for count)
    where: tuple[Predicate, ...] = ()
    span: Span


class Default(Node):
    kind: Literal["literal", "now", "aggregate"]
    value: float | int | str | bool | None = None
    aggregate: Aggregate | None = None
    span: Span


class Field(Node):
    name: str
    kind: FieldKind
    scalar: Scalar | None = None  # SCALAR and LIST (the element type)
    target: str | None = None  # REFERENCE and MANY: entity; EMBEDDED: type name
    optional: bool = False
    default: Default | None = None
    checks: tuple[Check, ...] = ()
    owner: bool = False
    on_delete: OnDelete | None = None
    pii: bool = False
    unique: bool = False
    indexed: bool = False
    search: bool = False
    doc: str | None = None
    origin: FieldOrigin = FieldOrigin.DECLARED
    expires: bool = False  # `@expires`: the row is removed once this instant passes (a hard delete)
    span: Span

    @property
    def is_reference(self) -> bool:
        return self.kind is FieldKind.REFERENCE

    @property
    def is_stored(self) -> bool:
        """Stored on the entity itself (a many-to-many is a relation of the model, not a value of the row)."""
        return self.kind is not FieldKind.MANY

    @property
    def maintained(self) -> bool:
        return self.default is not None and self.default.kind == "aggregate"


class KeyPart(Node):
    field: str
    descending: bool = False


class Predicate(Node):
    """`path op value`. Paths are resolved: `entities[i]` is the entity whose field `steps[i]` is.
    With `bucket`, the predicate compares the field's bucket (`quarter(placed_at) = ?`: op "=", bucket
    "quarter"); its parameters name buckets by their first instant and are typed like the field."""

    steps: tuple[str, ...]
    entities: tuple[str, ...]
    op: Literal["=", "!=", "<", "<=", ">", ">=", "in", "between", "is_null", "is_not_null", "match"]
    value: Param | Const | None = None
    value2: Param | Const | None = None
    bucket: Bucket | None = None
    span: Span

    @property
    def field(self) -> str:
        return self.steps[-1]

    @property
    def is_local(self) -> bool:
        return len(self.steps) == 1

    @property
    def is_constant(self) -> bool:
        """No parameter: `status = open`, `completed_at is null` (a partial-index candidate)."""
        return not isinstance(self.value, Param) and not isinstance(self.value2, Param)

    @property
    def is_equality(self) -> bool:
        return self.op in ("=", "in") and isinstance(self.value, Param)

    @property
    def is_range(self) -> bool:
        return self.op in ("<", "<=", ">", ">=", "between") and isinstance(self.value, Param)


class Param(Node):
    name: str
    field: str  # the field (last path step) it is compared with
    entity: str
    is_list: bool = False
    span: Span


class Const(Node):
    value: float | int | str | bool | None
    span: Span


class Unique(Node):
    fields: tuple[str, ...]
    where: tuple[Predicate, ...] = ()
    origin: Literal["declared", "field", "junction"] = "declared"
    span: Span


class Index(Node):
    parts: tuple[KeyPart, ...]
    where: tuple[Predicate, ...] = ()
    origin: Literal["declared", "field"] = "declared"
    span: Span


class ConditionalVolume(Node):
    where: tuple[Predicate, ...]
    rows: float
    span: Span


class Volume(Node):
    base: float = 0  # rows at the start
    per_month: float = 0  # growth
    at_horizon: float = 0  # rows expected at the model's horizon
    declared: bool = False
    conditional: tuple[ConditionalVolume, ...] = ()
    span: Span | None = None


class Entity(Node):
    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    uniques: tuple[Unique, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()
    volume: Volume
    size_bytes: int | None = None  # declared average row/item size
    append_only: bool = False
    hard_delete: bool = False
    soft_delete: bool = False  # has deleted_at
    global_: bool = False
    tenant_root: bool = False
    audited: bool = False
    versioned: bool = False
    junction: bool = False  # the rows of a many-to-many (`links.link_entity`), never in `Model.entities`
    expires: str | None = None  # the field marked `@expires`, if any
    table_name: str | None = None  # @table override
    collection_name: str | None = None  # @collection override
    doc: str | None = None
    span: Span

    def field(self, name: str) -> Field | None:
        """The (first) field called `name`, or None."""
        return _memo(self, "_field_by_name", self.fields, self._index_fields).get(name)

    def _index_fields(self) -> dict[str, Field]:
        index: dict[str, Field] = {}
        for f in self.fields:
            index.setdefault(f.name, f)
        return index

    @property
    def stored_fields(self) -> tuple[Field, ...]:
        return _memo(self, "_stored_fields", self.fields, lambda: tuple(f for f in self.fields if f.is_stored))

    @property
    def references(self) -> tuple[Field, ...]:
        return _memo(self, "_references", self.fields, lambda: tuple(f for f in self.fields if f.is_reference))

    @property
    def tenant_field(self) -> Field | None:
        return _memo(self, "_tenant_field", self.fields,
                     lambda: next((f for f in self.fields if f.origin is FieldOrigin.TENANT), None))

    @property
    def owner_field(self) -> Field | None:
        return _memo(self, "_owner_field", self.fields, lambda: next((f for f in self.fields if f.owner), None))


class ManyToMany(Node):
    """`tags Tag[]` declared on Ticket: a many-to-many between two entities, with no attributes of its own.

    The IR keeps it as a relation; each family's planner decides how it is stored (the relational one: a
    junction table, recorded in its layout; a document or key-value one: id arrays or adjacency items). The
    owner keeps its `FieldKind.MANY` field. One link joins an `owner_side` (a reference to `owner`) and a
    `target_side` (a reference to `target`), within the owner's tenant when it has one. `name` (`TicketTags`)
    is the link's name: writes name it to link and unlink (`insert TicketTags`, `delete TicketTags by (ticket,
    tag)`); queries cannot (they read the owner and `include` the field).
    """

    name: str
    owner: str
    field: str
    target: str
    owner_side: str  # `ticket`: the owner, snake_case
    target_side: str  # `tag`: the field's singular (`related_tag` when it would repeat the owner side)
    tenant: str | None = None  # the owner's tenant field, when it is tenant-scoped
    volume: Volume = Volume()  # links: one per row of the larger declared side, else undeclared
    span: Span

    @property
    def sides(self) -> tuple[str, str]:
        return self.owner_side, self.target_side


class ValueType(Node):
    name: str
    fields: tuple[Field, ...]
    span: Span


class OrderKey(Node):
    steps: tuple[str, ...]  # a path, or (alias,) for a select alias
    entities: tuple[str, ...]  # () when the key is a select alias
    descending: bool = False
    bucket: Bucket | None = None  # `group rep, quarter(placed_at)`: the field's bucket, not the field
    span: Span

    @property
    def field(self) -> str:
        return self.steps[-1]


class SelectItem(Node):
    """A plain path, an aggregate over the root rows (`max(score)`), or over a reverse relation
    (`count(Enrollment)`: the Enrollments whose course is this row), a bucket of a date or timestamp field
    (`quarter(placed_at)`, alias `placed_at_quarter` by default), or `count(*)` (func count, no steps)."""

    steps: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    func: Literal["count", "sum", "min", "max", "avg"] | None = None
    relation: str | None = None  # child entity for reverse-relation aggregates
    via: str | None = None  # the child's reference field
    bucket: Bucket | None = None
    alias: str
    span: Span


class Include(Node):
    """A relation fetched with the root: a reference (`to_one`), the children referencing it (`to_many`),
    or a many-to-many (`many`). `fields` narrows what is fetched; `nested` follows further."""

    name: str
    kind: Literal["to_one", "to_many", "many"]
    entity: str  # the included entity
    via: str  # reference field: on the root (to_one), on the child (to_many), the root's MANY field (many)
    fields: tuple[str, ...] = ()
    nested: tuple[Include, ...] = ()
    order: tuple[OrderKey, ...] = ()
    limit: int | None = None
    span: Span


class Query(Node):
    name: str
    entity: str  # the first (or only) entity of `from`
    sources: tuple[str, ...] = ()  # every entity of `from A | B | C`, in order; (entity,) for one
    where: tuple[Predicate, ...] = ()
    order: tuple[OrderKey, ...] = ()
    group: tuple[OrderKey, ...] = ()
    select: tuple[SelectItem, ...] = ()
    include: tuple[Include, ...] = ()
    limit: int | None = None
    rate_per_s: float | None = None
    consistency: Literal["strong", "eventual"] = "eventual"
    batch: bool = False
    returns_one: bool = False
    params: tuple[Param, ...] = ()
    actions: tuple[str, ...] = ()
    span: Span

    @model_validator(mode="after")
    def _one_source(self) -> Query:
        if not self.sources:  # built without `sources`: the one entity
            object.__setattr__(self, "sources", (self.entity,))
        return self

    @property
    def is_union(self) -> bool:
        """`from A | B`: one list over several entities."""
        return len(self.sources) > 1


class Write(Node):
    name: str
    op: Literal["insert", "update", "upsert", "delete"]
    entity: str
    by: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # a partial `update E (f, ...) by (...)`: only these change; () = every field
    rate_per_s: float | None = None
    params: tuple[Param, ...] = ()
    span: Span

    @property
    def is_partial(self) -> bool:
        return bool(self.fields)


class Action(Node):
    name: str
    queries: tuple[str, ...]
    span: Span


class Settings(Node):
    name: str
    tenant: str | None = None
    ids: Literal["uuid7", "uuid4", "bigint"] = "uuid7"
    deletes: Literal["soft", "hard"] = "soft"
    horizon_months: float = 12
    compliance: Literal["gdpr", "none"] = "none"
    audit: bool = False
    span: Span | None = None


class Model(Node):
    settings: Settings
    entities: tuple[Entity, ...]
    types: tuple[ValueType, ...] = ()
    queries: tuple[Query, ...] = ()
    writes: tuple[Write, ...] = ()
    actions: tuple[Action, ...] = ()
    files: tuple[str, ...] = ()
    relations: tuple[ManyToMany, ...] = ()  # the many-to-many relations, in declaration order

    def relation_of(self, entity: str, field: str) -> ManyToMany | None:
        """The many-to-many that `entity.field` (a `Name[]` field) declares, or None."""
        return _memo(self, "_relation_by_field", self.relations,
                     lambda: {(r.owner, r.field): r for r in self.relations}).get((entity, field))

    def relation_named(self, name: str) -> ManyToMany | None:
        """The many-to-many whose link is called `name` (`TicketTags`), or None."""
        return _memo(self, "_relation_by_name", self.relations,
                     lambda: {r.name: r for r in self.relations}).get(name)

    def entity(self, name: str) -> Entity:
        """The (first) entity called `name`; KeyError when there is none."""
        return _memo(self, "_entity_by_name", self.entities, lambda: _first_by_name(self.entities))[name]

    def value_type(self, name: str) -> ValueType:
        return _memo(self, "_type_by_name", self.types, lambda: _first_by_name(self.types))[name]

    def children_of(self, parent: str) -> list[tuple[Entity, Field]]:
        """(child, reference field) for every reference to `parent`."""
        return list(_memo(self, "_children", self.entities, self._index_children).get(parent, ()))

    def _index_children(self) -> dict[str | None, list[tuple[Entity, Field]]]:
        index: dict[str | None, list[tuple[Entity, Field]]] = {}
        for e in self.entities:
            for f in e.references:
                index.setdefault(f.target, []).append((e, f))
        return index


def _first_by_name(items: tuple[_N, ...]) -> dict[str, _N]:
    index: dict[str, _N] = {}
    for item in items:
        index.setdefault(item.name, item)
    return index


for _cls in (Aggregate, Default, Field, Predicate, Include, Query, Write, Unique, Index, ConditionalVolume,
             Volume, Entity, ManyToMany, Model):
    _cls.model_rebuild()
