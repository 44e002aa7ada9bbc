"""Builds for the report tests (this module holds no tests).

`report_build(path, target)` is the real pipeline when the design stage and the target's backend work, and
otherwise a stand-in: the real IR, a Design derived from it here (one index per access pattern, the
declared uniques, foreign-key indexes, the maintained aggregates) and a small schema.sql / queries.sql
written from that design. The report only reads a BuildResult, so it is exercised the same way either
way; `fake_build` is also used on its own where a test needs to know exactly what the design says.
"""

from __future__ import annotations

from pathlib import Path

from schemac import catalog as c
from schemac.backends import Artifact
from schemac.build import BuildResult, build
from schemac.catalog import Catalog
from schemac.compiler.design.decisions import Tenancy
from schemac.compiler.design.model import (
    Capabilities,
    Decision,
    Design,
    IndexPlan,
    MaintainedAggregate,
    Operation,
    PatternPlan,
    RelationalAccess,
    RelationalLayout,
    Subject,
)
from schemac.compiler.model import Entity, FieldKind, KeyPart, Model, Query
from schemac.compiler.naming import pascal, plural, snake
from schemac.compiler.pipeline import compile_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.sdl"))
TARGETS = ("postgres", "mysql")

CAPABILITIES = {
    "postgres": Capabilities(family="relational", partial_indexes=True, include_columns=True,
                             row_level_security=True, json_aggregation=True),
    "mysql": Capabilities(family="relational", max_identifier=64, json_aggregation=True),
}


def real_build(path: Path, target: str) -> BuildResult | None:
    """The real pipeline's result, or None while the design stage or the backend cannot build it."""
    try:
        result = build(path, target)
    except (ImportError, NotImplementedError, AttributeError):
        return None
    if result.design is None or not result.artifacts or not result.ok:
        return None
    return result


def report_build(path: Path, target: str) -> BuildResult:
    return real_build(path, target) or fake_build(path, target)


# -- the stand-in ------------------------------------------------------------------------------------------


def _table(e: Entity) -> str:
    return e.table_name or plural(snake(e.name))


def _column(e: Entity, name: str) -> str:
    f = e.field(name)
    return f"{name}_id" if f is not None and f.kind is FieldKind.REFERENCE else name


def _tenant(e: Entity) -> list[str]:
    return [e.tenant_field.name] if e.tenant_field else []


def _indexes(model: Model) -> list[IndexPlan]:
    plans: list[IndexPlan] = []
    for e in model.entities:
        for u in e.uniques:
            plans.append(IndexPlan(entity=e.name, parts=tuple(KeyPart(field=f) for f in u.fields), unique=True,
                                   live_only=e.soft_delete, origin="unique", why="declared unique"))
    for q in model.queries:
        e = model.entity(q.entity)
        eq = [p.field for p in q.where if p.is_local and (p.is_equality or p.is_constant)]
        rng = [p.field for p in q.where if p.is_local and p.is_range]
        order = [k for k in q.order if k.entities]
        names = [*_tenant(e), *eq]
        parts = [KeyPart(field=n) for n in dict.fromkeys(names)]
        parts += [KeyPart(field=k.field, descending=k.descending) for k in order if k.field not in names]
        parts += [KeyPart(field=n) for n in rng if n not in names]
        if not parts or (len(q.where) == 1 and q.where[0].field == "id"):
            continue
        found = next((i for i, p in enumerate(plans) if p.entity == e.name and p.parts[:len(parts)] == tuple(parts)),
                     None)
        if found is not None:
            plans[found] = plans[found].model_copy(update={"serves": (*plans[found].serves, q.name)})
        else:
            plans.append(IndexPlan(entity=e.name, parts=tuple(parts), origin="access_pattern", serves=(q.name,),
                                   live_only=e.soft_delete, why=f"equality then sort; for {q.name}"))
    for e in model.entities:
        for f in e.references:
            lead = [*_tenant(e), f.name] if f.origin.value != "tenant" else [f.name]
            if not any([p.field for p in i.parts[:len(lead)]] == lead for i in plans if i.entity == e.name):
                plans.append(IndexPlan(entity=e.name, parts=tuple(KeyPart(field=n) for n in lead),
                                       origin="foreign_key", why=f"foreign key {e.name}.{f.name}"))
    return plans


def _pattern(model: Model, plans: list[IndexPlan], q: Query) -> tuple[PatternPlan, RelationalAccess]:
    pos = next((i for i, p in enumerate(plans) if q.name in p.serves), None)
    e = model.entity(q.entity)
    rows = 1.0 if q.returns_one else max(e.volume.at_horizon / 1000, 1.0)
    if q.limit:
        rows = min(rows, float(q.limit))
    equality = tuple(p.field for p in q.where if p.is_equality)
    op = Operation.PRIMARY_KEY_LOOKUP if pos is None else Operation.INDEX_SCAN
    return (PatternPlan(query=q.name, entity=q.entity, operation=op, equality=equality, expected_rows=rows,
                        why="stand-in design"),
            RelationalAccess(query=q.name, index=pos, by_primary_key=pos is None, equality=equality))


