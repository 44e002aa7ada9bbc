"""The Design: what the design stage decided for one target, each decision with a rule id and a why.

A family-neutral core (one plan per access pattern, write plans, growth, typed decisions) and the family's
layout (`RelationalLayout`, `DocumentLayout`, `KeyValueLayout`). Backends read a Design, never re-decide.
The rule ids are those of `shared/reference/nosql-design-rules.md` (REL-*, MDB-*, DDB-*, DEC-*) or
schemac's own (SC-*).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from schemac.compiler.design.decisions import Decision, Subject
from schemac.compiler.design.document.layout import DocumentLayout
from schemac.compiler.design.keyvalue.layout import KeyValueLayout
from schemac.compiler.design.plans import Cost, ExtraWrites, Operation, PatternPlan, WriteCost, WritePlan
from schemac.compiler.design.relational.layout import (
    AuditPlan,
    ErasurePlan,
    ForeignKeyPlan,
    IndexPlan,
    KeyedWrite,
    MaintainedAggregate,
    PartitionPlan,
    ReferenceRead,
    RelationalAccess,
    RelationalLayout,
    StatisticsPlan,
    TenancyPlan,
)
from schemac.compiler.model import Model, _memo

__all__ = [
    "AuditPlan", "Capabilities", "Cost", "Decision", "Design", "DocumentLayout", "ErasurePlan", "ExtraWrites",
    "ForeignKeyPlan", "Growth", "IndexPlan", "KeyValueLayout", "KeyedWrite", "Layout", "MaintainedAggregate",
    "Operation", "PartitionPlan", "PatternPlan", "ReferenceRead", "RelationalAccess", "RelationalLayout",
    "StatisticsPlan", "Subject", "TenancyPlan", "WriteCost", "WritePlan",
]

Layout = Annotated[RelationalLayout | DocumentLayout | KeyValueLayout, Field(discriminator="family")]


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


class Growth(_Node):
    entity: str
    rows_at_horizon: float
    row_bytes: int
    table_bytes: float
    index_bytes: float
    revisit: str | None = None  # "partition by ... past N rows": None when nothing to revisit


class Design(_Node):
    """The family-neutral core every planner fills, plus the family's own layout."""

    model: Model
    target: str
    capabilities: Capabilities
    layout: Layout
    patterns: tuple[PatternPlan, ...] = ()  # one per read access pattern, in model order
    writes: tuple[WritePlan, ...] = ()  # one per write, in model order
    growth: tuple[Growth, ...] = ()
    decisions: SkipValidation[tuple[Decision, ...]] = ()  # typed records, built by the planners only

    @property
    def relational(self) -> RelationalLayout:
        """The relational layout; asking a document or key-value design for it is a programming error."""
        if not isinstance(self.layout, RelationalLayout):
            raise TypeError(f"the {self.target} design has a {self.layout.family} layout, not a relational one")
        return self.layout

    def pattern(self, query: str) -> PatternPlan | None:
        return _memo(self, "_pattern_by_query", self.patterns,
                     lambda: {p.query: p for p in self.patterns}).get(query)

    def write(self, name: str) -> WritePlan | None:
        return _memo(self, "_write_by_name", self.writes, lambda: {w.write: w for w in self.writes}).get(name)
