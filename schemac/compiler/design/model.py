"""The Design: what the design stage decided for one target family, each decision with a rule id and a why.

Backends read a Design, never re-decide: the indexes to create, how each access pattern is served, which
aggregates are maintained and how, and the policies to enforce. The rule ids are those of
`shared/reference/nosql-design-rules.md` (REL-*, MDB-*, DDB-*, DEC-*) or schemac's own (SC-*).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from schemac.compiler.model import KeyPart, Model, Predicate, _memo
from schemac.diagnostics import Span


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Capabilities(_Node):
    """What a target can express. Data, read by the design stage: no `if target == ...` outside backends."""

    family: Literal["relational", "document", "key_value"]
    partial_indexes: bool = False
    include_columns: bool = False  # INCLUDE (...) covering columns
    descending_indexes: bool = True
    row_level_security: bool = False
    foreign_keys: bool = True
    triggers: bool = True
    json_aggregation: bool = False  # json_agg / JSON_ARRAYAGG for one-to-many includes
    full_text: bool = True
    # a full-text match can use its index under row-level security (PostgreSQL's `@@` is not LEAKPROOF, so
    # the policy's filter runs first and the full-text index is not used: SC0420)
    fulltext_under_rls: bool = True
    updated_at_by_column: bool = False  # `ON UPDATE CURRENT_TIMESTAMP` instead of a trigger
    transactions: bool = True
    max_identifier: int = 63
    max_index_columns: int = 32
    max_key_bytes: int | None = None
    # `ON DELETE SET NULL (col)`: null only some columns of a composite foreign key (PostgreSQL 15+)
    fk_set_null_columns: bool = False
    # text compares case- and accent-insensitively by default (MySQL's utf8mb4_unicode_ci); PostgreSQL's
    # default collation is deterministic, and its emails get a case-insensitive ICU collation
    case_insensitive_text: bool = False
    # AFTER ... FOR EACH STATEMENT triggers that see the statement's rows (transition tables, PostgreSQL 10+)
    statement_triggers: bool = False
    # rows changed by ON DELETE CASCADE fire their table's triggers (not on InnoDB)
    fk_actions_fire_triggers: bool = True
    # CREATE STATISTICS: the planner can be told that columns are correlated (PostgreSQL 10+)
    extended_statistics: bool = False
    # a partitioned table may have foreign keys, from and to it (PostgreSQL 12+; not InnoDB)
    partition_foreign_keys: bool = True
    # an update that changes no indexed column can stay on its heap page without new index entries
    # (PostgreSQL's heap-only tuples); InnoDB updates secondary indexes only for changed columns anyway
    hot_updates: bool = False
    # an auto-increment column must be the first column of some index (InnoDB)
    identity_leads_index: bool = False


class Decision(_Node):
    rule: str  # e.g. REL-I01, REL-I03, SC-DENORM-01
    subject: str  # what it is about: `Enrollment`, `query student_courses`, `index enrollments(...)`
    choice: str  # what was decided, one line
    why: str  # why, one line
    span: Span | None = None


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


class StatisticsPlan(_Node):
    """Planner statistics over correlated columns of one entity (IR field names; a reference is its column)."""

    entity: str
    fields: tuple[str, ...]
    kinds: tuple[Literal["dependencies", "ndistinct", "mcv"], ...] = ("dependencies",)
    serves: tuple[str, ...] = ()  # access patterns whose estimates it corrects


class PatternPlan(_Node):
    """How one read access pattern is served on this target."""

    query: str
    index: int | None = None  # position in Design.indexes, None when served by the primary key
    by_primary_key: bool = False
    equality: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    range: tuple[str, ...] = ()
    include_strategy: tuple[tuple[str, Literal["join", "json_agg", "second_query", "embed"]], ...] = ()
    expected_rows: float | None = None
    why: str = ""
    # indexes on other entities the pattern also uses (path predicates, reverse aggregates, includes)
    lookups: tuple[int, ...] = ()
    entity: str = ""  # the entity read ("" for the query's own entity)
    # `from A | B`: one plan per listed entity, each branch of the UNION ALL served by its own index
    branches: tuple[PatternPlan, ...] = ()


class WriteCost(_Node):
    """What one call of a write costs on this target, and the same at its declared rate."""

    rate_per_s: float | None = None
    rows: int = 1  # rows written per call: the row, maintained parents, audit and history copies
    index_entries: int = 1  # index entries written (or removed) per call, the primary key's included
    indexes: tuple[int, ...] = ()  # positions in Design.indexes whose entries it writes
    triggers: tuple[str, ...] = ()  # what runs with it: updated_at, audit, maintained aggregates, history
    maintained: tuple[str, ...] = ()  # `Parent.field` aggregates it keeps up to date
    copies: tuple[str, ...] = ()  # copies of the row kept elsewhere (audit_log, history)

    @property
    def rows_per_s(self) -> float | None:
        return None if self.rate_per_s is None else self.rows * self.rate_per_s

    @property
    def index_entries_per_s(self) -> float | None:
        return None if self.rate_per_s is None else self.index_entries * self.rate_per_s


class WritePlan(_Node):
    """One write access pattern: how an `update`/`upsert`/`delete ... by (...)` finds its rows (the conflict
    target of an upsert), and what every write, inserts included, costs."""

    write: str
    op: Literal["insert", "update", "upsert", "delete"] = "insert"
    entity: str = ""
    index: int | None = None  # position in Design.indexes, None when the primary key serves it
    by_primary_key: bool = False
    columns: tuple[str, ...] = ()  # IR field names, tenant first: the lookup / ON CONFLICT columns
    why: str = ""
    cost: WriteCost = WriteCost()
    # an update of one row: the field (version or updated_at) whose expected value it takes and checks, so
    # that it changes nothing when another writer changed the row since it was read (SC-CON-01)
    expect: str | None = None
    # a partial update/upsert: the fields it writes (the listed ones and the maintained updated_at/version)
    fields: tuple[str, ...] = ()
    # (field, "indexed" | "counted") for every written field an index or a maintained aggregate reads
    touches: tuple[tuple[str, str], ...] = ()
    hot_candidate: bool = False  # touches nothing indexed, on a target with heap-only updates (SC-UPD-01)


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
    why: str = ""


class ExpiryPlan(_Node):
    """`@expires`: a batched purge of the rows whose field has passed, the index leading with that field,
    and how often to run it (SC-EXP-01). A hard delete, even under soft delete; audit triggers see it."""

    entity: str
    field: str
    index: int | None = None  # position in Design.indexes: leads with `field` (no tenant: runs across tenants)
    batch: int = 1000  # rows per statement
    every_s: int = 60  # run it this often
    expiring_per_s: float = 0.0  # rows that expire per second at the declared growth
    why: str = ""


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


class ReferenceRead(_Node):
    """How reads join the target of one reference to a soft-deleted entity (SC-DEL-02): a required
    reference is an inner join, an optional one a left join; `live` adds the target's live-row filter to
    the join (the reader then behaves as the declared ON DELETE would after a hard delete)."""

    entity: str
    field: str
    inner: bool
    live: bool


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


class PartitionPlan(_Node):
    """How to partition one entity's table past the memory line (REL-P01), keys checked (REL-P02)."""

    entity: str
    method: Literal["range", "hash"]
    key: tuple[str, ...]  # partition key fields
    primary_key: tuple[str, ...]  # the primary key the partitioned table needs: the entity's, plus the key
    partitions: int = 0  # hash: how many
    retention_months: float | None = None  # range: drop partitions older than this
    blocked: tuple[str, ...] = ()  # why it cannot be applied to the generated schema as is