def fake_design(model: Model, target: str) -> Design:
    plans = _indexes(model)
    aggregates = []
    for e in model.entities:
        for f in e.fields:
            agg = f.default.aggregate if f.maintained and f.default else None
            if agg is not None:
                rate = sum(w.rate_per_s or 0.0 for w in model.writes if w.entity == agg.child)
                aggregates.append(MaintainedAggregate(entity=e.name, field=f.name, func=agg.func, child=agg.child,
                                                      via=agg.via, child_field=agg.field, where=agg.where,
                                                      writes_per_s=rate))
    patterns = [_pattern(model, plans, q) for q in model.queries]
    layout = RelationalLayout(indexes=tuple(plans), access=tuple(a for _, a in patterns),
                              aggregates=tuple(aggregates))
    return Design(model=model, target=target, capabilities=CAPABILITIES[target], layout=layout,
                  patterns=tuple(p for p, _ in patterns),
                  decisions=(Decision(rule="SC-TEST", subject=Subject.of_model(model.settings.name),
                                      payload=Tenancy(enforcement="none"), choice="stand-in design",
                                      why="the real design stage is not available"),))


def fake_schema(design: Design) -> str:
    out = []
    for e in design.model.entities:
        cols = [f"  {_column(e, f.name)} text" for f in e.stored_fields]
        cols.append(f"  CONSTRAINT {_table(e)}_pkey PRIMARY KEY ({', '.join(e.primary_key)})")
        out.append(f"CREATE TABLE {_table(e)} (\n" + ",\n".join(cols) + "\n);")
    for plan in design.relational.indexes:
        e = design.model.entity(plan.entity)
        cols = [_column(e, p.field) + (" DESC" if p.descending else "") for p in plan.parts]
        name = "_".join([_table(e), *(_column(e, p.field) for p in plan.parts), "key" if plan.unique else "idx"])
        where = " WHERE deleted_at IS NULL" if plan.live_only and design.capabilities.partial_indexes else ""
        unique = "UNIQUE " if plan.unique else ""
        out.append(f"CREATE {unique}INDEX {name} ON {_table(e)} ({', '.join(cols)}){where};")
    return "\n".join(out) + "\n"


def fake_catalog(design: Design) -> Catalog:
    """What a backend emitting `fake_schema` and `fake_queries` would describe in its catalog."""
    containers, keys, statements = [], [], []
    for e in design.model.entities:
        t = _table(e)
        members = tuple(c.Member(name=_column(e, f.name), type="text", field=f.name) for f in e.stored_fields)
        containers.append(c.Container(name=t, entity=e.name, role="junction" if e.junction else "entity",
                                      members=members))
        keys.append(c.Key(name=f"{t}_pkey", container=t, kind="primary", parts=tuple(e.primary_key)))
    for pos, plan in enumerate(design.relational.indexes):
        e = design.model.entity(plan.entity)
        cols = tuple(_column(e, p.field) for p in plan.parts)
        name = "_".join([_table(e), *cols, "key" if plan.unique else "idx"])
        where = "deleted_at IS NULL" if plan.live_only and design.capabilities.partial_indexes else ""
        keys.append(c.Key(name=name, container=_table(e), parts=cols, kind="unique" if plan.unique else "index",
                          where=where, plans=(pos,), serves=plan.serves))
    for q in design.model.queries:
        e = design.model.entity(q.entity)
        cond = " AND ".join(f"{_column(e, p.field)} = ${i}" for i, p in enumerate(q.where, 1)) or "TRUE"
        statements.append(c.Statement(name=pascal(q.name), kind="one" if q.returns_one else "many", pattern=q.name,
                                      text=f"SELECT * FROM {_table(e)} WHERE {cond};"))
    for w in design.model.writes:
        statements.append(c.Statement(name=pascal(w.name), kind="exec", pattern=w.name,
                                      text=f"-- {w.op} {w.entity}\nSELECT 1;"))
    return c.Catalog(target=design.target, containers=tuple(containers), keys=tuple(keys),
                     statements=tuple(statements))


def fake_queries(model: Model) -> str:
    out = []
    for q in model.queries:
        e = model.entity(q.entity)
        cond = " AND ".join(f"{_column(e, p.field)} = ${i}" for i, p in enumerate(q.where, 1)) or "TRUE"
        out.append(f"-- name: {pascal(q.name)} :{'one' if q.returns_one else 'many'}\n"
                   f"SELECT * FROM {_table(e)} WHERE {cond};\n")
    for w in model.writes:
        out.append(f"-- name: {pascal(w.name)} :exec\n-- {w.op} {w.entity}\nSELECT 1;\n")
    return "\n".join(out)


def fake_build(path: Path, target: str) -> BuildResult:
    comp = compile_model(path)
    assert comp.model is not None, comp.diagnostics
    design = fake_design(comp.model, target)
    artifacts = [Artifact("schema.sql", fake_schema(design)), Artifact("queries.sql", fake_queries(comp.model))]
    return BuildResult(comp, artifacts, design, fake_catalog(design))
