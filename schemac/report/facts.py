"""What every section reads: the model, the design, and what the backend emitted, cross-referenced once.

`Facts` ties an `IndexPlan` to the index the backend actually created (by table and columns), an entity to
its table, and an access pattern to its statement in the queries file. Sections only read `Facts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from schemac.compiler.design.model import Design, IndexPlan, PatternPlan
from schemac.compiler.model import Entity, FieldKind, Model, Query, Write
from schemac.compiler.naming import pascal, snake
from schemac.report import ddl
from schemac.report.text import column, table_name

if TYPE_CHECKING:
    from schemac.diagnostics import Diagnostic


@dataclass(frozen=True)
class Artifacts:
    """Which emitted file holds the schema and which the named statements, per target family."""

    schema: str
    schema_language: str
    queries: str | None = None
    queries_language: str = ""


ARTIFACTS: dict[str, Artifacts] = {
    "relational": Artifacts("schema.sql", "sql", "queries.sql", "sql"),
    "document": Artifacts("setup.js", "javascript", "queries.js", "javascript"),
    "key_value": Artifacts("table.json", "json"),
}


@dataclass
class Facts:
    model: Model
    design: Design
    target: str
    today: date
    sources: dict[str, str]
    artifacts: dict[str, str]  # path -> text
    diagnostics: list[Diagnostic]
    catalog: ddl.DdlCatalog = field(default_factory=ddl.DdlCatalog)
    statements: dict[str, ddl.NamedStatement] = field(default_factory=dict)
    layout: Artifacts = field(default_factory=lambda: ARTIFACTS["relational"])
    index_ddl: dict[int, ddl.DdlIndex] = field(default_factory=dict)  # Design.indexes position -> DDL
    tables: dict[str, str] = field(default_factory=dict)  # entity -> emitted table
    # statement name -> follow-up statements, by the pattern (PascalCase) they belong to; built on first use
    _follow_ups: dict[str, list[ddl.NamedStatement]] | None = field(default=None, repr=False, compare=False)
    _writes_by_entity: dict[str, list[Write]] | None = field(default=None, repr=False, compare=False)

    # -- lookups -------------------------------------------------------------------------------------
    @property
    def family(self) -> str:
        return self.design.capabilities.family

    def entity(self, name: str) -> Entity | None:
        try:
            return self.model.entity(name)
        except KeyError:
            return None

    def table(self, entity: str) -> str:
        if entity in self.tables:
            return self.tables[entity]
        e = self.entity(entity)
        return table_name(e) if e else entity

    def rows(self, entity: str) -> float:
        """Rows at the horizon (0 when the entity declares no volume)."""
        e = self.entity(entity)
        return e.volume.at_horizon if e else 0.0

    def schema_text(self) -> str:
        return self.artifacts.get(self.layout.schema) or next(iter(self.artifacts.values()), "")

    def statement(self, pattern: Query | Write) -> ddl.NamedStatement | None:
        return self.statements.get(pascal(pattern.name))

    def follow_ups(self, pattern: Query | Write) -> list[ddl.NamedStatement]:
        """Statements that belong to a pattern without being one (`ProductPageReview`: the second query
        of an include): named with the pattern's name as the longest prefix among all patterns."""
        if self._follow_ups is None:
            self._follow_ups = {}
            names = {pascal(p.name) for p in (*self.model.queries, *self.model.writes)}
            for name, stmt in self.statements.items():
                if name in names:
                    continue
                owner = next((name[:k] for k in range(len(name) - 1, 0, -1) if name[:k] in names), None)
                if owner is not None:
                    self._follow_ups.setdefault(owner, []).append(stmt)
        return list(self._follow_ups.get(pascal(pattern.name), ()))

    def pattern_plan(self, q: Query) -> PatternPlan | None:
        return self.design.pattern(q.name)

    def index_name(self, position: int | None) -> str | None:
        if position is None or not 0 <= position < len(self.design.indexes):
            return None
        named = getattr(self.design.indexes[position], "name", None)  # if the design ever names them
        if named:
            return str(named)
        found = self.index_ddl.get(position)
        return found.name if found else None

    def primary_key_name(self, entity: str) -> str | None:
        pk = self.catalog.primary_key(self.table(entity))
        return pk.name if pk else None

    def plan_columns(self, plan: IndexPlan) -> list[str]:
        """The columns an index plan's parts are stored in (`student` -> `student_id`)."""
        e = self.entity(plan.entity)
        out = []
        for part in plan.parts:
            f = e.field(part.field) if e else None
            out.append(column(f) if f else part.field)
        return out

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
    """Facts from a `BuildResult` (compilation, design, artifacts, diagnostics)."""
    comp = result.compilation
    design: Design = result.design
    facts = Facts(model=design.model, design=design,
                  target=design.target, today=today, sources=dict(comp.sources),
                  artifacts={a.path: a.text for a in result.artifacts},
                  diagnostics=list(result.diagnostics))
    facts.layout = ARTIFACTS.get(facts.family, ARTIFACTS["relational"])
    if facts.layout.schema_language == "sql":
        dialect = ddl.DIALECTS.get(facts.target, ddl.GENERIC)
        facts.catalog = ddl.parse_schema(facts.schema_text(), dialect)
    if facts.layout.queries and facts.layout.queries in facts.artifacts:
        facts.statements = ddl.parse_named(facts.artifacts[facts.layout.queries])
    facts.tables = {e.name: _emitted_table(facts, e) for e in facts.model.entities}
    facts.index_ddl = match_indexes(facts)
    return facts


