"""The design stage: from the IR and a target's capabilities to a Design, every choice a recorded decision.

    design(model, capabilities, target) -> (Design, diagnostics)

Pure and deterministic: no I/O, stable order everywhere. Only the relational family is designed so far;
differences between relational targets are read from `Capabilities`, never from the target's name.
"""

from __future__ import annotations

from schemac.compiler.design import codes as codes  # registers the SC040x diagnostics
from schemac.compiler.design.aggregates import plan_aggregates
from schemac.compiler.design.cascades import plan_trigger_cascades
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.explain import render_decisions
from schemac.compiler.design.growth import plan_growth
from schemac.compiler.design.indexes import plan_indexes
from schemac.compiler.design.keys import plan_keys
from schemac.compiler.design.model import Capabilities, Design
from schemac.compiler.design.patterns import plan_patterns, plan_writes
from schemac.compiler.design.policies import (
    plan_audit,
    plan_erasure,
    plan_foreign_keys,
    plan_soft_delete,
    plan_tenancy,
    plan_text_keys,
)
from schemac.compiler.design.sdl12 import combine_branches, plan_summaries, query_branches, summary_pattern
from schemac.compiler.design.statistics import plan_statistics
from schemac.compiler.design.wants import write_want
from schemac.compiler.design.writes12 import expiry_wants, partial_update, plan_expiry
from schemac.compiler.model import Model
from schemac.diagnostics import Diagnostic

__all__ = ["Capabilities", "Design", "design", "render_decisions"]


def design(model: Model, capabilities: Capabilities, target: str) -> tuple[Design, list[Diagnostic]]:
    """Decide indexes, access paths, maintained aggregates, policies and growth for one target."""
    if capabilities.family != "relational":
        raise NotImplementedError(
            f"the design stage does not handle the {capabilities.family} family yet (target {target!r}); "
            f"only relational targets are designed")
    ctx = Ctx(model=model, caps=capabilities, target=target)
    tenancy = plan_tenancy(ctx)
    keys = plan_keys(ctx)
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
    result = plan_indexes(ctx, fks, roots, aux, [want for _, want in writes if want is not None])
    summarised = {s.query: s for s in summaries}
    queries = tuple(q for q in model.queries if q.name not in summarised)
    planned = iter(combine_branches(ctx, queries, plan_patterns(ctx, needs, result)))
    patterns = [summary_pattern(q, summarised[q.name]) if q.name in summarised else next(planned)
                for q in model.queries]
    expiry = plan_expiry(ctx, purges, result)
    aggregates = plan_aggregates(ctx)
    by_write = {w.name: w for w in model.writes}
    fks = plan_trigger_cascades(ctx, fks, aggregates)
    write_plans = [partial_update(ctx, by_write[p.write], p, result.indexes, aggregates)
                   for p in plan_writes(ctx, writes, result, aggregates, audit)]
    growth = plan_growth(ctx, result.indexes, fks)
    statistics = plan_statistics(ctx, [*roots, *aux, *(want for _, want in writes if want is not None)])
    designed = Design(
        model=model, target=target, capabilities=capabilities, indexes=result.indexes,
        patterns=tuple(patterns), aggregates=tuple(aggregates), growth=tuple(growth),
        decisions=tuple(ctx.decisions), writes=tuple(write_plans), foreign_keys=tuple(fks), tenancy=tenancy,
        audit=audit, erasure=tuple(erasure), reference_reads=reference_reads,
        exact_keys=exact_keys, statistics=tuple(statistics), expiry=tuple(expiry),
        summaries=tuple(summaries), primary_keys=keys)
    return designed, list(ctx.diags)