class Growth(_Node):
    entity: str
    rows_at_horizon: float
    row_bytes: int
    table_bytes: float
    index_bytes: float
    revisit: str | None = None  # "partition by ... past N rows": None when nothing to revisit
    partition: PartitionPlan | None = None  # set with `revisit`


class Design(_Node):
    model: Model
    target: str
    capabilities: Capabilities
    indexes: tuple[IndexPlan, ...] = ()
    patterns: tuple[PatternPlan, ...] = ()
    aggregates: tuple[MaintainedAggregate, ...] = ()
    growth: tuple[Growth, ...] = ()
    decisions: tuple[Decision, ...] = ()
    writes: tuple[WritePlan, ...] = ()
    foreign_keys: tuple[ForeignKeyPlan, ...] = ()
    tenancy: TenancyPlan | None = None
    audit: AuditPlan | None = None
    erasure: tuple[ErasurePlan, ...] = ()
    reference_reads: tuple[ReferenceRead, ...] = ()
    exact_keys: tuple[tuple[str, str], ...] = ()  # (entity, field): opaque string keys compared byte for byte
    statistics: tuple[StatisticsPlan, ...] = ()
    expiry: tuple[ExpiryPlan, ...] = ()
    summaries: tuple[SummaryPlan, ...] = ()

    def summary(self, query: str) -> SummaryPlan | None:
        return next((x for x in self.summaries if x.query == query), None)

    def expiry_of(self, entity: str) -> ExpiryPlan | None:
        return next((x for x in self.expiry if x.entity == entity), None)

    # (entity, fields): the primary key the table is built on where it is not the entity's identity key
    primary_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def primary_key(self, entity: str) -> tuple[str, ...]:
        """The fields of the table's primary key (tenant first on tenant-scoped tables, REL-S01)."""
        found = _memo(self, "_primary_keys", self.primary_keys, lambda: dict(self.primary_keys)).get(entity)
        return found if found is not None else self.model.entity(entity).primary_key

    def reference_read(self, entity: str, field: str) -> ReferenceRead | None:
        return _memo(self, "_reference_reads", self.reference_reads,
                     lambda: {(r.entity, r.field): r for r in self.reference_reads}).get((entity, field))

    def indexes_of(self, entity: str) -> tuple[IndexPlan, ...]:
        return _memo(self, "_indexes_by_entity", self.indexes, self._index_by_entity).get(entity, ())

    def pattern(self, query: str) -> PatternPlan | None:
        return _memo(self, "_pattern_by_query", self.patterns,
                     lambda: {p.query: p for p in self.patterns}).get(query)

    def write(self, name: str) -> WritePlan | None:
        return _memo(self, "_write_by_name", self.writes, lambda: {w.write: w for w in self.writes}).get(name)

    def _index_by_entity(self) -> dict[str, tuple[IndexPlan, ...]]:
        out: dict[str, list[IndexPlan]] = {}
        for i in self.indexes:
            out.setdefault(i.entity, []).append(i)
        return {k: tuple(v) for k, v in out.items()}
