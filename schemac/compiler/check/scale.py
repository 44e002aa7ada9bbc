"""Scale: tables that outgrow one unpartitioned table, and indexes too unselective to be used."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, count, rule, scalar_kind
from schemac.compiler.model import Entity, Index
from schemac.diagnostics import Severity

W = Severity.WARNING


def size(n: float) -> str:
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= factor:
            return f"{n / factor:,.1f} {unit}"
    return f"{n:,.0f} bytes"


@rule("SC0350", "growth-without-partition", W,
      template="`{entity}` grows to {rows} rows ({bytes}) in {horizon} with no partition plan: {revisit}",
      rationale="Past a size that fits in memory a single table's index maintenance, vacuum and retention "
                "(bulk DELETE) get expensive; partitioning or an archive plan is cheap to decide before the "
                "data is there and a migration after.",
      fix="Plan the growth: a retention rule, time-based partitioning, or an archive entity; or lower the "
          "volume if the estimate is high.",
      references=("REL-P01", "REL-P02", "DDB-T01", "(original)"), needs_design=True)
def growth_without_partition(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None:
        return
    for g in design.growth:
        e = ctx.entities.get(g.entity)
        if not g.revisit or e is None or _partitioned(ctx, g.entity):
            continue
        span = e.volume.span or ctx.entity_span(e)
        yield Finding(ctx.first_line(span), {
            "entity": g.entity, "rows": count(g.rows_at_horizon), "bytes": size(g.table_bytes + g.index_bytes),
            "horizon": ctx.horizon, "revisit": g.revisit},
            help=f"decide how `{g.entity}` stays manageable: retention, time partitions or an archive entity")


def _partitioned(ctx: Context, entity: str) -> bool:
    """Whether the design already decided a partitioning for the entity (a typed Partitioning decision)."""
    assert ctx.design is not None
    return any(d.payload.kind == "partitioning" and d.payload.partitioned and d.subject.entity == entity
               for d in ctx.design.decisions)


@rule("SC0351", "low-cardinality-index", W,
      template="`{entity}` index ({field}) is on a single low-cardinality column ({kind}) that no access pattern "
               "uses",
      rationale="An index on a column with a handful of values is rarely chosen by the planner (each value "
                "matches a large share of the table) but is still written on every insert and update.",
      fix="Remove it; if a query needs the subset, write that query (`where status = open`) and schemac "
          "derives a partial or composite index for it.",
      references=("D20", "sc 2004 Too Many Indexes", "MDB-I05", "pgl B004 (unused index)"))
def low_cardinality_index(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        tenant = e.tenant_field.name if e.tenant_field else None
        for ix in e.indexes:
            own = [p.field for p in ix.parts if p.field != tenant]
            f = e.field(own[0]) if len(own) == 1 else None
            kind = scalar_kind(f) if f else None
            if f is None or ix.where or kind not in ("enum", "bool"):
                continue
            if _used(ctx, e, ix, f.name):
                continue
            shown = "bool" if kind == "bool" else f"an enum of {len(f.scalar.values) if f.scalar else 0} values"
            yield Finding(ctx.first_line(ix.span), {"entity": e.name, "field": f.name, "kind": shown},
                          help=f"remove the index on `{f.name}`; a query filtering by it gets its own index")


def _used(ctx: Context, e: Entity, ix: Index, field: str) -> bool:
    design = ctx.design
    if design is not None and design.layout.family == "relational":
        for plan in design.relational.indexes_of(e.name):
            if plan.origin == "declared" and plan.parts == ix.parts:
                return bool(plan.serves)
    return any(m.how in ("where", "order", "group") for m in ctx.usage.of(e.name, field))
