"""How each access pattern is served: the index (or primary key), its equality/sort/range columns, how
includes are fetched, the rows it returns, and why: a family-neutral PatternPlan plus its RelationalAccess.
Every write gets a WritePlan (with the extra writes it causes); writes that find rows by key also get a
KeyedWrite."""

from __future__ import annotations

from schemac.compiler.design import codes
from schemac.compiler.design.context import Ctx, parts_text, pred_text, rate_text
from schemac.compiler.design.decisions import Access, OptimisticCheck, Subject, WriteLoad
from schemac.compiler.design.estimates import TEXT_SELECTIVITY, distinct, matched_rows
from schemac.compiler.design.needs import Want, grouped_range
from schemac.compiler.design.plans import Cost, Operation, PatternPlan, WritePlan
from schemac.compiler.design.relational.explain_index import plan_label, served_by
from schemac.compiler.design.relational.indexes import IndexResult
from schemac.compiler.design.relational.layout import (
    AuditPlan,
    IndexPlan,
    KeyedWrite,
    MaintainedAggregate,
    RelationalAccess,
)
from schemac.compiler.design.relational.write_costs import WriteCosts, cost_text
from schemac.compiler.design.relational.writes12 import decide_partial_check
from schemac.compiler.design.wants import QueryNeeds
from schemac.compiler.model import FieldOrigin, Include, Query, Write


def plan_patterns(ctx: Ctx, all_needs: list[QueryNeeds],
                  res: IndexResult) -> list[tuple[PatternPlan, RelationalAccess]]:
    pos = {id(n): i for i, n in enumerate(res.needs)}
    return [_pattern(ctx, qn, res, pos) for qn in all_needs]


def neutral_plan(ctx: Ctx, q: Query, access: RelationalAccess, served: tuple[Operation, str | None],
                 expected: float, why: str) -> PatternPlan:
    """The family-neutral plan of one pattern, from its relational access and what serves it."""
    op, structure = served
    examined = ctx.rows(q.entity) if op is Operation.FULL_SCAN else expected
    trips = 1 + sum(1 for _, how in access.include_strategy if how == "second_query")
    cost = Cost(rows_examined=examined, index_entries=None if op is Operation.FULL_SCAN else examined)
    return PatternPlan(query=q.name, entity=q.entity, operation=op, structure=structure,
                       equality=access.equality, sort=access.sort, range=access.range, expected_rows=expected,
                       round_trips=trips, cost=cost, why=why)


def _pattern(ctx: Ctx, qn: QueryNeeds, res: IndexResult, pos: dict[int, int]) -> tuple[PatternPlan,
                                                                                      RelationalAccess]:
    q, root = qn.query, qn.root
    strategies = tuple(_strategies(ctx, q.include, ""))
    aux = [(w, res.chosen.get(pos.get(id(w), -1), -1)) for w in qn.aux]
    lookups = tuple(dict.fromkeys(i for _, i in aux if i is not None and i >= 0))
    rows = _expected_rows(ctx, q, root)
    if root is None or pos.get(id(root)) not in res.chosen:
        why = "full scan: nothing to key an index on"
        ctx.decide("SC-PAT-01", Subject.of_pattern(q.name, q.entity), why, "see the SC0404 warning", q.span,
                   payload=Access(operation=Operation.FULL_SCAN))
        access = RelationalAccess(query=q.name, include_strategy=strategies, lookups=lookups)
        return neutral_plan(ctx, q, access, (Operation.FULL_SCAN, None), rows, why), access
    i = pos[id(root)]
    index = res.chosen[i]
    by_pk = index is None
    ix = res.indexes[index] if index is not None else None
    op, structure = served_by(q.entity, by_pk, index, res.indexes)
    served = "primary key" if ix is None else structure
    bits = [_access(ctx, q, root, ix, i in res.loose), *_filters(q, root), *qn.notes]
    bits += [_aux_note(w, res.indexes[j] if j is not None and j >= 0 else None) for w, j in aux]
    bits += [_strategy_note(name, how) for name, how in strategies]
    how = "; ".join(b for b in bits if b)
    ctx.decide(_rule(root, by_pk), Subject.of_pattern(q.name, q.entity), f"served by {served}", how, q.span,
               payload=Access(operation=op, structure=structure))
    access = RelationalAccess(query=q.name, index=index, by_primary_key=by_pk, equality=root.eq,
                              sort=tuple(p.field for p in root.sort), range=(root.range,) if root.range else (),
                              include_strategy=strategies, lookups=lookups)
    return neutral_plan(ctx, q, access, (op, structure), rows, how), access


def _rule(w: Want, by_pk: bool) -> str:
    if by_pk:
        return "SC-PAT-01"
    if w.method == "fulltext":
        return "SC-FTS-01"
    return "REL-I02" if w.sort and w.limit else "REL-I01"


