"""The relational layout: what a relational design adds to the family-neutral core.

Indexes, foreign keys, tenant isolation (row-level security), the audit log, GDPR erasure and maintained
aggregates, plus the relational detail of each pattern and keyed write (index positions, include
strategies) that the SQL backends read.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, SkipValidation

from schemac.compiler.design.decisions import Decision
from schemac.compiler.links import with_links
from schemac.compiler.model import Entity, KeyPart, ManyToMany, Model, Predicate, _memo


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class IndexPlan(_Node):
    """One index on one entity. `parts` are IR field names (a reference field means its key column)."""

    entity: str
    parts: tuple[KeyPart, ...]
    unique: bool = False
    where: tuple[Predicate, ...] = ()  # partial-index predicate (constant predicates only)
    live_only: bool = False  # restricted to live rows (soft delete) where the target allows
    include: tuple[str, ...] = ()  # covering fields (INCLUDE)
    method: Literal["btree", "fulltext"] = "btree"
    origin: Literal["primary", "unique", "access_pattern", "foreign_key", "declared", "search"]
    serves: tuple[str, ...] = ()  # access patterns it serves
    why: str = ""


IncludeStrategy = Literal["join", "json_agg", "second_query", "embed"]


class RelationalAccess(NamedTuple):
    """The relational detail of one read pattern's plan: the index by position, how includes are fetched."""

    query: str
    index: int | None = None  # position in RelationalLayout.indexes, None when served by the primary key
    by_primary_key: bool = False
    equality: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    range: tuple[str, ...] = ()
    include_strategy: tuple[tuple[str, IncludeStrategy], ...] = ()
    # indexes on other entities the pattern also uses (path predicates, reverse aggregates, includes)
    lookups: tuple[int, ...] = ()
    entity: str = ""  # the entity read ("" for the query's own entity)
    # `from A | B`: one access per listed entity, each branch of the UNION ALL served by its own index
    branches: tuple[RelationalAccess, ...] = ()


class KeyedWrite(NamedTuple):
    """How one `update`/`upsert`/`delete ... by (...)` finds its rows: the conflict target of an upsert."""

    write: str
    index: int | None = None  # position in RelationalLayout.indexes, None when the primary key serves it
    by_primary_key: bool = False
    columns: tuple[str, ...] = ()  # IR field names, tenant first: the lookup / ON CONFLICT columns
    why: str = ""
    # a partial update that writes no indexed column, on a target with heap-only updates (SC-UPD-01)
    hot_candidate: bool = False


class ForeignKeyPlan(_Node):
    """One foreign key. Tenant-scoped references are composite: (tenant, ref) -> parent (tenant, id)."""

    entity: str
    field: str  # the reference field
    columns: tuple[str, ...]  # IR field names on `entity`
    target: str
    target_columns: tuple[str, ...]  # IR field names on `target` (a unique or primary key)
    on_delete: Literal["cascade", "restrict", "set_null"] = "restrict"
    # the cascade is done by a BEFORE DELETE trigger on the target (the key itself restricts), so that the
    # deleted rows fire their own triggers where foreign-key actions do not
    cascade_by_trigger: bool = False
    set_null_columns: tuple[str, ...] = ()  # ON DELETE SET NULL (these columns) on a composite key
    why: str = ""


class TenancyPlan(_Node):
    tenant: str  # the tenant root entity
    enforcement: Literal["row_level_security", "application"]
    entities: tuple[str, ...]  # tenant-scoped entities (each has `field`)
    composite_foreign_keys: bool = True


class AuditPlan(_Node):
    table: str = "audit_log"
    entities: tuple[str, ...] = ()
    mechanism: Literal["trigger", "application"] = "trigger"


class ErasurePlan(_Node):
    """GDPR erasure of one entity's personal data: anonymise its @pii fields in place or delete the row."""

    entity: str
    action: Literal["anonymise", "delete"]
    fields: tuple[str, ...]  # the @pii fields
    nullify: tuple[str, ...] = ()  # optional @pii fields set to NULL (anonymise)
    # required @pii fields overwritten with a deterministic placeholder; `{id}` is the row's primary key
    placeholders: tuple[tuple[str, str], ...] = ()
    scrub_audit: bool = False  # also remove the fields from audit_log old/new values
    why: str = ""