def _emitted_table(facts: Facts, e: Entity) -> str:
    """The table the backend emitted for `e`: `@table`, a junction's `<owner table>_<field>`, or the
    snake_case plural, whichever the schema has (the first when it has none)."""
    candidates = [table_name(e)]
    owner = e.owner_field
    if e.junction and owner is not None and owner.target:
        parent = facts.entity(owner.target)
        for f in parent.fields if parent else ():
            if f.kind is FieldKind.MANY and parent is not None and parent.name + pascal(f.name) == e.name:
                candidates.insert(0, f"{table_name(parent)}_{snake(f.name)}")
    return next((c for c in candidates if c in facts.catalog.tables), candidates[0])


# -- IndexPlan -> emitted index ---------------------------------------------------------------------------


def match_indexes(facts: Facts) -> dict[int, ddl.DdlIndex]:
    """Each plan's emitted index: same table, the plan's columns in order (a key part that is an
    expression counts when it names the column, as MySQL's live-row uniques do)."""
    out: dict[int, ddl.DdlIndex] = {}
    taken: set[tuple[str, str]] = set()
    for pos, plan in enumerate(facts.design.indexes):
        candidates = facts.catalog.indexes_on(facts.table(plan.entity))
        wanted = _wanted_columns(facts, plan)
        generated = set(facts.catalog.tables[t].generated) if (t := facts.table(plan.entity)) in facts.catalog.tables \
            else set()
        scored = sorted(
            ((_score(c, wanted, plan, generated), i, c) for i, c in enumerate(candidates)
             if (c.table, c.name) not in taken),
            key=lambda t: (-t[0], t[1]))
        if scored and scored[0][0] > 0:
            best = scored[0][2]
            out[pos] = best
            taken.add((best.table, best.name))
    return out


def _wanted_columns(facts: Facts, plan: IndexPlan) -> list[set[str]]:
    e = facts.entity(plan.entity)
    wanted = []
    for part in plan.parts:
        f = e.field(part.field) if e else None
        names = {part.field.lower()}
        if f is not None and f.kind is FieldKind.REFERENCE:
            names.add(column(f).lower())
        wanted.append(names)
    return wanted


def _score(idx: ddl.DdlIndex, wanted: list[set[str]], plan: IndexPlan, generated: set[str]) -> int:
    """How well an emitted index matches a plan (0: not at all). Trailing generated columns are allowed:
    a target without partial indexes keeps a live-row unique key unique with one (MySQL's `live_key`)."""
    extra = idx.columns[len(wanted):]
    if len(idx.columns) < len(wanted) or any(c not in generated for c in extra):
        return 0
    if idx.primary != (plan.origin == "primary"):
        return 0
    for pos, names in enumerate(wanted):  # extra trailing columns were checked above
        col = idx.columns[pos].lower()
        if col in names:
            continue
        idents = idx.identifiers(pos)
        if not (names & idents) and not any(col.startswith(n) for n in names):
            return 0
    score = 10
    score += 2 if idx.unique == plan.unique else 0
    score += 1 if (plan.method == "fulltext") == (idx.method in ("fulltext", "gin", "gist")) else 0
    score += 1 if bool(idx.where or extra) == bool(plan.where or plan.live_only) else 0
    return score - len(extra)
