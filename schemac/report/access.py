"""Sections 3 and 5: the indexes (what, why, for which patterns) and each access pattern (its SDL, the
generated statement, and how the schema serves it)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from schemac.catalog import Key
from schemac.compiler.design.model import IndexPlan
from schemac.compiler.model import FieldKind, Query, Write
from schemac.report.facts import Facts
from schemac.report.text import anchor, count, predicates, query_summary, rate, where, write_summary


@dataclass(frozen=True)
class PatternRef:
    name: str
    anchor: str


@dataclass(frozen=True)
class IndexRow:
    number: int
    name: str  # the emitted name, or `(not found in schema.sql)`
    found: bool
    entity: str
    table: str
    columns: str
    predicate: str
    unique: bool
    origin: str
    method: str
    include: str
    serves: tuple[PatternRef, ...]
    why: str
    line: int  # line in the schema file, 0 when not found


@dataclass(frozen=True)
class OtherIndex:
    name: str
    table: str
    columns: str
    unique: bool
    line: int


@dataclass(frozen=True)
class PatternRow:
    kind: str  # query | write
    name: str
    anchor: str
    entity: str
    summary: str
    source: str
    rate: str
    rate_per_s: float
    statement_name: str
    sql: str | None
    follow_ups: tuple[tuple[str, str], ...]  # (name, sql) of the statements run after it (second queries)
    served_by: str  # one line: `index enrollments_..._idx (student_id, created_at desc)`
    served_kind: str  # index | primary key | insert | none
    served_columns: str
    table: str
    index_name: str | None  # the index (or primary key) that serves it; None for a plain insert
    by_primary_key: bool
    access: str  # equality / sort / range columns
    expected_rows: str
    rows_estimated: bool
    rows_per_s: str
    includes: tuple[str, ...]
    lookups: tuple[str, ...]
    maintains: tuple[str, ...]  # writes: indexes and triggers each write also pays for
    why: str


@dataclass(frozen=True)
class AccessSection:
    indexes: tuple[IndexRow, ...]
    other_indexes: tuple[OtherIndex, ...]
    queries: tuple[PatternRow, ...]
    writes: tuple[PatternRow, ...]


def build(facts: Facts) -> AccessSection:
    if facts.relational is None:
        return AccessSection(indexes=tuple(_key_rows(facts)), other_indexes=(),
                             queries=tuple(_planned_row(facts, q) for q in facts.model.queries),
                             writes=tuple(_write_row(facts, w) for w in facts.model.writes))
    rows = tuple(_index_row(facts, i, plan) for i, plan in enumerate(facts.design.relational.indexes))
    matched = {(d.container, d.name) for d in facts.plan_keys.values()}
    tables = {facts.table(e.name) for e in facts.model.entities}
    others = tuple(OtherIndex(d.name, d.container, ", ".join(d.parts), d.unique, _line(d))
                   for d in facts.catalog.keys
                   if not d.primary and (d.container, d.name) not in matched and d.container in tables)
    return AccessSection(indexes=rows, other_indexes=others,
                         queries=tuple(_query_row(facts, q) for q in facts.model.queries),
                         writes=tuple(_write_row(facts, w) for w in facts.model.writes))


def index_columns(facts: Facts, plan: IndexPlan) -> str:
    cols = facts.plan_columns(plan)
    return ", ".join(c + (" DESC" if p.descending else "") for c, p in zip(cols, plan.parts, strict=True))


def index_predicate(facts: Facts, plan: IndexPlan) -> str:
    parts = [predicates(plan.where)] if plan.where else []
    e = facts.entity(plan.entity)
    if plan.live_only and e is not None and e.soft_delete:
        parts.append("deleted_at is null")
    return " and ".join(parts)


def _index_row(facts: Facts, pos: int, plan: IndexPlan) -> IndexRow:
    found = facts.plan_keys.get(pos)
    name = facts.index_name(pos)
    return IndexRow(
        number=pos + 1, name=name or "(not found in the schema)", found=name is not None, entity=plan.entity,
        table=facts.table(plan.entity), columns=index_columns(facts, plan),
        predicate=index_predicate(facts, plan), unique=plan.unique, origin=plan.origin.replace("_", " "),
        method=plan.method, include=", ".join(plan.include),
        serves=tuple(PatternRef(s, anchor(f"pattern-{s}")) for s in plan.serves),
        why=plan.why, line=_line(found) if found else 0)


def _key_rows(facts: Facts) -> list[IndexRow]:
    """A design without index plans (document, key-value): its indexes are the catalog's keys, each with the
    patterns it serves and its partial filter, as the backend emitted them."""
    entities = {c.name: c.entity for c in facts.catalog.containers}
    patterns = {p.name for p in (*facts.model.queries, *facts.model.writes)}
    rows = []
    for key in (k for k in facts.catalog.keys if not k.primary):
        served = [s for s in key.serves if s in patterns]
        other = [s for s in key.serves if s not in patterns]  # a unique constraint, a relation...
        origin = "access pattern" if served else "unique" if key.unique else "index"
        rows.append(IndexRow(
            number=len(rows) + 1, name=key.name, found=True, entity=entities.get(key.container) or "",
            table=key.container, columns=key_columns(key), predicate=key.where, unique=key.unique, origin=origin,
            method=key.method or "btree", include=", ".join(key.include),
            serves=tuple(PatternRef(s, anchor(f"pattern-{s}")) for s in served),
            why="; ".join(x for x in (", ".join(other), f"serves {', '.join(served)}" if served else "") if x),
            line=_line(key)))
    return rows


def key_columns(key: Key) -> str:
    """A key's parts as `a, b DESC` (its own definition when the backend gives one)."""
    if key.definition:
        return key.definition
    desc = key.descending or (False,) * len(key.parts)
    return ", ".join(p + (" DESC" if d else "") for p, d in zip(key.parts, desc, strict=False))


