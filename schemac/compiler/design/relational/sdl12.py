"""SDL 1.2 constructs in the relational planner: time buckets as ranges on the plain column (SC-BKT-01),
reads over several entities as one UNION ALL (SC-UNI-01) and grouped reads over buckets from maintained
summary tables (SC-SUM-01). Partial updates and expiry purges: writes12.py."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, count_text, rate_text
from schemac.compiler.design.decisions import Bucket, Subject, Summary, Union
from schemac.compiler.design.estimates import RANGE_SELECTIVITY, distinct, matched_rows
from schemac.compiler.design.plans import Operation, PatternPlan
from schemac.compiler.design.relational.layout import RelationalAccess, SummaryPlan
from schemac.compiler.design.wants import QueryNeeds, query_needs
from schemac.compiler.model import Query

STEP = {"day": "1 day", "week": "7 days (ISO weeks, Monday first)", "month": "1 month",
        "quarter": "3 months", "year": "1 year"}
# a grouped read is hot when it runs at least this often over at least this many rows per call: the rows
# it aggregates per second are what a maintained summary would save
HOT_GROUPED_ROWS_PER_S = 100_000.0


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
        ctx.decide("SC-BKT-01", Subject.of_pattern(q.name, q.entity),
                   f"{p.bucket}({p.field}) {p.op} ? as the half-open range {p.field} >= ? and {p.field} < "
                   f"{upper} + {STEP[p.bucket].split(' (')[0]}",
                   f"a range on the plain column is what an ordinary index on {p.field} serves (ESR: the range "
                   f"after the equality columns); a function of the column would need an expression index for "
                   f"each bucket size; the parameter is the bucket's first instant, buckets in UTC", p.span,
                   payload=Bucket(field=p.field, bucket=p.bucket, role="range"))
    for k in q.group:
        if k.bucket is None:
            continue
        ctx.decide("SC-BKT-01", Subject.of_pattern(q.name, q.entity),
                   f"group by {k.bucket}({k.field}): the bucket's first instant in UTC "
                   f"(weeks ISO 8601, Monday first)",
                   "the group key is a timestamp that can be passed back as the parameter of a bucket "
                   "predicate; computed per row from the column the index returns", k.span,
                   payload=Bucket(field=k.field, bucket=k.bucket, role="group"))


Planned = tuple[PatternPlan, RelationalAccess]


def combine_branches(ctx: Ctx, queries: tuple[Query, ...], plans: list[Planned]) -> list[Planned]:
    """Fold the per-entity plans of each `from A | B` into one plan whose `branches` are theirs, the neutral
    plan and its relational access alike."""
    out: list[Planned] = []
    it = iter(plans)
    for q in queries:
        names = sources(q)
        mine = [next(it) for _ in names]
        if len(names) == 1:
            out.append(mine[0])
            continue
        neutral = tuple(p.model_copy(update={"entity": e}) for (p, _), e in zip(mine, names, strict=True))
        access = tuple(a._replace(entity=e) for (_, a), e in zip(mine, names, strict=True))
        out.append((mine[0][0].model_copy(update={"entity": names[0], "branches": neutral}),
                    access[0]._replace(entity=names[0], branches=access)))
        limit = f" ORDER BY ... LIMIT {q.limit} inside each branch, then" if q.limit else ""
        ctx.decide("SC-UNI-01", Subject.of_pattern(q.name, q.entity),
                   f"one statement: UNION ALL of {len(names)} branches ({', '.join(names)}),{limit} one order "
                   f"and limit over the union; each row carries an `entity` column",
                   "one round trip, each branch keyed on its own index (the plans above) and stopping after the "
                   "limit, so the union sorts at most branches x limit rows; ids of different tables may be "
                   "equal, so the order ends with the id and the entity and the next page's cursor carries both",
                   q.span, payload=Union(entities=names, limit=q.limit))
    return out


def plan_summaries(ctx: Ctx, needs: list[QueryNeeds]) -> tuple[list[QueryNeeds], list[SummaryPlan]]:
    """Decide each grouped read over buckets; the reads a summary answers need no index on their entity."""
    summaries: list[SummaryPlan] = []
    kept: list[QueryNeeds] = []
    for qn in needs:
        plan = decide_grouped(ctx, qn) if len(sources(qn.query)) == 1 else None
        if plan is None:
            kept.append(qn)
        else:
            summaries.append(plan)
    return kept, summaries


def summary_pattern(q: Query, plan: SummaryPlan) -> Planned:
    """A read answered from its summary table: a lookup by the summary's key (the table's primary key)."""
    why = f"read from its summary table: {plan.why}"
    neutral = PatternPlan(query=q.name, entity=q.entity, operation=Operation.PRIMARY_KEY_LOOKUP,
                          structure=f"{q.name} summary key", expected_rows=plan.rows_per_call, why=why)
    return neutral, RelationalAccess(query=q.name, by_primary_key=True)


def decide_grouped(ctx: Ctx, qn: QueryNeeds) -> SummaryPlan | None:
    """A grouped read over buckets: computed per read through its index, or, hot over many rows and
    answerable from a summary, a maintained summary table (SC-SUM-01)."""
    q = qn.query
    if not any(k.bucket for k in q.group):
        return None
    e = ctx.entity(q.entity)
    ranges = [p.model_copy(update={"op": "between"}) if p.bucket else p for p in q.where
              if (p.is_local and not p.is_equality) or p.bucket]
    eq = list(qn.root.eq) if qn.root is not None else []
    per_call = max(1.0, matched_rows(ctx, e, eq, ranges))
    rate = q.rate_per_s or 0.0
    load = per_call * rate
    served = "its index"
    if load < HOT_GROUPED_ROWS_PER_S:
        ctx.decide("SC-SUM-01", Subject.of_pattern(q.name, q.entity), f"computed per read through {served}",
                   f"~{count_text(per_call)} rows aggregated per call at {rate_text(q.rate_per_s)}: "
                   f"~{count_text(load)} rows/s, under {count_text(HOT_GROUPED_ROWS_PER_S)} rows/s, so a "
                   f"summary table would cost every write of {q.entity} for little", q.span,
                   payload=Summary(maintained=False, rows_per_s=load))
        return None
    reason = _not_summarisable(ctx, q)
    if reason:
        ctx.decide("SC-SUM-01", Subject.of_pattern(q.name, q.entity), f"computed per read through {served}",
                   f"~{count_text(load)} rows/s aggregated, but a summary cannot answer it: {reason}", q.span,
                   payload=Summary(maintained=False, rows_per_s=load, reason=reason))
        return None
    writes = [w for w in ctx.model.writes if w.entity == e.name]
    wrate = sum((w.rate_per_s or 0.0) * (2 if w.op in ("update", "upsert") else 1) for w in writes)
    per = "statement" if ctx.caps.statement_triggers else "row"
    tenant = ((e.tenant_field.name, None),) if e.tenant_field is not None else ()
    keys = (*tenant, *_key_order(q))
    sums = tuple((s.alias, s.steps[0]) for s in q.select if s.func == "sum")
    count = next((s.alias for s in q.select if s.func == "count"), None)
    key_text = ", ".join(f"{b}({f})" if b else f for f, b in keys)
    how = "statement-level triggers (one upsert per changed group per statement)" if per == "statement" \
        else "row triggers"
    why = (f"~{count_text(per_call)} rows aggregated per call at {rate_text(q.rate_per_s)} (~{count_text(load)} "
           f"rows/s) become one row per group; write amplification: +1 summary write per insert or delete of "
           f"{e.name}, +2 per update that moves a row between groups or buckets (+{wrate:,.1f} writes/s at the "
           f"declared rates); soft-deleted rows leave their group, restored ones return")
    ctx.decide("SC-SUM-01", Subject.of_pattern(q.name, q.entity), f"a summary table keyed by ({key_text}), kept "
               f"by {how} on {e.name} in the writing transaction; the query reads it", why, q.span,
               payload=Summary(maintained=True, rows_per_s=load, keys=keys, per=per, writes_per_s=wrate))
    return SummaryPlan(query=q.name, entity=e.name, keys=keys, sums=sums, count_alias=count, per=per,
                       writes_per_s=wrate, rows_per_call=round(min(per_call, _groups_read(ctx, q, keys)), 1),
                       why=why)


# A bucket's length in months (a month is 30.44 days on average).
_BUCKET_MONTHS = {"day": 1 / 30.44, "week": 7 / 30.44, "month": 1.0, "quarter": 3.0, "year": 12.0}


def _groups_read(ctx: Ctx, q: Query, keys: tuple[tuple[str, str | None], ...]) -> float:
    """Summary rows one call reads: one per group in its window. A key the query fixes by equality (or the
    tenant) is one value; a bucket holds the horizon's buckets, a third of them under a range (the planners'
    default); any other key its distinct values."""
    e = ctx.entity(q.entity)
    filtered = {(p.field, p.bucket): p for p in q.where}
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    groups = 1.0
    for name, bucket in keys:
        p = filtered.get((name, bucket))
        if name == tenant or (p is not None and p.is_equality):
            continue
        if bucket is not None:
            spans = max(1.0, ctx.model.settings.horizon_months / _BUCKET_MONTHS[bucket])
            groups *= spans * (RANGE_SELECTIVITY if p is not None else 1.0)
        else:
            groups *= distinct(ctx, e, name)
    return max(groups, 1.0)


def _key_order(q: Query) -> list[tuple[str, str | None]]:
    """The summary's key after the tenant (ESR): group keys the query filters by equality, then those it
    filters by a bucket range, then the rest."""
    filtered = {(p.field, p.bucket): p for p in q.where}
    keys = [(k.field, k.bucket) for k in q.group]

    def rank(key: tuple[str, str | None]) -> int:
        p = filtered.get(key)
        return 2 if p is None else 1 if p.bucket is not None else 0

    return sorted(keys, key=rank)


def _not_summarisable(ctx: Ctx, q: Query) -> str:
    e = ctx.entity(q.entity)
    if q.include or any(len(k.steps) != 1 or not k.entities for k in q.group):
        return "a group key is a path or an alias"
    for s in q.select:
        if s.func is None and (s.steps, s.bucket) not in {(k.steps, k.bucket) for k in q.group}:
            return f"`{s.alias}` is not a group key"
        if s.func not in (None, "count", "sum") or s.relation is not None:
            return f"{s.func}() cannot be kept incrementally through deletes (count and sum can)"
        if s.func == "sum":
            f = e.field(s.steps[0]) if s.steps else None
            if f is None or f.optional:
                return f"sum({s.steps[0] if s.steps else ''}) over an optional field (NULL is not 0)"
        if s.func == "count" and s.steps:
            return "count(field) counts non-NULL values only"
    grouped = {(k.field, k.bucket) for k in q.group}
    for p in q.where:
        if not p.is_local or p.is_constant or (p.field, p.bucket) not in grouped or \
                (p.bucket is None and p.op != "="):
            return f"the filter on {p.field} is not an equality or a bucket of a group key"
    return ""
