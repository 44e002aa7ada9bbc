"""Typed design decisions: what a decision is about (`Subject`), what was decided (a payload per decision
kind), and the one-line text rendered for people.

Immutable typed records (NamedTuple, not pydantic): a design makes one per decision, ten thousand and more
for a large model, and validating them cost a fifth of the design stage's time. Nothing outside the design
stage builds them.

Code that needs to know what was decided reads `subject` and `payload`; `choice` and `why` are prose for
`decisions.md` and the report, and nothing parses them back (tests/test_design_core.py checks it).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from schemac.compiler.design.document.payloads import (
    Computed,
    Copied,
    DocIndex,
    DocumentSize,
    NullsLast,
    Placed,
    RelationStorage,
    ShardProposal,
    Validation,
)
from schemac.compiler.design.plans import Operation
from schemac.diagnostics import Span

SubjectKind = Literal["model", "entity", "field", "reference", "index", "query", "write"]


class Subject(NamedTuple):
    """What a decision is about. `name` is the model's name for a model-wide decision; `index` is the
    structure's label (`Course(organization, code)`) for an index decision."""

    kind: SubjectKind
    name: str | None = None
    entity: str | None = None
    field: str | None = None
    pattern: str | None = None
    write: str | None = None
    index: str | None = None

    @classmethod
    def of_model(cls, name: str) -> Subject:
        return cls(kind="model", name=name)

    @classmethod
    def of_entity(cls, entity: str) -> Subject:
        return cls(kind="entity", entity=entity)

    @classmethod
    def of_field(cls, entity: str, field: str) -> Subject:
        return cls(kind="field", entity=entity, field=field)

    @classmethod
    def of_reference(cls, entity: str, field: str) -> Subject:
        return cls(kind="reference", entity=entity, field=field)

    @classmethod
    def of_index(cls, entity: str, label: str) -> Subject:
        return cls(kind="index", entity=entity, index=label)

    @classmethod
    def of_pattern(cls, pattern: str, entity: str | None = None) -> Subject:
        return cls(kind="query", pattern=pattern, entity=entity)

    @classmethod
    def of_write(cls, write: str, entity: str | None = None) -> Subject:
        return cls(kind="write", write=write, entity=entity)

    @property
    def label(self) -> str:
        """The subject's name without its kind: `Enrollment.course`, `student_courses`, `Course(code)`."""
        if self.kind in ("field", "reference"):
            return f"{self.entity}.{self.field}"
        by_kind = {"model": self.name, "entity": self.entity, "index": self.index, "query": self.pattern,
                   "write": self.write}
        return by_kind[self.kind] or ""

    @property
    def text(self) -> str:
        """`kind label`, as decisions.md and the report print it: `query student_courses`."""
        return f"{self.kind} {self.label}"


class Maintained(NamedTuple):
    """A denormalised aggregate field kept up to date (SC-DEN-01)."""

    func: str
    child: str
    mechanism: Literal["trigger", "application"]
    extra_writes_per_s: float
    kind: Literal["maintained"] = "maintained"


class Access(NamedTuple):
    """How a read pattern, or a keyed write, reaches its rows or items."""

    operation: Operation
    structure: str | None = None  # the index or key that serves it, by label; None for a full scan
    kind: Literal["access"] = "access"


class Covering(NamedTuple):
    """Covering columns for an index-only read (REL-I04)."""

    index_only: bool
    structure: str | None = None
    include: tuple[str, ...] = ()
    kind: Literal["covering"] = "covering"


class IndexChoice(NamedTuple):
    """An index created, or a candidate not created because another serves it (REL-I01..I08)."""

    action: Literal["create", "not_created", "declared_not_created", "all_rows"]
    structure: str
    unique: bool = False
    covered_by: str | None = None
    kind: Literal["index"] = "index"


class ForeignKeyIndex(NamedTuple):
    """The index that supports a foreign key, or the index that already covers it (REL-I08)."""

    columns: tuple[str, ...]
    covered_by: str | None = None  # None: an index of its own
    kind: Literal["foreign_key_index"] = "foreign_key_index"


