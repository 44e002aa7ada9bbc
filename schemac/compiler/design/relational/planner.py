"""The relational planner: policies, indexes, pattern and write plans, maintained aggregates and growth,
from the shared analysis (pattern needs with their equality/sort/range segments, estimates)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import Design
from schemac.compiler.design.plans import WritePlan
from schemac.compiler.design.relational.aggregates import plan_aggregates
from schemac.compiler.design.relational.cascades import plan_trigger_cascades
from schemac.compiler.design.relational.growth import plan_growth
from schemac.compiler.design.relational.indexes import IndexResult, plan_indexes
from schemac.compiler.design.relational.junctions import plan_junctions
from schemac.compiler.design.relational.keys import plan_keys
from schemac.compiler.design.relational.layout import KeyedWrite, MaintainedAggregate, RelationalLayout, keyed_model
from schemac.compiler.design.relational.natural_keys import plan_natural_keys
from schemac.compiler.design.relational.patterns import plan_patterns, plan_writes
from schemac.compiler.design.relational.policies import (
    plan_audit,
    plan_erasure,
    plan_foreign_keys,
    plan_soft_delete,
    plan_tenancy,
    plan_text_keys,
)
from schemac.compiler.design.relational.sdl12 import (
    combine_branches,
    plan_summaries,
    query_branches,
    summary_pattern,
)
from schemac.compiler.design.relational.statistics import plan_statistics
from schemac.compiler.design.relational.writes12 import expiry_wants, partial_update, plan_expiry
from schemac.compiler.design.wants import write_want
from schemac.compiler.links import with_links


def plan(ctx: Ctx) -> Design:
    ir = ctx.model
    # append-only and link entities nothing uses by id are keyed by their unique (SC-KEY-05)
    natural = plan_natural_keys(ctx)
    junctions = plan_junctions(ctx)
    # from here on the planner reads the tables it stores: the model's entities (naturally keyed ones
    # without id), then the junction tables; the Design keeps the IR
    ctx.model = model = with_links(keyed_model(ir, natural), tuple(j.entity for j in junctions))
    tenancy = plan_tenancy(ctx)
    keys = plan_keys(ctx) + tuple((n.entity, n.fields) for n in natural)
    ctx.keys.update(keys)
    erasure = plan_erasure(ctx)
    fks = plan_foreign_keys(ctx, erasure)
    reference_reads = plan_soft_delete(ctx)
    exact_keys = plan_text_keys(ctx)
    audit = plan_audit(ctx)
    needs, summaries = plan_summaries(ctx, [qn for q in model.queries for qn in query_branches(ctx, q)])
    roots = [qn.root for qn in needs if qn.root is not None]
    purges = expiry_wants(ctx)
    aux = [w for qn in needs for w in qn.aux] + purges
    writes = [(w, write_want(ctx, w)) for w in model.writes]
    wants = [want for _, want in writes if want is not None]
    result = plan_indexes(ctx, fks, roots, aux, wants)
    summarised = {s.query: s for s in summaries}
    queries = tuple(q for q in model.queries if q.name not in summarised)
    planned = iter(combine_branches(ctx, queries, plan_patterns(ctx, needs, result)))
    patterns = [summary_pattern(q, summarised[q.name]) if q.name in summarised else next(planned)
                for q in model.queries]
    expiry = plan_expiry(ctx, purges, result)
    aggregates = plan_aggregates(ctx)
    fks = plan_trigger_cascades(ctx, fks, aggregates)
    keyed, write_plans = _partial_updates(ctx, *plan_writes(ctx, writes, result, aggregates, audit), result,
                                          aggregates)
    growth, partitions = plan_growth(ctx, result.indexes, fks)
    statistics = plan_statistics(ctx, [*roots, *aux, *wants])
    layout = RelationalLayout(
        indexes=result.indexes, access=tuple(a for _, a in patterns), keyed_writes=tuple(keyed),
        aggregates=tuple(aggregates), foreign_keys=tuple(fks), tenancy=tenancy, audit=audit,
        erasure=tuple(erasure), reference_reads=reference_reads, exact_keys=exact_keys,
        statistics=tuple(statistics), partitions=tuple(partitions), expiry=tuple(expiry),
        summaries=tuple(summaries), primary_keys=keys, junctions=junctions, natural_keys=natural)
    return Design(
        model=ir, target=ctx.target, capabilities=ctx.caps, layout=layout,
        patterns=tuple(p for p, _ in patterns),
        writes=tuple(write_plans), growth=tuple(growth),
        decisions=(*(j.decision for j in junctions), *ctx.decisions))


def _partial_updates(ctx: Ctx, keyed: list[KeyedWrite], plans: list[WritePlan], result: IndexResult,
                     aggregates: list[MaintainedAggregate]) -> tuple[list[KeyedWrite], list[WritePlan]]:
    """SC-UPD-01 for every partial update, in model order: the neutral plan gets what it writes and touches,
    its keyed write whether it is a heap-only update candidate."""
    by_write = {w.name: w for w in ctx.model.writes}
    by_keyed = {k.write: i for i, k in enumerate(keyed)}
    out_keyed, out_plans = list(keyed), []
    for p in plans:
        i = by_keyed.get(p.write)
        plan, k = partial_update(ctx, by_write[p.write], p, None if i is None else keyed[i], result.indexes,
                                 aggregates)
        if i is not None and k is not None:
            out_keyed[i] = k
        out_plans.append(plan)
    return out_keyed, out_plans
