"""Draft 1.2 constructs in the design stage: time buckets (SC-BKT-01), reads over several entities
(SC-UNI-01) and the grouped reads over buckets (SC-SUM-01). Partial updates and expiry: writes12.py."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, count_text, rate_text
from schemac.compiler.design.estimates import matched_rows
from schemac.compiler.design.model import PatternPlan
from schemac.compiler.design.wants import QueryNeeds, query_needs
from schemac.compiler.model import Query

STEP = {"day": "1 day", "week": "7 days (ISO weeks, Monday first)", "month": "1 month",
        "quarter": "3 months", "year": "1 year"}
# a grouped read is hot when it runs at least this often over at least this many rows per call: the rows
# it aggregates per second are what a maintained summary would save
HOT_GROUPED_ROWS_PER_S = 1_000_000.0


def sources(q: Query) -> tuple[str, ...]:
    return q.sources or (q.entity,)


def query_branches(ctx: Ctx, q: Query) -> list[QueryNeeds]:
    """One QueryNeeds per listed entity (a single one for a plain query)."""
    _decide_buckets(ctx, q)
    if len(sources(q)) == 1:
        return [query_needs(ctx, q)]
    return [query_needs(ctx, q.model_copy(update={"entity": e})) for e in sources(q)]


def _decide_buckets(ctx: Ctx, q: Query) -> None:
    for p in q.where:
        if p.bucket is None or p.is_constant:
            continue
        upper = "the last bucket's start" if p.op == "between" else "the parameter"
        ctx.decide("SC-BKT-01", f"query {q.name}",
                   f"{p.bucket}({p.field}) {p.op} ? as the half-open range {p.field} >= ? and {p.field} < "
                   f"{upper} + {STEP[p.bucket].split(' (')[0]}",
                   f"a range on the plain column is what an ordinary index on {p.field} serves (ESR: the range "
                   f"after the equality columns); a function of the column would need an expression index for "
                   f"each bucket size; the parameter is the bucket's first instant, buckets in UTC", p.span)
    for k in q.group:
        if k.bucket is None:
            continue
        ctx.decide("SC-BKT-01", f"query {q.name}",
                   f"group by {k.bucket}({k.field}): the bucket's first instant in UTC "
                   f"(weeks ISO 8601, Monday first)",
                   "the group key is a timestamp that can be passed back as the parameter of a bucket "
                   "predicate; computed per row from the column the index returns", k.span)


def combine_branches(ctx: Ctx, queries: tuple[Query, ...], plans: list[PatternPlan]) -> list[PatternPlan]:
    """Fold the per-entity plans of each `from A | B` into one plan whose `branches` are theirs."""
    out: list[PatternPlan] = []
    it = iter(plans)
    for q in queries:
        names = sources(q)
        mine = [next(it) for _ in names]
        if len(names) == 1:
            out.append(mine[0])
            continue
        branches = tuple(p.model_copy(update={"entity": e}) for p, e in zip(mine, names, strict=True))
        out.append(mine[0].model_copy(update={"entity": names[0], "branches": branches}))
        limit = f" ORDER BY ... LIMIT {q.limit} inside each branch, then" if q.limit else ""
        ctx.decide("SC-UNI-01", f"query {q.name}",
                   f"one statement: UNION ALL of {len(names)} branches ({', '.join(names)}),{limit} one order "
                   f"and limit over the union; each row carries an `entity` column",
                   "one round trip, each branch keyed on its own index (the plans above) and stopping after the "
                   "limit, so the union sorts at most branches x limit rows; ids of different tables may be "
                   "equal, so the order ends with the id and the entity and the next page's cursor carries both",
                   q.span)
    return out


def decide_grouped(ctx: Ctx, q: Query, plan: PatternPlan) -> None:
    """A grouped read over buckets: computed per read through its index, or (hot, large) a candidate for a
    maintained summary (SC-SUM-01). The summary table itself is not generated yet: the decision says so."""
    if not any(k.bucket for k in q.group):
        return
    e = ctx.entity(q.entity)
    ranges = [p.model_copy(update={"op": "between"}) if p.bucket else p for p in q.where
              if (p.is_local and not p.is_equality) or p.bucket]
    per_call = max(1.0, matched_rows(ctx, e, list(plan.equality), ranges))
    rate = q.rate_per_s or 0.0
    load = per_call * rate
    served = "its index" if plan.index is not None else "the primary key"
    if load < HOT_GROUPED_ROWS_PER_S:
        ctx.decide("SC-SUM-01", f"query {q.name}",
                   f"computed per read through {served}",
                   f"~{count_text(per_call)} rows aggregated per call at {rate_text(q.rate_per_s)}: "
                   f"~{count_text(load)} rows/s, under {count_text(HOT_GROUPED_ROWS_PER_S)} rows/s, so a "
                   f"summary table would cost every write of {q.entity} for little", q.span)
        return
    ctx.decide("SC-SUM-01", f"query {q.name}",
               f"computed per read through {served}; a maintained summary is advised",
               f"~{count_text(load)} rows/s aggregated ({count_text(per_call)} rows per call at "
               f"{rate_text(q.rate_per_s)}): a summary table keyed by the group keys and the bucket would read "
               f"one row per group instead, at +1 write per insert/delete of {q.entity} (+2 for a move between "
               f"groups); schemac does not generate it yet", q.span)
