"""Extended statistics for correlated columns that patterns filter on together (issue 10 item 13d).

Every row of a tenant-scoped table references parents of its own tenant (composite foreign keys), so the
reference determines the tenant. A planner that assumes the two are independent multiplies their
selectivities and estimates a tenant + parent lookup at about one row where there are hundreds, then picks
nested loops and the wrong index. Where the target can declare the dependency (PostgreSQL's
`CREATE STATISTICS ... (dependencies)`, a capability), one statistics object per table covers the tenant and
the references that patterns filter on with it; elsewhere the design records that estimates stay
independent.
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import StatisticsPlan
from schemac.compiler.design.needs import Want
from schemac.compiler.model import FieldKind

MAX_STATISTICS_COLUMNS = 8  # PostgreSQL: at most 8 columns in one statistics object


def plan_statistics(ctx: Ctx, wants: list[Want]) -> list[StatisticsPlan]:
    filtered: dict[str, dict[str, list[str]]] = {}  # entity -> reference -> patterns filtering on it
    for w in wants:
        e = ctx.entity(w.entity)
        tenant = e.tenant_field
        if tenant is None or tenant.name not in w.eq:
            continue
        for name in w.eq:
            f = e.field(name)
            if f is not None and f.kind is FieldKind.REFERENCE and name != tenant.name:
                sources = filtered.setdefault(e.name, {}).setdefault(name, [])
                if w.source not in sources:
                    sources.append(w.source)
    out: list[StatisticsPlan] = []
    for e in ctx.model.entities:
        refs = filtered.get(e.name)
        if not refs or e.tenant_field is None:
            continue
        out += _decide(ctx, e.name, e.tenant_field.name, refs)
    return out


def _decide(ctx: Ctx, entity: str, tenant: str, refs: dict[str, list[str]]) -> list[StatisticsPlan]:
    columns = (tenant, *list(refs)[:MAX_STATISTICS_COLUMNS - 1])
    patterns = sorted({s for r in columns[1:] for s in refs[r]})
    span = ctx.entity(entity).span
    subject = f"entity {entity}"
    pairs = ", ".join(f"({tenant}, {r})" for r in columns[1:])
    if not ctx.caps.extended_statistics:
        ctx.decide("SC-STAT-01", subject, f"no extended statistics on {pairs}",
                   "the target cannot declare that a reference determines the tenant: the planner multiplies "
                   f"their selectivities and underestimates the rows of {', '.join(patterns)}", span)
        return []
    ctx.decide("SC-STAT-01", subject, f"functional-dependency statistics on ({', '.join(columns)})",
               f"each reference determines the tenant (composite foreign keys, every index leads with the "
               f"tenant): without them the planner treats {pairs} as independent and estimates about one row "
               f"where a parent has hundreds; filtered together by {', '.join(patterns)}", span)
    return [StatisticsPlan(entity=entity, fields=columns, kinds=("dependencies",), serves=tuple(patterns))]
