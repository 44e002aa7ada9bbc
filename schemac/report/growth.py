"""Section 8, when to revisit: sizes at the horizon, and the dates at which each table crosses the
thresholds that change the design, projected from its declared volume and growth."""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.model import Entity, FieldKind, ScalarKind
from schemac.report.facts import Facts
from schemac.report.text import add_months, count, months, size

ROW_OVERHEAD = 24
INDEX_ENTRY_OVERHEAD = 16
WIDTH = {ScalarKind.UUID: 16, ScalarKind.SMALLINT: 2, ScalarKind.INT: 4, ScalarKind.BIGINT: 8,
         ScalarKind.FLOAT: 8, ScalarKind.BOOL: 1, ScalarKind.DATE: 4, ScalarKind.TIMESTAMP: 8,
         ScalarKind.ENUM: 8, ScalarKind.DECIMAL: 12, ScalarKind.TEXT: 200, ScalarKind.JSON: 500,
         ScalarKind.BYTES: 500, ScalarKind.EMAIL: 32, ScalarKind.URL: 80}
MAX_RESULT_ROWS = 1_000  # an unbounded read past this should page


@dataclass(frozen=True)
class Threshold:
    metric: str  # rows | bytes (the table's own bytes, without indexes)
    value: float
    action: str
    rule: str = ""
    partitioning: bool = False  # the design's own revisit note, when it has one, says how


# What changes when a table crosses each line, per target family (data, not code). The partitioning lines
# are the design stage's (REL-P01: past 10M rows or 8 GiB a table outgrows a typical server's memory).
THRESHOLDS: dict[str, tuple[Threshold, ...]] = {
    "relational": (
        Threshold("rows", 1e6, "index builds, backfills and VALIDATE take minutes: online DDL only (section 7)",
                  "M01"),
        Threshold("rows", 1e7, "partition: hash by tenant, or range by created_at", "REL-P01", True),
        Threshold("bytes", 8 * 2**30, "the table outgrows a typical server's memory: partition", "REL-P01", True),
        Threshold("rows", 1e8, "retention: archive or detach old partitions instead of bulk deletes", "REL-P01"),
    ),
    "document": (
        Threshold("rows", 1e7, "check the shard key proposal before the collection outgrows one replica set"),
        Threshold("bytes", 2 * 2**40, "shard the collection"),
    ),
    "key_value": (
        Threshold("bytes", 10 * 2**30, "item collections near 10 GB need no LSI; check partition heat"),
    ),
}


@dataclass(frozen=True)
class SizeRow:
    entity: str
    table: str
    rows_now: str
    growth: str
    rows_at_horizon: str
    row_bytes: int
    table_size: str
    index_size: str
    note: str


@dataclass(frozen=True)
class RevisitRow:
    date: str
    when: str  # `in 7 months`, `already`, `by the horizon`
    subject: str
    trigger: str  # `1M rows`, `16 GiB`, `1k rows per call`
    action: str
    rule: str
    months: float


@dataclass(frozen=True)
class RevisitSection:
    horizon: str
    horizon_date: str
    lookahead: str
    sizes: tuple[SizeRow, ...]
    rows: tuple[RevisitRow, ...]


@dataclass(frozen=True)
class Sizing:
    entity: Entity
    base: float
    per_month: float
    at_horizon: float
    row_bytes: int
    index_bytes_per_row: float
    revisit: str | None
    from_design: bool


def sizing(facts: Facts) -> list[Sizing]:
    by_entity = {g.entity: g for g in facts.design.growth}
    out = []
    for e in facts.model.entities:
        v = e.volume
        g = by_entity.get(e.name)
        if g is not None:
            rows = g.rows_at_horizon or v.at_horizon
            per_row = g.index_bytes / rows if rows else 0.0
            out.append(Sizing(e, v.base, v.per_month, rows, g.row_bytes, per_row, g.revisit, True))
        else:
            out.append(Sizing(e, v.base, v.per_month, v.at_horizon, row_bytes(e), _index_bytes_per_row(facts, e),
                              None, False))
    return out


def row_bytes(e: Entity) -> int:
    if e.size_bytes:
        return e.size_bytes
    total = ROW_OVERHEAD
    for f in e.stored_fields:
        if f.kind is FieldKind.REFERENCE:
            total += 16
        elif f.scalar is not None:
            width = f.scalar.length // 2 if f.scalar.kind is ScalarKind.STRING and f.scalar.length else 32
            width = WIDTH.get(f.scalar.kind, width)
            total += width * (5 if f.kind is FieldKind.LIST else 1)
        else:
            total += 64
    return total