def _access(ctx: Ctx, q: Query, w: Want, ix: IndexPlan | None, loose: bool) -> str:
    if ix is None:
        key = ctx.primary_key(w.entity)
        if set(key) <= set(w.eq_fields):
            return "one row by its key"
        lead = [f for f in key if f in w.eq_fields]
        return f"the rows of one ({', '.join(lead)}) read through the primary key ({', '.join(key)})"
    if loose:
        lead = [p.field for p in ix.parts]
        k = next((n for n, f in enumerate(lead) if f not in w.eq_fields), len(lead))
        scanned = matched_rows(ctx, ctx.entity(w.entity), lead[:k], ix.where)
        kind = "batch" if q.batch else f"low rate ({rate_text(q.rate_per_s)})"
        return (f"{kind}: scans ~{scanned:,.0f} rows through its leading ({', '.join(lead[:k])}) instead of an "
                f"index of its own, which every write would maintain")
    if w.method == "fulltext":
        return "text match through the full-text index"
    if w.group:
        return _group_note(ctx, q, w)
    if w.sort:
        stop = f", stops after {q.limit}" if q.limit else ""
        return f"rows come in ({parts_text(w.sort)}) order{stop}" + _in_note(q)
    where = f" over the partial index ({' and '.join(pred_text(p) for p in ix.where)})" if ix.where else ""
    return ("equality lookup" if q.returns_one else "equality scan") + where


def _in_note(q: Query) -> str:
    lists = [p.field for p in q.where if p.op == "in" and p.is_local]
    if not lists:
        return ""
    return (f" per value of {', '.join(lists)}; several values are merged (`in` counts as equality: "
            f"it narrows the scan, the merge sorts at most the matched rows)")


def _filters(q: Query, w: Want) -> list[str]:
    return [f"filters {', '.join(w.filters)} on the fetched rows"] if w.filters else []


def _aux_note(w: Want, ix: IndexPlan | None) -> str:
    by = "its primary key" if ix is None else plan_label(ix)
    what = {"path": f"semi-join: {w.entity} matched", "subquery": f"the {w.entity} aggregate computed",
            "include": f"{w.entity} rows fetched"}.get(w.role, w.entity)
    return f"{what} through {by}"


def _strategy_note(name: str, how: str) -> str:
    if how == "join":
        return f"{name} joined"
    if how == "json_agg":
        return f"{name} aggregated into JSON in the same statement"
    return f"{name} by a second query (the target cannot aggregate rows into JSON)"


def _group_note(ctx: Ctx, q: Query, w: Want) -> str:
    aggs = [f"{s.func}({s.steps[0]})" for s in q.select if s.func and s.steps and s.relation is None]
    shown = {k.field: f"{k.bucket}({k.field})" for k in q.group if k.bucket}
    per = ", ".join(shown.get(f, f) for f in w.group)
    note = f"{', '.join(aggs) or 'aggregates'} per ({per}) read in index order: grouping needs no sort"
    if grouped_range(w.range, w.group, (), w.sort):
        note = (f"{', '.join(aggs) or 'aggregates'} per ({per}) read from the index over the range on {w.range}, "
                f"grouped in memory")
    if q.order and q.limit:
        keys = ", ".join(o.field for o in q.order)
        note += (f"; the top {q.limit} by {keys} are picked in memory among the groups (an index ordered by "
                 f"the aggregated column would not give one row per ({per}), so every row would still be read)")
    elif q.order:
        note += "; groups sorted in memory after aggregation"
    return note