def _line(key: Key) -> int:
    return key.location.line if key.location else 0


# -- reads --------------------------------------------------------------------------------------------------


def estimate_rows(facts: Facts, q: Query) -> float:
    """Rows a read touches when the design gives no estimate: the table's rows narrowed by each
    equality (a reference: per parent; otherwise a tenth), a range (a third), the limit."""
    if q.returns_one:
        return 1.0
    rows = facts.rows(q.entity)
    e = facts.entity(q.entity)
    for p in q.where:
        f = e.field(p.field) if e and p.is_local else None
        if f is not None and f.kind is FieldKind.REFERENCE and facts.rows(str(f.target)):
            rows /= max(facts.rows(str(f.target)), 1.0)
        elif p.is_equality or p.is_constant:
            rows /= 10
        elif p.is_range:
            rows /= 3
    if q.limit is not None:
        rows = min(rows, float(q.limit))
    return max(rows, 1.0)


def _query_row(facts: Facts, q: Query) -> PatternRow:
    plan = facts.pattern_plan(q)
    rel = facts.relational.pattern(q.name) if facts.relational is not None else None
    stmt = facts.statement(q)
    index_name: str | None = None
    kind, cols, table = "none", "", facts.table(q.entity)
    if plan is None or rel is None:
        served, access, why, includes, lookups = "no plan from the design stage", "", "", (), ()
        by_pk = False
    else:
        by_pk = rel.by_primary_key or rel.index is None
        wider = _unique_on(facts, q.entity, plan.equality) if by_pk else None
        summary = _summary_key(facts, q) if by_pk else None
        if summary is not None:  # answered from its maintained summary table (SC-SUM-01), by that table's key
            kind, index_name, cols, table = "primary key", summary.name, ", ".join(summary.parts), summary.container
        elif wider is not None:  # (tenant, id) is unique too, and matches every equality: the planner takes it
            ix = facts.design.relational.indexes[wider]
            kind, index_name, cols = "index", facts.index_name(wider), index_columns(facts, ix)
        elif by_pk:
            kind, index_name = "primary key", facts.primary_key_name(q.entity)
            entity = facts.entity(q.entity)
            cols = ", ".join(entity.primary_key) if entity else "id"
        else:
            kind, index_name = "index", facts.index_name(rel.index)
            idx = facts.design.relational.indexes[rel.index] if rel.index is not None else None
            cols = index_columns(facts, idx) if idx else ""
        served = f"{kind} {index_name or '(unnamed)'} ({cols})"
        access = "; ".join(f"{label}: {', '.join(cols)}" for label, cols in
                           (("equality", plan.equality), ("sort", plan.sort), ("range", plan.range)) if cols)
        why = plan.why
        includes = tuple(f"{name}: {strategy.replace('_', ' ')}" for name, strategy in rel.include_strategy)
        lookups = tuple(n for i in rel.lookups if (n := facts.index_name(i)))
    estimated = plan is None or plan.expected_rows is None
    expected = estimate_rows(facts, q) if estimated else float(plan.expected_rows or 0)  # type: ignore[union-attr]
    per_s = q.rate_per_s or 0.0
    return PatternRow(
        kind="query", name=q.name, anchor=anchor(f"pattern-{q.name}"), entity=q.entity,
        summary=query_summary(q), source=where(q.span), rate=rate(q.rate_per_s), rate_per_s=per_s,
        statement_name=stmt.name if stmt else "", sql=stmt.text if stmt else None,
        follow_ups=tuple((f.name, f.text) for f in facts.follow_ups(q)), served_by=served,
        served_kind=kind, served_columns=cols, table=table,
        index_name=index_name, by_primary_key=by_pk, access=access, expected_rows=count(expected),
        rows_estimated=estimated, rows_per_s=count(expected * per_s), includes=includes, lookups=lookups,
        maintains=(), why=why)