class MaintainedAggregate(_Node):
    """A denormalised aggregate column kept up to date by the target (trigger or same-transaction update)."""

    entity: str
    field: str
    func: Literal["count", "sum", "min", "max", "avg"]
    child: str
    via: str
    child_field: str | None = None
    where: tuple[Predicate, ...] = ()
    writes_per_s: float = 0.0  # extra writes per second the maintenance costs at the declared rates
    # "statement": one update per parent per statement, from the statement's rows; "row": per child row
    per: Literal["statement", "row"] = "row"


class StatisticsPlan(_Node):
    """Planner statistics over correlated columns of one entity (IR field names; a reference is its column)."""

    entity: str
    fields: tuple[str, ...]
    kinds: tuple[Literal["dependencies", "ndistinct", "mcv"], ...] = ("dependencies",)
    serves: tuple[str, ...] = ()  # access patterns whose estimates it corrects


class ReferenceRead(_Node):
    """How reads join the target of one reference to a soft-deleted entity (SC-DEL-02): a required
    reference is an inner join, an optional one a left join; `live` adds the target's live-row filter to
    the join (the reader then behaves as the declared ON DELETE would after a hard delete)."""

    entity: str
    field: str
    inner: bool
    live: bool


class PartitionPlan(_Node):
    """How to partition one entity's table past the memory line (REL-P01), keys checked (REL-P02)."""

    entity: str
    method: Literal["range", "hash"]
    key: tuple[str, ...]  # partition key fields
    primary_key: tuple[str, ...]  # the primary key the partitioned table needs: the entity's, plus the key
    partitions: int = 0  # hash: how many
    retention_months: float | None = None  # range: drop partitions older than this
    blocked: tuple[str, ...] = ()  # why it cannot be applied to the generated schema as is


class SummaryPlan(_Node):
    """A hot grouped read over time buckets answered from a summary table keyed by the tenant, the group keys
    and the buckets, kept by triggers on `entity` in the writing transaction (SC-SUM-01)."""

    query: str
    entity: str
    keys: tuple[tuple[str, str | None], ...]  # (field, bucket): the tenant first, then the group keys
    # (alias, field): sum(field) columns; count(*) is the row count every summary keeps
    sums: tuple[tuple[str, str], ...] = ()
    count_alias: str | None = None  # the select alias of count(*), if the query selects it
    per: Literal["statement", "row"] = "row"
    writes_per_s: float = 0.0  # summary rows written per second at the declared rates
    rows_per_call: float = 1.0  # summary rows one read returns: its groups in the window
    why: str = ""


class ExpiryPlan(_Node):
    """`@expires`: a batched purge of the rows whose field has passed, the index leading with that field,
    and how often to run it (SC-EXP-01). A hard delete, even under soft delete; audit triggers see it."""

    entity: str
    field: str
    index: int | None = None  # position in indexes: leads with `field` (no tenant: runs across tenants)
    batch: int = 1000  # rows per statement
    every_s: int = 60  # run it this often
    expiring_per_s: float = 0.0  # rows that expire per second at the declared growth
    why: str = ""


class Junction(_Node):
    """A many-to-many stored as a junction table (SC-M2M-01): the relation, the table's entity (stored after
    the model's own entities) and the typed decision that chose it."""

    relation: ManyToMany
    entity: Entity
    decision: SkipValidation[Decision]


class NaturalKey(_Node):
    """An entity stored keyed by its unique (SC-KEY-05): `fields` (tenant first) are its primary key, the
    `dropped` fields (id, updated_at) are not stored, and the unique over `fields` is the primary key itself."""

    entity: str
    fields: tuple[str, ...]
    dropped: tuple[str, ...] = ("id",)

    def apply(self, e: Entity) -> Entity:
        fields = tuple(f for f in e.fields if f.name not in self.dropped)
        uniques = tuple(u for u in e.uniques if u.where or set(u.fields) != set(self.fields))
        return e.model_copy(update={"fields": fields, "primary_key": self.fields, "uniques": uniques})


