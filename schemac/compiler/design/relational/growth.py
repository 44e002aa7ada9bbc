"""Growth at the horizon: rows, row and index bytes per entity, and when to revisit partitioning (REL-P01)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, bytes_text, count_text
from schemac.compiler.design.decisions import Partitioning, Subject, Volume
from schemac.compiler.design.estimates import constant_selectivity
from schemac.compiler.design.model import ForeignKeyPlan, Growth, IndexPlan, PartitionPlan
from schemac.compiler.design.relational.partitioning import advice_text, plan_partition
from schemac.compiler.design.sizes import INDEX_ENTRY_OVERHEAD, field_width, row_bytes
from schemac.compiler.model import Entity

# Past either threshold a table no longer fits a typical 16-32 GiB server's memory with its indexes
# (REL-P01: partition when a table would exceed memory); maintenance (VACUUM, index builds) slows too.
REVISIT_ROWS = 10_000_000
REVISIT_BYTES = 8 * 2**30


def plan_growth(ctx: Ctx, indexes: tuple[IndexPlan, ...],
                fks: list[ForeignKeyPlan]) -> tuple[list[Growth], list[PartitionPlan]]:
    """Growth per entity (the core), and the partitioning advice of those past the memory line (the layout)."""
    by_entity: dict[str, list[IndexPlan]] = {}
    for ix in indexes:
        by_entity.setdefault(ix.entity, []).append(ix)
    planned = [_growth(ctx, e, by_entity.get(e.name, []), fks) for e in ctx.model.entities]
    return [g for g, _ in planned], [p for _, p in planned if p is not None]


def _growth(ctx: Ctx, e: Entity, indexes: list[IndexPlan],
            fks: list[ForeignKeyPlan]) -> tuple[Growth, PartitionPlan | None]:
    rows = ctx.rows(e.name)
    rb = row_bytes(ctx.model, e, ctx.id_widths)
    table = rows * rb
    widths: dict[str, int] = {}
    idx = _entry(ctx, e, ctx.primary_key(e.name), widths) * rows if e.primary_key else 0.0
    for ix in indexes:
        share = 1.0
        for p in ix.where:
            share *= constant_selectivity(ctx, e, p)
        idx += rows * share * _entry(ctx, e, (*[p.field for p in ix.parts], *ix.include), widths)
    horizon = f"{ctx.model.settings.horizon_months:g} months"
    if not e.volume.declared:
        ctx.decide("SC-VOL-01", Subject.of_entity(e.name), f"volume assumed: {count_text(rows)} rows",
                   "no `volume` declared; estimates (rows per lookup, sizes) use this default", e.span,
                   payload=Volume(rows=rows))
    revisit = partition = None
    partitioning = {"rows": rows, "table_bytes": table, "index_bytes": idx}
    size = f"{count_text(rows)} rows x {rb} B = {bytes_text(table)} + {bytes_text(idx)} of indexes at {horizon}"
    if e.expires is not None:
        ctx.decide("REL-P01", Subject.of_entity(e.name), "no partitioning: its rows expire",
                   f"{size} is what would pile up without expiry; the batched purge of expired rows (SC-EXP-01) "
                   f"keeps the table at its live rows", e.span, payload=Partitioning(expiring=True, **partitioning))
    elif rows > REVISIT_ROWS or table > REVISIT_BYTES:
        partition = plan_partition(ctx, e, indexes, fks)
        revisit = f"{advice_text(partition)} (past {count_text(REVISIT_ROWS)} rows)"
        ctx.decide("REL-P01", Subject.of_entity(e.name), f"revisit: {revisit}",
                   f"{size}: past {count_text(REVISIT_ROWS)} rows or {bytes_text(REVISIT_BYTES)}, beyond a "
                   f"typical server's memory", e.span, payload=Partitioning(revisit=revisit, **partitioning))
    else:
        ctx.decide("REL-P01", Subject.of_entity(e.name), "no partitioning",
                   f"{size}: below {count_text(REVISIT_ROWS)} rows and {bytes_text(REVISIT_BYTES)}", e.span,
                   payload=Partitioning(**partitioning))
    return Growth(entity=e.name, rows_at_horizon=rows, row_bytes=rb, table_bytes=table, index_bytes=idx,
                  revisit=revisit), partition


def _entry(ctx: Ctx, e: Entity, fields: tuple[str, ...], widths: dict[str, int]) -> float:
    """Bytes of one index entry over `fields` of `e`; `widths` memoises each field's width."""
    width = 0
    for name in fields:
        if name not in widths:
            widths[name] = field_width(ctx.model, f, ctx.id_widths) if (f := e.field(name)) is not None else 8
        width += widths[name]
    return float(width + INDEX_ENTRY_OVERHEAD)