class TenantReference(NamedTuple):
    """No index on the tenant reference alone (REL-I08); `unindexed` entities have no index led by it."""

    tenant: str
    unindexed: tuple[str, ...] = ()
    kind: Literal["tenant_reference"] = "tenant_reference"


class Tenancy(NamedTuple):
    enforcement: Literal["none", "row_level_security", "application"]
    entities: tuple[str, ...] = ()
    kind: Literal["tenancy"] = "tenancy"


class ForeignKeys(NamedTuple):
    mode: Literal["none", "composite", "single_column"]
    targets: tuple[str, ...] = ()
    count: int = 0
    kind: Literal["foreign_keys"] = "foreign_keys"


class SoftDelete(NamedTuple):
    entities: tuple[str, ...]
    kind: Literal["soft_delete"] = "soft_delete"


class Audit(NamedTuple):
    mechanism: Literal["none", "trigger", "application"]
    kind: Literal["audit"] = "audit"


class Erasure(NamedTuple):
    action: Literal["none", "delete", "anonymise"]
    fields: tuple[str, ...] = ()
    kind: Literal["erasure"] = "erasure"


class Volume(NamedTuple):
    """An entity's volume, assumed because none was declared (SC-VOL-01)."""

    rows: float
    kind: Literal["volume"] = "volume"


class Partitioning(NamedTuple):
    """Whether an entity is partitioned, and when to revisit (REL-P01)."""

    rows: float
    table_bytes: float
    index_bytes: float
    partitioned: bool = False
    revisit: str | None = None
    expiring: bool = False  # not partitioned because an @expires purge keeps the table at its live rows
    kind: Literal["partitioning"] = "partitioning"


class ReferenceReads(NamedTuple):
    """How reads join soft-deleted targets (SC-DEL-02): `live` references (`Entity.field`) filter the join
    to live rows, `history` ones keep showing a deleted target."""

    live: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    kind: Literal["reference_reads"] = "reference_reads"


class KeyCollation(NamedTuple):
    """How keys compare (SC-KEY-03/04): opaque string keys byte for byte, emails case-insensitively."""

    keys: Literal["opaque", "email"]
    case_insensitive: bool
    fields: tuple[str, ...] = ()  # `Entity.field`
    kind: Literal["key_collation"] = "key_collation"


class OptimisticCheck(NamedTuple):
    """The field a one-row update checks against its expected value (SC-CON-01); None: last writer wins."""

    field: str | None
    kind: Literal["optimistic_check"] = "optimistic_check"


class HotParent(NamedTuple):
    """A maintained aggregate's parent row takes more updates per second than one row can (DDB-H01)."""

    child: str
    parents: float
    updates_per_s: float
    deltas_table: str
    kind: Literal["hot_parent"] = "hot_parent"


class RowTriggers(NamedTuple):
    """Aggregates maintained by row triggers, one parent update per child row (no statement triggers)."""

    parents: tuple[str, ...]
    kind: Literal["row_triggers"] = "row_triggers"


class CountUnderSoftDelete(NamedTuple):
    """A maintained counter keeps counting child rows whose parent (or other target) is soft-deleted."""

    child: str
    soft_deleted: tuple[str, ...]
    kind: Literal["count_under_soft_delete"] = "count_under_soft_delete"


class TriggerCascade(NamedTuple):
    """ON DELETE CASCADE done by a BEFORE DELETE trigger (`by_trigger`), or left native although the
    maintained aggregates then miss the cascaded rows (SC0415)."""

    target: str
    by_trigger: bool
    kind: Literal["trigger_cascade"] = "trigger_cascade"


class Statistics(NamedTuple):
    """Extended statistics over correlated columns (REL-S01); `created` False: the target has none."""

    columns: tuple[str, ...]
    created: bool
    serves: tuple[str, ...] = ()
    kind: Literal["statistics"] = "statistics"


class WriteLoad(NamedTuple):
    """What one call of a write writes (SC-PAT-03): rows and index entries, at its declared rate."""

    rows: int
    index_entries: int
    rate_per_s: float | None = None
    kind: Literal["write_load"] = "write_load"


