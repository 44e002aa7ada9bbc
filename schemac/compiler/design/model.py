"""The Design: what the design stage decided for one target, each decision with a rule id and a why.

A family-neutral core (one plan per access pattern, write plans, growth, typed decisions) and the family's
layout (`RelationalLayout`, `DocumentLayout`, `KeyValueLayout`). Backends read a Design, never re-decide.
The rule ids are those of `shared/reference/nosql-design-rules.md` (REL-*, MDB-*, DDB-*, DEC-*) or
schemac's own (SC-*).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from schemac.compiler.capabilities import Capabilities
from schemac.compiler.design.decisions import Decision, Subject
from schemac.compiler.design.document.layout import DocumentLayout
from schemac.compiler.design.keyvalue.layout import KeyValueLayout
from schemac.compiler.design.plans import Cost, ExtraWrites, Operation, PatternPlan, WriteCost, WritePlan
from schemac.compiler.design.relational.layout import (
    AuditPlan,
    ErasurePlan,
    ExpiryPlan,
    ForeignKeyPlan,
    IndexPlan,
    KeyedWrite,
    MaintainedAggregate,
    PartitionPlan,
    ReferenceRead,
    RelationalAccess,
    RelationalLayout,
    StatisticsPlan,
    SummaryPlan,
    TenancyPlan,
)
from schemac.compiler.model import Model, _memo

__all__ = [
    "AuditPlan", "Capabilities", "Cost", "Decision", "Design", "DocumentLayout", "ErasurePlan", "ExpiryPlan",
    "ExtraWrites", "ForeignKeyPlan", "Growth", "IndexPlan", "KeyValueLayout", "KeyedWrite", "Layout",
    "MaintainedAggregate", "Operation", "PartitionPlan", "PatternPlan", "ReferenceRead", "RelationalAccess",
    "RelationalLayout", "StatisticsPlan", "Subject", "SummaryPlan", "TenancyPlan", "WriteCost", "WritePlan",
]

Layout = Annotated[RelationalLayout | DocumentLayout | KeyValueLayout, Field(discriminator="family")]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)




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
