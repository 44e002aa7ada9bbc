"""Section 7, the migration strategy for this schema on this target: expand-migrate-contract, and which
changes to this model's own tables need online forms, written out with their real names.

The lock facts are data: the target's playbook (its backend's `playbooks` module), else its family's."""

from __future__ import annotations

import math
from dataclasses import dataclass

from schemac.report.facts import Facts
from schemac.report.growth import Sizing, sizing
from schemac.report.playbooks import BATCH_SIZE, FAMILY_PLAYBOOKS, Operation, Playbook
from schemac.report.text import count, size

LARGE_ROWS = 1_000_000
MEDIUM_ROWS = 100_000
LARGEST = 3  # tables written out statement by statement


@dataclass(frozen=True)
class TableRow:
    table: str
    entity: str
    rows: str
    size: str
    indexes: int
    foreign_keys: int
    checks: int
    category: str  # large | medium | small


@dataclass(frozen=True)
class OnlineTable:
    table: str
    rows: str
    category: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class PhaseRow:
    name: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class MigrationSection:
    playbook: str
    session: tuple[str, ...]
    session_why: str
    online_label: str
    tables: tuple[TableRow, ...]
    online: tuple[OnlineTable, ...]
    operations: tuple[Operation, ...]
    phases: tuple[PhaseRow, ...]
    aggregates: tuple[str, ...]
    generated: tuple[str, ...]  # `users.live_key (STORED)`: generated columns in this schema


def playbook_for(facts: Facts) -> Playbook:
    return facts.backend.playbook or FAMILY_PLAYBOOKS.get(facts.family) or FAMILY_PLAYBOOKS["relational"]


def category(rows: float) -> str:
    return "large" if rows >= LARGE_ROWS else "medium" if rows >= MEDIUM_ROWS else "small"


def features(facts: Facts) -> set[str]:
    """The kinds of change this model's schema is made of (which playbook rows apply)."""
    cat, model = facts.catalog, facts.model
    out = {"column", "not_null", "drop_index", "type_change", "rename"}
    if facts.index_plans or any(not i.primary for i in cat.keys):
        out.add("index")
    if any(e.uniques for e in model.entities) or any(i.unique and not i.primary for i in cat.keys):
        out.add("unique")
    if cat.foreign_keys or (facts.design.capabilities.foreign_keys and any(e.references for e in model.entities)):
        out.add("fk")
    if cat.checks or any(f.checks or (f.scalar and f.scalar.values) for e in model.entities for f in e.fields):
        out.add("check")
    if cat.triggers or (facts.relational is not None and facts.relational.aggregates):
        out.add("trigger")
    if cat.policies:
        out.add("rls")
    if any(t.generated for t in cat.tables.values()):
        out.add("generated")
    return out


def build(facts: Facts) -> MigrationSection:
    book = playbook_for(facts)
    sizes = {s.entity.name: s for s in sizing(facts)}
    ops = {op.feature: op for op in book.operations}
    # an embedded entity has no container of its own: its parent's documents carry (and size) it
    tables = [_table_row(facts, e.name, sizes[e.name]) for e in facts.model.entities
              if facts.embedded_in(e.name) is None]
    tables.sort(key=lambda r: (-sizes[r.entity].at_horizon, r.table))
    largest = [r for r in tables if sizes[r.entity].at_horizon > 0][:LARGEST]
    online = tuple(OnlineTable(r.table, r.rows, r.category, _statements(facts, book, ops, r.table)) for r in largest)
    fills = _fills(book, largest[0] if largest else None, sizes)
    phases = tuple(PhaseRow(p.name, tuple(step.format(**fills) for step in p.steps)) for p in book.phases)
    present = features(facts)
    return MigrationSection(
        playbook=book.name, session=book.session, session_why=book.session_why,
        online_label=book.online_index_label, tables=tuple(tables), online=online,
        operations=tuple(op for op in book.operations if op.feature in present), phases=phases,
        aggregates=tuple(_aggregate_backfills(facts)),
        generated=tuple(f"{t.name}.{col} ({kind})" for t in facts.catalog.tables.values()
                        for col, kind in sorted(t.generated.items())))


def _table_row(facts: Facts, entity: str, s: Sizing) -> TableRow:
    t = facts.table(entity)
    cat = facts.catalog
    e = facts.entity(entity)
    refs = len(e.references) if e else 0
    return TableRow(
        table=t, entity=entity, rows=count(s.at_horizon),
        size=size(s.at_horizon * (s.row_bytes + s.index_bytes_per_row)),
        indexes=sum(1 for i in cat.keys_on(t) if not i.primary) or facts.index_count(entity),
        foreign_keys=len(cat.foreign_keys_on(t)) or refs,
        checks=len(cat.checks_on(t)), category=category(s.at_horizon))


def _fills(book: Playbook, largest: TableRow | None, sizes: dict[str, Sizing]) -> dict[str, str]:
    rows = sizes[largest.entity].at_horizon if largest else 0.0
    fills = {"largest": largest.table if largest else "the largest table", "largest_rows": count(rows),
             "batches": count(math.ceil(rows / BATCH_SIZE)) if rows else "0", "batch_size": count(BATCH_SIZE)}
    forms = book.forms or FAMILY_PLAYBOOKS["relational"].forms
    return {**forms, **fills}


def _statements(facts: Facts, book: Playbook, ops: dict[str, Operation], table: str) -> tuple[str, ...]:
    """This table's own indexes and constraints, each in the target's online form."""
    out = []
    for idx in facts.catalog.keys_on(table):
        op = ops.get("unique" if idx.unique else "index")
        if idx.primary or op is None or not op.template:
            continue
        out.append(_fill(op.template, table=table, name=idx.name, columns=idx.definition or ", ".join(idx.parts),
                         where=book.where_form.format(where=idx.where) if idx.where else "",
                         ttl=book.ttl_form.format(seconds=idx.expire_after_seconds)
                         if idx.expire_after_seconds is not None and book.ttl_form else ""))
    fk_op = ops.get("fk")
    for fk in facts.catalog.foreign_keys_on(table):
        if fk_op is not None and fk_op.template:
            name = fk.name or f"{table}_{'_'.join(fk.members)}_fkey"
            out.append(_fill(fk_op.template, table=table, name=name, columns=", ".join(fk.members),
                             ref_table=fk.ref_container, ref_columns=", ".join(fk.ref_members)))
    check_op = ops.get("check")
    for c in (c for c in facts.catalog.checks_on(table) if c.name):
        if check_op is not None and check_op.template:
            out.append(_fill(check_op.template, table=table, name=c.name, expression=c.expression))
    return tuple(out)


def _fill(template: str, **values: str) -> str:
    defaults = {"table": "", "name": "", "columns": "", "where": "", "ttl": "", "ref_table": "", "ref_columns": "",
                "expression": ""}
    return template.format(**{**defaults, **values})


def _aggregate_backfills(facts: Facts) -> list[str]:
    out = []
    for agg in facts.aggregates:
        parents = facts.rows(agg.entity)
        batches = math.ceil(parents / BATCH_SIZE) if parents else 0
        first = (f"create the trigger on {facts.table(agg.child)} first" if facts.design.capabilities.triggers
                 else f"deploy the {facts.table(agg.child)} writes that keep it first")
        out.append(f"{facts.table(agg.entity)}.{agg.field}: {first}, "
                   f"then recompute {agg.func}() for {count(parents)} {facts.table(agg.entity)} rows in "
                   f"{count(batches)} batches of {count(BATCH_SIZE)}")
    return out
