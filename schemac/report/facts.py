"""What every section reads: the model, the design, and what the backend emitted, cross-referenced once.

The backend's catalog names the real objects: the key that realises each `IndexPlan`, the container of each
entity and the statement of each access pattern. Sections only read `Facts`; nothing reads emitted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from schemac.backends import ArtifactNames, Backend, get_backend
from schemac.catalog import Catalog, Key, Statement
from schemac.compiler.design.model import Design, IndexPlan, PatternPlan
from schemac.compiler.model import Entity, Model, Query, Write
from schemac.compiler.naming import pascal

if TYPE_CHECKING:
    from schemac.diagnostics import Diagnostic


@dataclass
class Facts:
    model: Model  # as the relational layout stores it: the entities, then the junction tables
    design: Design
    target: str
    today: date
    sources: dict[str, str]
    artifacts: dict[str, str]  # path -> text
    diagnostics: list[Diagnostic]
    catalog: Catalog = field(default_factory=lambda: Catalog(target=""))
    plan_keys: dict[int, Key] = field(default_factory=dict)  # Design.indexes position -> the emitted key
    tables: dict[str, str] = field(default_factory=dict)  # entity -> emitted table
    _writes_by_entity: dict[str, list[Write]] | None = field(default=None, repr=False, compare=False)

    # -- lookups -------------------------------------------------------------------------------------
    @property
    def family(self) -> str:
        return self.design.capabilities.family

    @property
    def backend(self) -> Backend:
        return get_backend(self.target)

    @property
    def layout(self) -> ArtifactNames:
        """Which emitted file holds the schema and which the named statements: the backend says."""
        return self.backend.artifacts

    def entity(self, name: str) -> Entity | None:
        try:
            return self.model.entity(name)
        except KeyError:
            return None

    def table(self, entity: str) -> str:
        """The container the backend emitted for `entity` (its catalog says; the entity's name if none)."""
        return self.tables.get(entity, entity)

    def rows(self, entity: str) -> float:
        """Rows at the horizon (0 when the entity declares no volume)."""
        e = self.entity(entity)
        return e.volume.at_horizon if e else 0.0

    def schema_text(self) -> str:
        return self.artifacts.get(self.layout.schema) or next(iter(self.artifacts.values()), "")

    def statement(self, pattern: Query | Write) -> Statement | None:
        return self.catalog.statement(pascal(pattern.name))

    def follow_ups(self, pattern: Query | Write) -> list[Statement]:
        """Statements that belong to a pattern without being its own (`ProductPageReview`: the second
        query of an include), as the backend's catalog records them."""
        return list(self.catalog.follow_ups(pattern.name, pascal(pattern.name)))

    def pattern_plan(self, q: Query) -> PatternPlan | None:
        return self.design.pattern(q.name)

    def index_name(self, position: int | None) -> str | None:
        if position is None or not 0 <= position < len(self.design.relational.indexes):
            return None
        named = getattr(self.design.relational.indexes[position], "name", None)  # if the design ever names them
        if named:
            return str(named)
        found = self.plan_keys.get(position)
        return found.name if found else None

    def primary_key_name(self, entity: str) -> str | None:
        pk = self.catalog.primary_key(self.table(entity))
        return pk.name if pk else None

    def plan_columns(self, plan: IndexPlan) -> list[str]:
        """The columns an index plan's parts are stored in (`student` -> `student_id`), as emitted."""
        container = self.catalog.tables.get(self.table(plan.entity))
        stored = {}
        for m in container.members if container else ():
            if m.field is not None:
                stored.setdefault(m.field, m.name)
        return [stored.get(part.field, part.field) for part in plan.parts]

    def rate(self, name: str) -> float:
        """Declared rate of an access pattern (0 when none)."""
        for p in (*self.model.queries, *self.model.writes):
            if p.name == name:
                return p.rate_per_s or 0.0
        return 0.0

    def writes_on(self, entity: str) -> list[Write]:
        if self._writes_by_entity is None:  # one pass over the writes, not one per entity asked about
            self._writes_by_entity = {}
            for w in self.model.writes:
                self._writes_by_entity.setdefault(w.entity, []).append(w)
        return list(self._writes_by_entity.get(entity, ()))


def gather(result: Any, today: date) -> Facts:
    """Facts from a `BuildResult` (compilation, design, artifacts, catalog, diagnostics)."""
    comp = result.compilation
    design: Design = result.design
    # the tables as the relational layout stores them: the model's entities, then the junction tables
    facts = Facts(model=design.relational.stored(design.model), design=design,
                  target=design.target, today=today, sources=dict(comp.sources),
                  artifacts={a.path: a.text for a in result.artifacts},
                  diagnostics=list(result.diagnostics))
    if result.catalog is not None:
        facts.catalog = result.catalog
    facts.tables = {c.entity: c.name for c in facts.catalog.containers
                    if c.entity is not None and c.role in ("entity", "junction")}
    facts.plan_keys = {pos: key for pos in range(len(design.relational.indexes))
                       if (key := facts.catalog.key_for_plan(pos)) is not None}
    return facts