class RelationalLayout(_Node):
    family: Literal["relational"] = "relational"
    indexes: tuple[IndexPlan, ...] = ()
    # one per read pattern, in model order; typed records built by the planner (not re-validated)
    access: SkipValidation[tuple[RelationalAccess, ...]] = ()
    keyed_writes: SkipValidation[tuple[KeyedWrite, ...]] = ()
    aggregates: tuple[MaintainedAggregate, ...] = ()
    foreign_keys: tuple[ForeignKeyPlan, ...] = ()
    tenancy: TenancyPlan | None = None
    audit: AuditPlan | None = None
    erasure: tuple[ErasurePlan, ...] = ()
    reference_reads: tuple[ReferenceRead, ...] = ()
    exact_keys: tuple[tuple[str, str], ...] = ()  # (entity, field): opaque string keys compared byte for byte
    statistics: tuple[StatisticsPlan, ...] = ()
    # partitioning advice past the memory line (REL-P01), one per entity whose Growth has a `revisit`
    partitions: tuple[PartitionPlan, ...] = ()
    expiry: tuple[ExpiryPlan, ...] = ()  # one per `@expires` entity
    summaries: tuple[SummaryPlan, ...] = ()  # one per grouped read answered from a summary table
    # (entity, fields): the primary key the table is built on where it is not the entity's identity key in
    # the compiled model: (tenant, id) (REL-S01), or the natural key of an entity without id (SC-KEY-05)
    primary_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    natural_keys: tuple[NaturalKey, ...] = ()  # entities keyed by their unique, without id (SC-KEY-05)
    junctions: tuple[Junction, ...] = ()  # one per many-to-many relation of the model, in its order

    def stored(self, model: Model) -> Model:
        """`model` as this layout stores it: its entities (naturally keyed ones without id), then the junction
        tables. Every relational consumer that walks the tables (the SQL backend, the report, lint) reads this,
        never `model.entities`."""
        return _memo(self, "_stored", model,
                     lambda: with_links(self.keyed(model), tuple(j.entity for j in self.junctions)))

    def junction(self, name: str) -> Junction | None:
        """The junction table called `name` (`TicketTags`), or None."""
        return next((j for j in self.junctions if j.entity.name == name), None)

    def keyed(self, model: Model) -> Model:
        """`model` with its naturally keyed entities as the tables store them (no id, the unique as the key);
        `stored` adds the junction tables."""
        return keyed_model(model, self.natural_keys)

    def primary_key(self, entity: Entity) -> tuple[str, ...]:
        """The fields of the table's primary key (tenant first on tenant-scoped tables, REL-S01; natural keys,
        SC-KEY-05), for the entity of the compiled model or of the design's."""
        found = _memo(self, "_primary_keys", self.primary_keys, lambda: dict(self.primary_keys)).get(entity.name)
        return found if found is not None else entity.primary_key

    def summary(self, query: str) -> SummaryPlan | None:
        return next((x for x in self.summaries if x.query == query), None)

    def expiry_of(self, entity: str) -> ExpiryPlan | None:
        return next((x for x in self.expiry if x.entity == entity), None)

    def reference_read(self, entity: str, field: str) -> ReferenceRead | None:
        return _memo(self, "_reference_reads", self.reference_reads,
                     lambda: {(r.entity, r.field): r for r in self.reference_reads}).get((entity, field))

    def partition(self, entity: str) -> PartitionPlan | None:
        return _memo(self, "_partition_by_entity", self.partitions,
                     lambda: {p.entity: p for p in self.partitions}).get(entity)

    def indexes_of(self, entity: str) -> tuple[IndexPlan, ...]:
        return _memo(self, "_indexes_by_entity", self.indexes, self._index_by_entity).get(entity, ())

    def pattern(self, query: str) -> RelationalAccess | None:
        return _memo(self, "_access_by_query", self.access, lambda: {p.query: p for p in self.access}).get(query)

    def write(self, name: str) -> KeyedWrite | None:
        return _memo(self, "_write_by_name", self.keyed_writes,
                     lambda: {w.write: w for w in self.keyed_writes}).get(name)

    def _index_by_entity(self) -> dict[str, tuple[IndexPlan, ...]]:
        out: dict[str, list[IndexPlan]] = {}
        for i in self.indexes:
            out.setdefault(i.entity, []).append(i)
        return {k: tuple(v) for k, v in out.items()}


def keyed_model(model: Model, natural: tuple[NaturalKey, ...]) -> Model:
    """`model` with each of `natural` applied to its entity (the same model when there is none)."""
    by_name = {n.entity: n for n in natural}
    if not any(e.name in by_name for e in model.entities):
        return model
    entities = tuple(by_name[e.name].apply(e) if e.name in by_name else e for e in model.entities)
    return model.model_copy(update={"entities": entities})
