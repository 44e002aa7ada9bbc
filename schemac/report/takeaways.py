"""Section 9, three key takeaways: the decisions with the largest effect, ranked by rows affected x rate.

Candidates come from every kind of decision (the index behind each read, each maintained aggregate, each
table's growth); the best of each kind competes first, so the three are not all about indexes."""

from __future__ import annotations

from dataclasses import dataclass

from schemac.report.access import AccessSection
from schemac.report.decisions import DecisionSection
from schemac.report.facts import Facts
from schemac.report.growth import RevisitSection
from schemac.report.text import count, counted, rate

TAKEAWAYS = 3


@dataclass(frozen=True)
class Takeaway:
    kind: str
    subject: str
    text: str
    effect: float  # rows affected per second (or rows x writes/s for growth)
    effect_text: str


def build(facts: Facts, access: AccessSection, decisions: DecisionSection,
          revisit: RevisitSection) -> tuple[Takeaway, ...]:
    candidates = [*_indexes(facts, access), *_aggregates(decisions), *_growth(facts, revisit)]
    candidates.sort(key=lambda t: (-t.effect, t.kind, t.subject))
    best_per_kind: dict[str, Takeaway] = {}
    for t in candidates:
        best_per_kind.setdefault(t.kind, t)
    chosen = sorted(best_per_kind.values(), key=lambda t: (-t.effect, t.kind, t.subject))[:TAKEAWAYS]
    for t in candidates:
        if len(chosen) >= TAKEAWAYS:
            break
        if t not in chosen:
            chosen.append(t)
    return tuple(chosen)


def _indexes(facts: Facts, access: AccessSection) -> list[Takeaway]:
    out = []
    for row in access.queries:
        table_rows = facts.rows(row.entity)
        plan = facts.design.pattern(row.name)
        if plan is None or not row.rate_per_s or not table_rows:
            continue
        expected = plan.expected_rows if plan.expected_rows is not None else 1.0
        avoided = max(table_rows - expected, 0.0) * row.rate_per_s
        if avoided <= 0:
            continue
        out.append(Takeaway(
            "index", row.name,
            f"`{row.name}` ({row.rate}) is served by the {row.served_by}: about "
            f"{counted(expected, 'row')} per call instead of scanning {count(table_rows)} "
            f"{facts.table(row.entity)} rows.",
            avoided, f"{count(avoided)} row reads/s avoided"))
    return out


def _aggregates(decisions: DecisionSection) -> list[Takeaway]:
    out = []
    for a in decisions.aggregates:
        saved = a.read_rate_per_s * a.children_per_parent
        effect = saved + a.extra_writes_per_s
        if effect <= 0:
            continue
        readers = ", ".join(a.reader_names) or "reads"
        out.append(Takeaway(
            "denormalisation", a.column,
            f"`{a.column}` = {a.definition} is maintained by a {a.mechanism}: {rate(a.extra_writes_per_s)} "
            f"extra row writes so that {readers} never aggregate ~{count(a.children_per_parent)} "
            f"rows per {a.entity}.",
            effect, f"{count(saved)} rows/s not aggregated, {rate(a.extra_writes_per_s)} extra writes"))
    return out


def _growth(facts: Facts, revisit: RevisitSection) -> list[Takeaway]:
    """The tables whose size makes every later change an online one: rows at the horizon x writes/s."""
    first: dict[str, str] = {}
    for r in revisit.rows:  # sorted by date: the first threshold each table crosses
        when = f"it is past {r.trigger} by {r.date}" if r.when.startswith("by the horizon") else \
            f"it crosses {r.trigger} {r.when} ({r.date})"
        first.setdefault(r.subject, f"{when}: {r.action}")
    sizes = {s.table: s for s in revisit.sizes}
    out = []
    for e in facts.model.entities:
        table = facts.table(e.name)
        if table not in first or table not in sizes:
            continue
        writes = sum(w.rate_per_s or 0.0 for w in facts.writes_on(e.name))
        rows = facts.rows(e.name)
        s = sizes[table]
        load = f" and is written {rate(writes)}" if writes else ""
        out.append(Takeaway(
            "growth", table,
            f"`{table}` holds {s.rows_at_horizon} rows ({s.table_size} + {s.index_size} of indexes) at the "
            f"horizon{load}; {first[table]}.",
            rows * max(writes, 1.0), f"{count(rows)} rows x {rate(writes)} writes"))
    return out
