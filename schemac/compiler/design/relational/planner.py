"""The relational planner: policies, indexes, pattern and write plans, maintained aggregates and growth,
from the shared analysis (pattern needs with their equality/sort/range segments, estimates)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import Design
from schemac.compiler.design.relational.aggregates import plan_aggregates
from schemac.compiler.design.relational.cascades import plan_trigger_cascades
from schemac.compiler.design.relational.growth import plan_growth
from schemac.compiler.design.relational.indexes import plan_indexes
from schemac.compiler.design.relational.layout import RelationalLayout
from schemac.compiler.design.relational.patterns import plan_patterns, plan_writes
from schemac.compiler.design.relational.policies import (
    plan_audit,
    plan_erasure,
    plan_foreign_keys,
    plan_soft_delete,
    plan_tenancy,
    plan_text_keys,
)
from schemac.compiler.design.relational.statistics import plan_statistics
from schemac.compiler.design.wants import query_needs, write_want


def plan(ctx: Ctx) -> Design:
    model = ctx.model
    tenancy = plan_tenancy(ctx)
    erasure = plan_erasure(ctx)
    fks = plan_foreign_keys(ctx, erasure)
    reference_reads = plan_soft_delete(ctx)
    exact_keys = plan_text_keys(ctx)
    audit = plan_audit(ctx)
    needs = [query_needs(ctx, q) for q in model.queries]
    roots = [qn.root for qn in needs if qn.root is not None]
    aux = [w for qn in needs for w in qn.aux]
    writes = [(w, write_want(ctx, w)) for w in model.writes]
    wants = [want for _, want in writes if want is not None]
    result = plan_indexes(ctx, fks, roots, aux, wants)
    patterns = plan_patterns(ctx, needs, result)
    aggregates = plan_aggregates(ctx)
    fks = plan_trigger_cascades(ctx, fks, aggregates)
    keyed, write_plans = plan_writes(ctx, writes, result, aggregates, audit)
    growth, partitions = plan_growth(ctx, result.indexes, fks)
    statistics = plan_statistics(ctx, [*roots, *aux, *wants])
    layout = RelationalLayout(
        indexes=result.indexes, access=tuple(a for _, a in patterns), keyed_writes=tuple(keyed),
        aggregates=tuple(aggregates), foreign_keys=tuple(fks), tenancy=tenancy, audit=audit,
        erasure=tuple(erasure), reference_reads=reference_reads, exact_keys=exact_keys,
        statistics=tuple(statistics), partitions=tuple(partitions))
    return Design(
        model=model, target=ctx.target, capabilities=ctx.caps, layout=layout,
        patterns=tuple(p for p, _ in patterns),
        writes=tuple(write_plans), growth=tuple(growth),
        decisions=tuple(ctx.decisions))