def _index_bytes_per_row(facts: Facts, e: Entity) -> float:
    n = facts.index_count(e.name) + 1  # + primary key
    return n * (INDEX_ENTRY_OVERHEAD + 24.0)


def build(facts: Facts) -> RevisitSection:
    horizon_m = facts.model.settings.horizon_months
    lookahead = max(2 * horizon_m, 24.0)
    sizes = sizing(facts)
    thresholds = THRESHOLDS.get(facts.family, THRESHOLDS["relational"])
    rows: list[RevisitRow] = [_row(facts, 0.0 + horizon_m, "all tables", "the horizon",
                                   "re-measure volumes and rates against the model; update it and rebuild",
                                   "", horizon_m)]
    for s in sizes:
        table = facts.table(s.entity.name)
        for t in thresholds:
            level = t.value if t.metric == "rows" else t.value / max(s.row_bytes, 1)
            m = _months_to(s, level, horizon_m)
            if m is not None and m <= lookahead:
                label = f"{count(t.value)} rows" if t.metric == "rows" else f"{size(t.value)} of rows"
                action = s.revisit if t.partitioning and s.revisit else t.action
                rows.append(_row(facts, m, table, label, action, t.rule, horizon_m))
    rows += _pattern_rows(facts, sizes, horizon_m, lookahead)
    rows.sort(key=lambda r: (r.months, r.subject, r.trigger))
    return RevisitSection(horizon=months(horizon_m), horizon_date=add_months(facts.today, horizon_m).isoformat(),
                          lookahead=months(lookahead), sizes=tuple(_size_row(facts, s) for s in sizes),
                          rows=tuple(rows))


def _months_to(s: Sizing, level: float, horizon_m: float) -> float | None:
    """Months from today until `s` holds `level` rows; flat volumes reach theirs by the horizon."""
    if s.per_month > 0:
        return max((level - s.base) / s.per_month, 0.0)
    return horizon_m if 0 < level <= s.at_horizon else None


def _row(facts: Facts, m: float, subject: str, trigger: str, action: str, rule: str, horizon: float) -> RevisitRow:
    if m <= 0:
        when = "already at today's volume"
    elif trigger == "the horizon":
        when = f"in {months(round(m, 1))}"
    elif m == horizon:
        when = "by the horizon (no growth declared)"
    else:
        when = f"in {months(round(m, 1))}"
    return RevisitRow(add_months(facts.today, m).isoformat(), when, subject, trigger, action, rule, m)


def _pattern_rows(facts: Facts, sizes: list[Sizing], horizon: float, lookahead: float) -> list[RevisitRow]:
    """Reads without a limit grow with their table: revisit when one call returns too many rows."""
    out = []
    by_entity = {s.entity.name: s for s in sizes}
    for q in facts.model.queries:
        plan = facts.design.pattern(q.name)
        s = by_entity.get(q.entity)
        if q.limit is not None or q.returns_one or q.batch or s is None or not s.at_horizon:
            continue
        if plan is None or plan.expected_rows is None:
            continue
        fraction = plan.expected_rows / s.at_horizon  # rows per call scale with the table
        if fraction <= 0:
            continue
        m = _months_to(s, MAX_RESULT_ROWS / fraction, horizon)
        if m is not None and m <= lookahead:
            out.append(_row(facts, m, f"query {q.name}", f"{count(MAX_RESULT_ROWS)} rows per call",
                            "add a limit and keyset pagination", "REL-I02", horizon))
    return out


def _size_row(facts: Facts, s: Sizing) -> SizeRow:
    v = s.entity.volume
    at_horizon = count(s.at_horizon) if v.declared else f"{count(s.at_horizon)} (assumed)" if s.at_horizon else "n/a"
    return SizeRow(
        entity=s.entity.name, table=facts.table(s.entity.name),
        rows_now=count(s.base) if v.declared else "n/a",
        growth=f"+{count(s.per_month)}/month" if s.per_month else "flat" if v.declared else "no volume declared",
        rows_at_horizon=at_horizon, row_bytes=s.row_bytes,
        table_size=size(s.at_horizon * s.row_bytes), index_size=size(s.at_horizon * s.index_bytes_per_row),
        note=s.revisit or ("" if s.from_design else "estimated by the report"))