def _summary_key(facts: Facts, q: Query) -> Key | None:
    """The primary key of the summary table the backend emitted for `q`, when one answers it."""
    if facts.relational is None or facts.relational.summary(q.name) is None:
        return None
    return next((k for k in facts.catalog.keys if k.primary and q.name in k.serves), None)


def _planned_row(facts: Facts, q: Query) -> PatternRow:
    """A read of a design without a relational layout: the family-neutral plan, and the catalog's key that
    its `structure` names."""
    row = _query_row(facts, q)
    plan = facts.pattern_plan(q)
    if plan is None:
        return row
    key = next((k for k in facts.catalog.keys if k.name == plan.structure), None)
    if key is not None:
        kind, name, cols = ("primary key" if key.primary else "index"), key.name, key_columns(key)
    else:
        kind, name, cols = "none", plan.structure, ""
    served = f"{kind} {name} ({cols})" if key is not None else f"{plan.operation.value.replace('_', ' ')}" + (
        f" {plan.structure}" if plan.structure else "")
    access = "; ".join(f"{label}: {', '.join(c)}" for label, c in
                       (("equality", plan.equality), ("sort", plan.sort), ("range", plan.range)) if c)
    return replace(row, served_by=served, served_kind=kind, served_columns=cols, index_name=name,
                   by_primary_key=bool(key and key.primary), access=access, why=plan.why)


def _unique_on(facts: Facts, entity: str, equality: tuple[str, ...]) -> int | None:
    """A unique index whose columns are exactly the pattern's equality columns and more than the primary
    key's (a tenant-scoped `id = ?`: the (tenant, id) key the composite foreign keys reference)."""
    e = facts.entity(entity)
    if e is None or len(equality) <= len(e.primary_key):
        return None
    for pos, plan in enumerate(facts.design.relational.indexes):
        parts = {p.field for p in plan.parts}
        if plan.entity == entity and plan.unique and not plan.where and parts == set(equality):
            return pos
    return None


# -- writes -------------------------------------------------------------------------------------------------


def _write_row(facts: Facts, w: Write) -> PatternRow:
    stmt = facts.statement(w)
    plan = facts.relational.write(w.name) if facts.relational is not None else None
    neutral = facts.design.write(w.name) if facts.design is not None else None
    index_name: str | None = None
    by_pk = False
    kind, cols = "none", ", ".join(w.by)
    if w.op == "insert":
        kind, cols = "insert", ""
    elif plan is not None and not plan.by_primary_key and plan.index is not None:
        kind, index_name = "index", facts.index_name(plan.index)
        cols = ", ".join(facts.plan_columns(facts.index_plans[plan.index]))
    elif plan is None and neutral is not None and neutral.structure:
        key = next((k for k in facts.catalog.keys if k.name == neutral.structure), None)
        kind, index_name = ("primary key" if key is not None and key.primary else "index"), neutral.structure
        cols = key_columns(key) if key is not None else ", ".join(neutral.equality)
    elif (plan is not None and plan.by_primary_key) or w.by == ("id",):
        by_pk, kind, index_name = True, "primary key", facts.primary_key_name(w.entity)
    served = "insert: no lookup" if kind == "insert" else f"{kind} {index_name or '(unnamed)'} ({cols})"
    return PatternRow(
        kind="write", name=w.name, anchor=anchor(f"pattern-{w.name}"), entity=w.entity,
        summary=write_summary(w), source=where(w.span), rate=rate(w.rate_per_s), rate_per_s=w.rate_per_s or 0.0,
        statement_name=stmt.name if stmt else "", sql=stmt.text if stmt else None,
        follow_ups=tuple((f.name, f.text) for f in facts.follow_ups(w)), served_by=served,
        served_kind=kind, served_columns=cols, table=facts.table(w.entity),
        index_name=index_name, by_primary_key=by_pk, access=f"by: {', '.join(w.by)}" if w.by else "",
        expected_rows="1", rows_estimated=False, rows_per_s=count(w.rate_per_s or 0.0), includes=(),
        lookups=(), maintains=write_costs(facts, w), why=neutral.why if neutral else "")


def write_costs(facts: Facts, w: Write) -> tuple[str, ...]:
    """What each execution also pays: index entries, maintained aggregates, triggers on the table."""
    out = []
    n = facts.index_count(w.entity)
    if n and w.op != "delete":
        out.append(f"{n} secondary index{'es' if n != 1 else ''} on {facts.table(w.entity)}")
    for agg in facts.aggregates:
        if agg.child == w.entity:
            out.append(f"maintains {facts.table(agg.entity)}.{agg.field} ({agg.func})")
    triggers = facts.catalog.triggers_on(facts.table(w.entity))
    if triggers:
        out.append(f"triggers: {', '.join(sorted(triggers))}")
    return tuple(out)
