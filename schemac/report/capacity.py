"""Capacity units of a design (DynamoDB): RCU per read pattern and WCU per write, per call and at the declared
rates, and the patterns each index serves.

It reads the design's typed plans only: a pattern's ``Cost.rcu``, a write's ``WriteCost.wcu``, the query's
declared rate, and the key-value layout's indexes. A design whose plans carry no capacity units (the
relational and document targets) has no capacity section: :func:`capacity_section` returns None.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.design.keyvalue.layout import KeyValueLayout
from schemac.compiler.design.model import Design

TABLE = "table"  # the base table's own key, in `IndexLoad.name`


@dataclass(frozen=True)
class CapacityRow:
    """One read pattern (RCU) or write (WCU): per call, and per second at its declared rate."""

    kind: str  # "query" | "write"
    name: str
    structure: str  # the index that serves it, or "table"
    rate_per_s: float | None
    per_call: float
    per_s: float | None  # None: the pattern declares no rate

    @property
    def rate(self) -> str:
        return "—" if self.rate_per_s is None else f"{units(self.rate_per_s)}/s"

    @property
    def per_call_text(self) -> str:
        return units(self.per_call)

    @property
    def per_s_text(self) -> str:
        return units(self.per_s)


@dataclass(frozen=True)
class IndexLoad:
    """The base table or one secondary index, with the read patterns it serves."""

    name: str  # "table", "GSI1", "LSI1"...
    kind: str  # "table" | "global" | "local"
    patterns: tuple[str, ...]
    rcu_per_s: float

    @property
    def rcu_per_s_text(self) -> str:
        return units(self.rcu_per_s)


@dataclass(frozen=True)
class CapacitySection:
    reads: tuple[CapacityRow, ...]
    writes: tuple[CapacityRow, ...]
    indexes: tuple[IndexLoad, ...]  # the table first, then the secondary indexes in layout order
    unrated: tuple[str, ...]  # patterns and writes without a declared rate (left out of the totals)

    @property
    def gsis(self) -> int:
        return sum(1 for i in self.indexes if i.kind == "global")

    @property
    def lsis(self) -> int:
        return sum(1 for i in self.indexes if i.kind == "local")

    @property
    def rcu_per_s(self) -> float:
        return sum(r.per_s or 0.0 for r in self.reads)

    @property
    def wcu_per_s(self) -> float:
        return sum(w.per_s or 0.0 for w in self.writes)

    @property
    def totals(self) -> tuple[str, str]:
        """RCU/s and WCU/s of the rated patterns and writes, as printed."""
        return units(self.rcu_per_s), units(self.wcu_per_s)


def _per_s(per_call: float, rate: float | None) -> float | None:
    return None if rate is None else per_call * rate


def capacity_section(design: Design) -> CapacitySection | None:
    """The design's capacity units; None when its plans carry none (not a capacity-unit target)."""
    layout = design.layout
    if not isinstance(layout, KeyValueLayout):
        return None
    rates = {q.name: q.rate_per_s for q in design.model.queries}
    names = {i.name for i in layout.indexes}
    reads = tuple(
        CapacityRow("query", p.query, p.structure if p.structure in names else TABLE, rates.get(p.query),
                    p.cost.rcu, _per_s(p.cost.rcu, rates.get(p.query)))
        for p in design.patterns if p.cost.rcu is not None)
    writes = tuple(
        CapacityRow("write", w.write, w.structure if w.structure in names else TABLE, w.cost.rate_per_s,
                    w.cost.wcu, _per_s(w.cost.wcu, w.cost.rate_per_s))
        for w in design.writes if w.cost.wcu is not None)
    indexes = [_load(TABLE, "table", reads)]
    indexes += [_load(i.name, i.kind, reads) for i in layout.indexes]
    unrated = tuple(r.name for r in (*reads, *writes) if r.rate_per_s is None)
    return CapacitySection(reads, writes, tuple(indexes), unrated)


def _load(name: str, kind: str, reads: tuple[CapacityRow, ...]) -> IndexLoad:
    served = [r for r in reads if r.structure == name]
    return IndexLoad(name, kind, tuple(r.name for r in served), sum(r.per_s or 0.0 for r in served))


def units(value: float | None) -> str:
    """Capacity units as the report and the README print them: `12.5`, `0.5`, `3`, `—` for none."""
    if value is None:
        return "—"
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text