class Bucket(NamedTuple):
    """A time bucket of a field (SC-BKT-01): a predicate read as a half-open range, or a group key."""

    field: str
    bucket: str
    role: Literal["range", "group"]
    kind: Literal["bucket"] = "bucket"


class Union(NamedTuple):
    """A read over several entities as one UNION ALL statement (SC-UNI-01), its branches in order."""

    entities: tuple[str, ...]
    limit: int | None = None
    kind: Literal["union"] = "union"


class Summary(NamedTuple):
    """A grouped read over buckets (SC-SUM-01): from a maintained summary table, or computed per read;
    `rows_per_s` is what it aggregates at its declared rate, `reason` why a summary cannot answer it."""

    maintained: bool
    rows_per_s: float
    keys: tuple[tuple[str, str | None], ...] = ()  # (field, bucket) of the summary's key
    per: Literal["statement", "row"] | None = None
    writes_per_s: float = 0.0
    reason: str | None = None
    kind: Literal["summary"] = "summary"


class Expiry(NamedTuple):
    """An `@expires` purge (SC-EXP-01): batched deletes through an index leading with the field."""

    field: str
    batch: int
    every_s: int
    structure: str | None = None
    expiring_per_s: float = 0.0
    kind: Literal["expiry"] = "expiry"


class PartialWrite(NamedTuple):
    """A partial update (SC-UPD-01): the fields it writes, which of them an index or aggregate reads,
    and whether it is a heap-only update candidate on this target (from Capabilities.hot_updates)."""

    fields: tuple[str, ...]
    touches: tuple[tuple[str, str], ...] = ()
    hot_candidate: bool = False
    kind: Literal["partial_write"] = "partial_write"


# Why an append-only or link entity keeps its surrogate key (SC-KEY-05, REL-K04 for "clustering")
SurrogateReason = Literal["referenced", "read_by_id", "written_by_id", "erasure", "versioned", "soft_delete",
                          "no_unique", "key_too_long", "clustering"]


class PrimaryKeys(NamedTuple):
    """The keys tables are built on (REL-S01, REL-K04, SC-KEY-05): `tenant_first` tables keyed (tenant, id),
    `identity` ones that keep (id) with a unique (tenant, id) because their id must lead an index, `natural`
    ones keyed by their unique (`fields`, without the `dropped` fields), `surrogate` ones that keep (id)
    although they are append-only or links (`reason`)."""

    layout: Literal["tenant_first", "identity", "natural", "surrogate"]
    entities: tuple[str, ...]
    tenant: str
    kind: Literal["primary_keys"] = "primary_keys"
    fields: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    reason: SurrogateReason | None = None


class JunctionTable(NamedTuple):
    """A many-to-many stored as a junction table (SC-M2M-01): the relation (`owner.field` to `target`), the
    table's entity and its key (tenant first where scoped, then the owner and target sides)."""

    owner: str
    field: str
    target: str
    entity: str
    key: tuple[str, ...]
    kind: Literal["junction_table"] = "junction_table"


# One typed payload per decision kind; `kind` tells them apart.
Payload = (Maintained | Access | Covering | IndexChoice | ForeignKeyIndex | TenantReference | Tenancy | ForeignKeys
           | SoftDelete | Audit | Erasure | Volume | Partitioning | ReferenceReads | KeyCollation | OptimisticCheck
           | HotParent | RowTriggers | CountUnderSoftDelete | TriggerCascade | Statistics | WriteLoad | Bucket
           | Union | Summary | Expiry | PartialWrite | PrimaryKeys | JunctionTable
           # the document family (MongoDB)
           | Placed | Copied | RelationStorage | DocIndex | Validation | ShardProposal | DocumentSize | Computed
           | NullsLast)


class Decision(NamedTuple):
    """One decision: its rule id, typed subject and payload (what code reads), and the prose."""

    rule: str  # e.g. REL-I01, REL-I03, SC-DEN-01
    subject: Subject
    payload: Payload
    choice: str  # what was decided, one line (prose, rendered at the decision)
    why: str  # why, one line (prose)
    span: Span | None = None
