"""What every section reads: the model, the design, and what the backend emitted, cross-referenced once.

The backend's catalog names the real objects: the key that realises each `IndexPlan`, the container of each
entity and the statement of each access pattern. Sections only read `Facts`; nothing reads emitted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from schemac.backends import ArtifactNames, Backend, get_backend
from schemac.catalog import Catalog, Container, Key, Statement
from schemac.compiler.design.document.layout import DocumentLayout
from schemac.compiler.design.model import Design, IndexPlan, PatternPlan
from schemac.compiler.design.relational.layout import MaintainedAggregate, RelationalLayout
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

    @property
    def relational(self) -> RelationalLayout | None:
        """The relational layout, or None for a design of another family (its layout says)."""
        layout = self.design.layout
        return layout if isinstance(layout, RelationalLayout) else None

    @property
    def document(self) -> DocumentLayout | None:
        layout = self.design.layout
        return layout if isinstance(layout, DocumentLayout) else None

    @property
    def index_plans(self) -> tuple[IndexPlan, ...]:
        """The design's index plans (a relational layout's); other families name their indexes in the catalog."""
        return self.relational.indexes if self.relational is not None else ()

    @property
    def aggregates(self) -> tuple[MaintainedAggregate, ...]:
        """The maintained aggregates: the relational layout's, else every maintained field of the model (a
        document or key-value design keeps them in the writing request)."""
        if self.relational is not None:
            return self.relational.aggregates
        out = []
        for e in self.model.entities:
            for f in e.fields:
                agg = f.default.aggregate if f.maintained and f.default is not None else None
                if agg is not None:
                    rate = sum(w.rate_per_s or 0.0 for w in self.writes_on(agg.child))
                    out.append(MaintainedAggregate(entity=e.name, field=f.name, func=agg.func, child=agg.child,
                                                   via=agg.via, child_field=agg.field, where=agg.where,
                                                   writes_per_s=rate))
        return tuple(out)

    def index_count(self, entity: str) -> int:
        """Secondary indexes on an entity's container: the design's plans, else the catalog's keys."""
        if self.relational is not None:
            return len(self.relational.indexes_of(entity))
        return sum(1 for k in self.catalog.keys_on(self.table(entity)) if not k.primary)

    def index_leads(self, entity: str) -> list[tuple[str, ...]]:
        """The IR fields of each index on an entity, in key order (catalog members mapped back to fields)."""
        if self.relational is not None:
            return [tuple(p.field for p in i.parts) for i in self.relational.indexes_of(entity)]
        container = self.catalog.tables.get(self.table(entity))
        fields = {m.name: m.field for m in container.members if m.field} if container else {}
        return [tuple(fields.get(part, part) for part in k.parts) for k in self.catalog.keys_on(self.table(entity))]

    def entity(self, name: str) -> Entity | None:
        try:
            return self.model.entity(name)
        except KeyError:
            return None

    def table(self, entity: str) -> str:
        """The container the backend emitted for `entity` (its catalog says); for an entity a document layout
        embeds, the array of its parent's documents (`orders.line_items`); else the entity's name."""
        if entity not in self.tables and (held := self.embedded_in(entity)) is not None:
            return held
        return self.tables.get(entity, entity)

    def container(self, entity: str) -> Container | None:
        """The catalog's container holding `entity`'s rows, documents or items (a single-table design's one
        table holds every entity's items)."""
        found = self.catalog.tables.get(self.table(entity))
        if found is None and [c.kind for c in self.catalog.containers] == ["item_table"]:
            return self.catalog.containers[0]
        return found

    def embedded_in(self, entity: str) -> str | None:
        """`collection.path` of the documents that hold an entity stored only inside another's (None when it
        has documents of its own, or the layout embeds nothing)."""
        layout = self.document
        placement = layout.placement(entity) if layout is not None else None
        if placement is None or placement.collection is not None or placement.embedded is None:
            return None
        parent = layout.placement(placement.embedded.parent) if layout is not None else None
        holder = parent.collection if parent is not None and parent.collection else placement.embedded.parent
        return f"{holder}.{placement.embedded.path}"

    def rows(self, entity: str) -> float:
        """Rows at the horizon (0 when the entity declares no volume)."""
        e = self.entity(entity)
        return e.volume.at_horizon if e else 0.0

    def schema_text(self) -> str:
        return self.artifacts.get(self.layout.schema) or next(iter(self.artifacts.values()), "")

    def statement(self, pattern: Query | Write) -> Statement | None:
        """The pattern's own statement or request: by its emitted name, else the first the catalog files
        under the pattern."""
        found = self.catalog.statement(pascal(pattern.name))
        if found is None:
            found = next((s for s in self.catalog.statements if s.pattern == pattern.name), None)
        return found

    def follow_ups(self, pattern: Query | Write) -> list[Statement]:
        """Statements that belong to a pattern without being its own (`ProductPageReview`: the second
        query of an include), as the backend's catalog records them."""
        own = self.statement(pattern)
        return list(self.catalog.follow_ups(pattern.name, own.name if own else pascal(pattern.name)))

    def pattern_plan(self, q: Query) -> PatternPlan | None:
        return self.design.pattern(q.name)

    def index_name(self, position: int | None) -> str | None:
        if position is None or not 0 <= position < len(self.index_plans):
            return None
        named = getattr(self.index_plans[position], "name", None)  # if the design ever names them
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
    # the tables as a relational layout stores them (naturally keyed entities, then the junction tables);
    # the IR itself for the other families
    layout = design.layout
    model = layout.stored(design.model) if isinstance(layout, RelationalLayout) else design.model
    facts = Facts(model=model, design=design,
                  target=design.target, today=today, sources=dict(comp.sources),
                  artifacts={a.path: a.text for a in result.artifacts},
                  diagnostics=list(result.diagnostics))
    if result.catalog is not None:
        facts.catalog = result.catalog
    facts.tables = {c.entity: c.name for c in facts.catalog.containers
                    if c.entity is not None and c.role in ("entity", "junction")}
    facts.plan_keys = {pos: key for pos in range(len(facts.index_plans))
                       if (key := facts.catalog.key_for_plan(pos)) is not None}
    return facts
