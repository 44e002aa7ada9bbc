"""Access patterns: reads no index serves, unbounded ordered reads, pagination that needs OFFSET, and
includes that fetch an unbounded number of children."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from schemac.compiler.check.base import Context, Finding, count, rule
from schemac.compiler.model import Entity, FieldKind, Include, Query
from schemac.diagnostics import Severity

if TYPE_CHECKING:
    from schemac.compiler.design.model import Design

W = Severity.WARNING


@rule("SC0345", "unserved-query", W,
      template="query `{query}` is served by no index on {target}: {consequence}",
      rationale="A read that no index or key serves scans the whole table (DynamoDB: a Scan) on every call, "
                "which grows with the data instead of with the result.",
      fix="Change the `where` so that it starts with fields an index can lead with (equality first, then one "
          "range), or mark a rare export `batch`.",
      references=("REL-I01", "DDB-A01", "MDB-I01", "sc 3001-3016 (query rules, closest)"), needs_design=True)
def unserved_query(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None:
        return
    for q in ctx.model.queries:
        plan = design.pattern(q.name)
        if plan is None or not plan.full_scan:
            continue
        rows = ctx.rows(q.entity)
        consequence = f"each call scans {count(rows)} {q.entity} rows" if rows else f"each call scans {q.entity}"
        if q.rate_per_s:
            consequence += f", {q.rate_per_s:g} times a second"
        why = f" ({plan.why})" if plan.why else ""
        yield Finding(ctx.pattern_span(q), {"query": q.name, "target": design.target,
                                            "consequence": consequence + why})


def estimate_rows(ctx: Context, q: Query) -> float | None:
    """Rows the query's `where` matches at the horizon: the design's estimate, else one for a unique lookup,
    rows per parent for a reference, a declared conditional volume, or a share of an enum."""
    plan = ctx.design.pattern(q.name) if ctx.design else None
    if plan is not None and plan.expected_rows is not None:
        return plan.expected_rows
    total = ctx.rows(q.entity)
    if total is None:
        return None
    if q.returns_one:
        return 1.0
    e = ctx.entities[q.entity]
    est = total
    for p in q.where:
        first = e.field(p.steps[0])
        if first is None:
            continue
        matched = p.is_equality or (len(p.steps) > 1 and p.op in ("=", "in"))
        if first.kind is FieldKind.REFERENCE and first.target and matched:
            per = ctx.per_parent(e.name, first.target)
            if per is not None:
                est = min(est, per)
        elif p.is_local and p.op == "=" and first.scalar is not None and first.scalar.values:
            est = min(est, total / len(first.scalar.values))
        for cv in e.volume.conditional:
            if any(c.steps == p.steps and c.op == p.op and repr(c.value) == repr(p.value) for c in cv.where):
                est = min(est, cv.rows)
    return est


@rule("SC0346", "order-without-limit", W,
      template="query `{query}` orders {entity} rows without `limit`: {estimate}",
      rationale="An ordered read without a limit returns every match, sorted, on every call; on a growing table "
                "that is a response that grows without bound and a sort the database repeats each time.",
      fix="Add `limit N` (the generated code then pages by keyset), or narrow the `where`.",
      references=("REL-I02", "DDB-A04", "sc 3001 (SELECT *, closest)", "(original)"))
def order_without_limit(ctx: Context) -> Iterator[Finding]:
    for q in ctx.model.queries:
        if not q.order or q.limit is not None or q.batch or q.returns_one or q.group:
            continue
        e = ctx.entities[q.entity]
        growing = e.volume.declared and (e.volume.per_month > 0 or
                                         e.volume.at_horizon > ctx.config.large_table_rows)
        if not growing:
            continue
        est = estimate_rows(ctx, q)
        if est is not None and est <= ctx.config.max_result_rows:
            continue
        growth = f"{e.name} grows to {count(e.volume.at_horizon)} rows in {ctx.horizon}"
        matched = f", and about {count(est)} of them match each call" if est is not None and \
            est < e.volume.at_horizon else ", and every one of them matches"
        yield Finding(ctx.clause_span(q, "order"), {"query": q.name, "entity": e.name,
                                                    "estimate": growth + matched},
                      help=f"add `limit 50` (or the page size the screen shows) to `{q.name}`")


@rule("SC0347", "offset-pagination", W,
      template="query `{query}` pages with `limit` but {problem}: pages past the first need OFFSET",
      rationale="Keyset pagination (`where (k, id) > (last k, last id)`) needs a sort key an index of the "
                "queried entity delivers; ordering by a computed value or another entity's field re-sorts all "
                "matches on every page and skips the earlier ones (OFFSET), slower page by page and skipping "
                "or repeating rows under concurrent writes.",
      fix="Order by fields of the queried entity that an index serves (after the equality fields), or "
          "denormalise the sort key onto the entity (a copied field or a maintained aggregate).",
      references=("REL-I02", "MDB-I01", "DDB-A03", "(original)"))
def offset_pagination(ctx: Context) -> Iterator[Finding]:
    for q in ctx.model.queries:
        if not q.order or q.limit is None or q.group or q.returns_one:
            continue
        problem = _order_problem(ctx, q)
        if problem is not None:
            yield Finding(ctx.clause_span(q, "order"), {"query": q.name, "problem": problem[0]}, help=problem[1])


def _order_problem(ctx: Context, q: Query) -> tuple[str, str] | None:
    for k in q.order:
        if not k.entities:
            return (f"orders by `{k.field}`, a computed value no index holds",
                    f"maintain `{k.field}` as a field of {q.entity} (`= count(...)`) and order by that")
        if len(k.steps) > 1:
            path = ".".join(k.steps)
            return (f"orders by `{path}`, a field of {k.entities[-1]}, which no index on {q.entity} can hold",
                    f"copy the sort key onto {q.entity}, or order by a field of {q.entity}")
    design = ctx.design
    plan = design.pattern(q.name) if design else None
    if design is None or plan is None or plan.full_scan:
        return None  # no design, or unserved-query reports it
    wanted = tuple(k.field for k in q.order)
    if plan.sort[: len(wanted)] != wanted:
        return (f"the {design.target} index it uses does not deliver `order {', '.join(wanted)}`",
                "order by the fields that follow the equality fields in an index, or report the design")
    return None


@rule("SC0349", "keyset-without-tiebreaker", W,
      template="query `{query}` pages `order {order}` with `limit`, but the {target} design has no unique "
               "tie-breaker for it: rows with equal {order} can be skipped or repeated between pages",
      rationale="Keyset pagination resumes after the last row seen; when the sort key is not unique, rows that "
                "tie with it are skipped or repeated unless the order (and the index serving it) ends with a "
                "unique key such as the primary key.",
      fix="End the order with a unique field (`order created_at desc, id desc`), or report the design: it should "
          "append the primary key to paginated sorts.",
      references=("REL-I02", "MDB-I01", "DDB-A03", "(original)"), needs_design=True)
def keyset_without_tiebreaker(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None:
        return
    for q in ctx.model.queries:
        plan = design.pattern(q.name)
        if not q.order or q.limit is None or q.group or q.returns_one or plan is None:
            continue
        if plan.full_scan or _order_problem(ctx, q) is not None:
            continue  # unserved-query or offset-pagination reports it
        wanted = tuple(k.field for k in q.order)
        e = ctx.entities[q.entity]  # the stored tables: a natural key (SC-KEY-05) is its primary key
        unique_index = _unique_structure(design, q.name)
        if _has_unique(e, set(wanted) | set(plan.equality)) or unique_index or set(e.primary_key) & set(plan.sort):
            continue
        yield Finding(ctx.clause_span(q, "order"), {"query": q.name, "order": ", ".join(wanted),
                                                    "target": design.target},
                      help=f"write `order {', '.join(_shown(q))}, id{' desc' if q.order[-1].descending else ''}`")


def _unique_structure(design: Design, query: str) -> bool:
    """Whether the index serving the pattern is unique (relational layouts know their indexes)."""
    if design.layout.family != "relational":
        return False
    access = design.relational.pattern(query)
    return access is not None and access.index is not None and design.relational.indexes[access.index].unique


def _shown(q: Query) -> list[str]:
    return [".".join(k.steps) + (" desc" if k.descending else "") for k in q.order]


def _has_unique(e: Entity, keys: set[str]) -> bool:
    tenant = e.tenant_field.name if e.tenant_field else None
    sets = [set(e.primary_key)] + [set(u.fields) for u in e.uniques if not u.where]
    return any(s - {tenant} <= keys for s in sets if s - {tenant})


@rule("SC0348", "unbounded-include", W,
      template="query `{query}` includes every `{child}` of each {parent} without `limit`: about {n} per "
               "{parent} at the horizon",
      rationale="A to-many include without a bound fetches all children with each row; one parent with many "
                "children makes the response, the join and an embedded document grow without limit.",
      fix="Bound the include (`include Child (order created_at desc, limit 20)`), or read the children with "
          "their own paginated query.",
      references=("MDB-E04", "MDB-P02", "MDB-E08", "DDB-A04", "(original)"))
def unbounded_include(ctx: Context) -> Iterator[Finding]:
    for q in ctx.model.queries:
        for inc in q.include:
            yield from _includes(ctx, q, q.entity, inc)


def _includes(ctx: Context, q: Query, parent: str, inc: Include) -> Iterator[Finding]:
    if inc.kind == "to_many" and inc.limit is None:
        per = ctx.per_parent(inc.entity, parent)
        if per is not None and per > ctx.config.max_fanout:
            yield Finding(ctx.first_line(inc.span), {"query": q.name, "child": inc.entity, "parent": parent,
                                                     "n": count(per)},
                          help=f"write `include {inc.name} (order created_at desc, limit 20)` or page the "
                               f"{inc.entity} rows with a query of their own")
    for nested in inc.nested:
        yield from _includes(ctx, q, inc.entity, nested)
