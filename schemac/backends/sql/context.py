"""The state one emission shares: the design, options, dialect, diagnostics and the name registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from schemac.backends.sql.dialect import SqlDialect
from schemac.backends.sql.naming import Namer
from schemac.compiler.model import Model, Query
from schemac.diagnostics import Diagnostics, Span

if TYPE_CHECKING:
    from schemac.backends import BuildOptions
    from schemac.compiler.design.model import Design, RelationalAccess, StatisticsPlan


@dataclass
class Context:
    design: Design
    options: BuildOptions
    dialect: SqlDialect
    diags: Diagnostics = field(default_factory=Diagnostics)
    namer: Namer = field(init=False)

    def __post_init__(self) -> None:
        self.namer = Namer(self.dialect.max_identifier, in_bytes=self.dialect.identifier_in_bytes)

    @cached_property
    def model(self) -> Model:
        """The model as the relational layout stores it: its entities, then the junction tables."""
        return self.design.relational.stored(self.design.model)

    @cached_property
    def queries(self) -> dict[str, Query]:
        """The model's queries by name, built once per emission."""
        return {q.name: q for q in self.design.model.queries}

    @cached_property
    def access_by_index(self) -> dict[int, list[RelationalAccess]]:
        """Each index position -> the read patterns' accesses it serves, built once per emission."""
        out: dict[int, list[RelationalAccess]] = {}
        for p in self.design.relational.access:
            if p.index is not None:
                out.setdefault(p.index, []).append(p)
        return out

    @cached_property
    def statistics_by_entity(self) -> dict[str, list[StatisticsPlan]]:
        """The design's extended statistics by entity, in the design's order, built once per emission."""
        out: dict[str, list[StatisticsPlan]] = {}
        for plan in self.design.relational.statistics:
            out.setdefault(plan.entity, []).append(plan)
        return out

    @cached_property
    def looked_up(self) -> frozenset[int]:
        """Index positions some pattern also reads through (path predicates, reverse aggregates, includes)."""
        return frozenset(i for p in self.design.relational.access for i in p.lookups)

    def report(self, code: str, span: Span | None, **fields: object) -> None:
        self.diags.report(code, span, target=self.dialect.name, **fields)