def _strategies(ctx: Ctx, includes: tuple[Include, ...], prefix: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for inc in includes:
        name = prefix + inc.name
        if inc.kind == "to_one":
            out.append((name, "join"))
        else:
            out.append((name, "json_agg" if ctx.caps.json_aggregation else "second_query"))
        out += _strategies(ctx, inc.nested, name + ".")
    return out


def _expected_rows(ctx: Ctx, q: Query, w: Want | None) -> float:
    if q.returns_one:
        return 1.0
    e = ctx.entity(q.entity)
    preds = [p for p in q.where if p.is_local and not p.is_equality]
    eq = list(w.eq) if w is not None and w.method == "btree" else []
    if not eq:
        eq = [e.tenant_field.name] if e.tenant_field is not None else []
        eq += [p.steps[0] for p in q.where if p.is_equality or not p.is_local]
    rows = matched_rows(ctx, e, eq, [p for p in preds if p.field not in eq or p.op == "match"])
    if any(p.op == "match" for p in q.where) and not preds:
        rows *= TEXT_SELECTIVITY
    if q.group:
        groups = 1.0
        for o in q.group:
            groups *= distinct(ctx, e, o.field) if len(o.steps) == 1 else ctx.rows(o.entities[-1])
        rows = min(rows, groups)
    if q.limit is not None:
        rows = min(rows, float(q.limit))
    return round(max(rows, 1.0), 1) if rows < 100 else float(round(rows))


def plan_writes(ctx: Ctx, writes: list[tuple[Write, Want | None]], res: IndexResult,
                aggregates: list[MaintainedAggregate],
                audit: AuditPlan | None) -> tuple[list[KeyedWrite], list[WritePlan]]:
    """Every write, in model order: the row a keyed write finds (SC-PAT-02, its relational detail a KeyedWrite),
    the field a one-row update checks (SC-CON-01), and what each costs (SC-PAT-03)."""
    pos = {id(n): i for i, n in enumerate(res.needs)}
    costs = WriteCosts(ctx, res.indexes, aggregates, audit)
    plans = []
    keyed: list[KeyedWrite] = []
    for w, want in writes:
        plan = WritePlan(write=w.name, entity=w.entity, op=w.op, why="inserts a new row", cost=costs.of(w))
        if want is not None:
            k, plan = _keyed(ctx, w, want, res, pos[id(want)], plan)
            keyed.append(k)
        c = plan.cost
        ctx.decide("SC-PAT-03", Subject.of_write(w.name, w.entity), *cost_text(ctx, w, c), w.span,
                   payload=WriteLoad(rows=c.rows, index_entries=c.index_entries, rate_per_s=c.rate_per_s))
        plans.append(plan)
    return keyed, plans


def _keyed(ctx: Ctx, w: Write, want: Want, res: IndexResult, i: int,
           plan: WritePlan) -> tuple[KeyedWrite, WritePlan]:
    index = res.chosen.get(i)
    by_pk = index is None and i in res.chosen
    op, structure = served_by(w.entity, by_pk, index, res.indexes)
    served = "primary key" if by_pk else structure or "nothing"
    why = f"{w.op} by ({', '.join(want.eq)}): {served}"
    if w.op == "upsert" and not _conflict_target(ctx, want, res.indexes[index] if index is not None else None,
                                                 by_pk):
        ctx.diags.report(codes.UPSERT_WITHOUT_UNIQUE, w.span, write=w.name, fields=", ".join(w.by))
        why += " (no unique constraint to detect the existing row)"
    elif w.op == "upsert":
        why += " is the conflict target (ON CONFLICT / ON DUPLICATE KEY)"
    ctx.decide("SC-PAT-02", Subject.of_write(w.name, w.entity), f"finds its row by {served}", why, w.span,
               payload=Access(operation=op, structure=structure))
    unique = by_pk or (index is not None and res.indexes[index].unique)
    expect = _optimistic_check(ctx, w) if w.op == "update" and unique and not w.fields else None
    if w.op == "update" and unique and w.fields:
        decide_partial_check(ctx, w)
    keyed = KeyedWrite(write=w.name, index=index, by_primary_key=by_pk, columns=want.eq, why=why)
    return keyed, plan.model_copy(update={"operation": op, "structure": structure, "equality": want.eq,
                                          "why": why, "expect": expect})


def _optimistic_check(ctx: Ctx, w: Write) -> str | None:
    """SC-CON-01: a whole-row update of one row checks the row's version (or updated_at) as it was read."""
    e = ctx.entity(w.entity)
    origin = FieldOrigin.VERSION if e.versioned else FieldOrigin.UPDATED_AT
    field = next((f for f in e.fields if f.origin is origin), None)
    if field is None:
        ctx.decide("SC-CON-01", Subject.of_write(w.name, w.entity), "no optimistic check: last writer wins",
                   f"{w.entity} has neither a version nor updated_at to compare", w.span,
                   payload=OptimisticCheck(field=None))
        return None
    moves = "the version trigger bumps it on every update" if e.versioned else "updated_at moves on every change"
    ctx.decide("SC-CON-01", Subject.of_write(w.name, w.entity),
               f"optimistic check: takes expected_{field.name} and changes no row when {field.name} moved",
               f"the update rewrites every column: without the check it would silently undo a concurrent change "
               f"to another column; the caller sees 0 rows changed and re-reads ({moves})", w.span,
               payload=OptimisticCheck(field=field.name))
    return field.name


def _conflict_target(ctx: Ctx, want: Want, ix: IndexPlan | None, by_pk: bool) -> bool:
    e = ctx.entity(want.entity)
    tenant = {e.tenant_field.name} if e.tenant_field is not None else set()
    if by_pk:
        cols = set(e.primary_key)
    elif ix is not None and ix.unique:
        cols = {p.field for p in ix.parts}
    else:
        return False
    eq = set(want.eq)
    return cols <= eq and eq - cols <= tenant
