"""The SDL 1.2 constructs (§5.2): time buckets no index serves, unions of very unequal branches, partial
updates nobody reads, and expiring rows other rows hold on to with `restrict`."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, count, listing, rule
from schemac.compiler.model import Entity, Include, OnDelete
from schemac.diagnostics import Severity

W, I = Severity.WARNING, Severity.INFO
SKEW = 100  # a union whose largest branch holds (or inserts) this many times its smallest's rows is skewed
# rules that run without the design but read it when given (its indexes replace the declared ones)
READS_DESIGN_WHEN_GIVEN = frozenset({"SC0360"})


# -- a bucket over a field no index leads with -------------------------------------------------------------


@rule("SC0360", "bucket-without-index", W,
      template="query `{query}` selects {entity} rows by `{bucket}({field})`, but no index {serves}: each call "
               "scans {rows} rows",
      rationale="A bucket predicate is a range on its field (`quarter(placed_at) = ?` is placed_at within one "
                "quarter); only an index whose columns are the query's equalities and then the field serves it, "
                "otherwise every call reads the whole table.",
      fix="Add an index with the query's equality fields first and the bucketed field next, as in "
          "`index (rep, placed_at)`, or let the design derive it from the query.",
      references=("REL-I01", "MDB-P04"))
def bucket_without_index(ctx: Context) -> Iterator[Finding]:
    for q in ctx.model.queries:
        e = ctx.entities.get(q.entity)
        rows = ctx.rows(q.entity)
        if e is None or rows is None or rows <= ctx.config.large_table_rows or q.is_union:
            continue
        if ctx.design is not None and ctx.design.layout.family == "relational" and \
                ctx.design.relational.summary(q.name) is not None:
            continue  # a maintained summary answers it (SC-SUM-01): no scan of the entity
        eq = {p.field for p in q.where if p.is_local and p.op in ("=", "in") and p.bucket is None}
        keys = _index_keys(ctx, e)
        pinned = eq | ({e.tenant_field.name} if e.tenant_field else set())
        for p in q.where:
            if p.bucket is None or not p.is_local or any(_serves(k, pinned, p.field) for k in keys):
                continue
            serves = (f"has `{p.field}` right after the query's equalities ({', '.join(sorted(eq))})" if eq
                      else f"leads with `{p.field}`")
            yield Finding(ctx.word_span(p.span, p.bucket), {
                "query": q.name, "entity": e.name, "bucket": p.bucket, "field": p.field, "serves": serves,
                "rows": count(rows)},
                help=f"add `index ({', '.join([*sorted(eq), p.field])})` to `{e.name}`")


def _index_keys(ctx: Context, e: Entity) -> list[tuple[str, ...]]:
    """The design's indexes of `e` when lint has the design; else its primary key, declared indexes and
    uniques, the indexes its references get, and the equality-then-order index each plain query suggests."""
    tenant = (e.tenant_field.name,) if e.tenant_field else ()
    if ctx.design is not None and ctx.design.layout.family == "relational":
        return [e.primary_key, *(tuple(p.field for p in ix.parts) for ix in ctx.design.relational.indexes_of(e.name)
                                 if not ix.where)]
    keys = [e.primary_key, *(tuple(p.field for p in ix.parts) for ix in e.indexes if not ix.where)]
    keys += [u.fields for u in e.uniques if not u.where]
    keys += [(*tenant, f.name) for f in e.references]
    for q in ctx.model.queries:
        if q.entity != e.name or q.is_union or any(p.bucket for p in q.where):
            continue
        eq = [p.field for p in q.where if p.is_local and p.op in ("=", "in")]
        ranged = [p.field for p in q.where if p.is_local and p.is_range]
        order = [k.field for k in q.order if len(k.entities) == 1]
        keys.append((*tenant, *eq, *(order or ranged)[:1]))
    return keys


def _serves(key: tuple[str, ...], eq: set[str], field: str) -> bool:
    """Whether `key`, past columns the query pins with equalities (the tenant among them), is led by `field`."""
    for column in key:
        if column == field:
            return True
        if column not in eq:
            return False
    return False


# -- a union of very unequal branches ----------------------------------------------------------------------


@rule("SC0361", "union-skewed-branches", I,
      template="query `{query}` reads {entities} as one list, but {big} {amount}, {ratio} times as many as {small}",
      rationale="`from A | B` merges its branches under one order and limit: when one branch is a hundred times "
                "larger or busier, the list is nearly all that branch, the small one's rows are buried, and the "
                "large one's cost sets every call's cost.",
      fix="Read the small entity with a query of its own, or give the large branch a narrower `where` (a "
          "shorter period, a status) so the branches are comparable.",
      references=("MDB-P07", "(original)"))
def union_skewed_branches(ctx: Context) -> Iterator[Finding]:
    inserts = _insert_rates(ctx)
    for q in ctx.model.queries:
        if not q.is_union:
            continue
        for measure, values in (("holds", {s: ctx.rows(s) for s in q.sources}),
                                ("inserts", {s: inserts.get(s) for s in q.sources})):
            known = {s: v for s, v in values.items() if v}
            if len(known) < 2:
                continue
            big, small = max(known, key=known.__getitem__), min(known, key=known.__getitem__)
            ratio = known[big] / known[small]
            if ratio < SKEW:
                continue
            amount = f"{measure} {count(known[big])} rows{'/s' if measure == 'inserts' else ''}"
            yield Finding(ctx.word_span(ctx.clause_span(q, "from"), small), {
                "query": q.name, "entities": listing(q.sources), "big": big, "amount": amount,
                "ratio": count(ratio), "small": small},
                help=f"read {small} with a query of its own, or narrow {big}'s rows in `{q.name}`")
            break


def _insert_rates(ctx: Context) -> dict[str, float]:
    rates: dict[str, float] = {}
    for w in ctx.model.writes:
        if w.op in ("insert", "upsert") and w.rate_per_s:
            rates[w.entity] = rates.get(w.entity, 0.0) + w.rate_per_s
    return rates


# -- a partial update nobody reads ---------------------------------------------------------------------------


@rule("SC0362", "partial-update-unread", W,
      template="write `{write}` changes {fields} of {entity}, but no query filters, orders, groups, selects or "
               "includes {them}",
      rationale="A write whose every changed field no read ever looks at is either dead code or a sign that the "
                "read that needs it was never declared; undeclared reads get no index and no plan.",
      fix="Declare the query that reads the field, or drop the write (or the field).",
      references=("(original)",))
def partial_update_unread(ctx: Context) -> Iterator[Finding]:
    read_whole = _read_whole(ctx)
    for w in ctx.model.writes:
        if not w.fields or w.entity in read_whole:
            continue
        if any(m.how in _READS for f in w.fields for m in ctx.usage.of(w.entity, f)):
            continue
        yield Finding(ctx.word_span(w.span, w.fields[0], lines=w.span.end_line - w.span.line + 1), {
            "write": w.name, "entity": w.entity, "fields": ", ".join(f"`{f}`" for f in w.fields),
            "them": "it" if len(w.fields) == 1 else "any of them"},
            help=f"declare the query that reads {', '.join(w.fields)}, or remove `{w.name}`")


_READS = frozenset({"where", "path", "order", "group", "select", "aggregate"})


def _read_whole(ctx: Context) -> set[str]:
    """Entities some read returns whole rows of: a query without `select` or `group`, an include without a
    field list."""
    out: set[str] = set()

    def visit(inc: Include) -> None:
        if not inc.fields:
            out.add(inc.entity)
        for nested in inc.nested:
            visit(nested)

    for q in ctx.model.queries:
        if not q.select and not q.group:
            out.update(q.sources)
        for inc in q.include:
            visit(inc)
    return out


# -- expiring rows that others reference with restrict -------------------------------------------------------


@rule("SC0363", "expires-restricted", W,
      template="`{child}.{field}` references `{entity}` with ON DELETE restrict, but `{entity}` rows expire "
               "(`@expires` on `{expires}`): the purge fails on every expired {entity} a {child} still references",
      rationale="Expiry is a hard delete, even under soft deletes: a restricting foreign key makes the batched "
                "purge fail (or stop) at the first expired row still referenced, so expired rows pile up.",
      fix="Let the reference follow the expiry (`@owner` or `@on_delete(cascade)`), or clear it "
          "(`@on_delete(set_null)` on an optional reference), or do not expire the entity.",
      references=("D13", "DDB-T02"))
def expires_restricted(ctx: Context) -> Iterator[Finding]:
    for e in ctx.model.entities:
        if e.expires is None:
            continue
        for child, f in ctx.model.children_of(e.name):
            if f.on_delete is not OnDelete.RESTRICT:
                continue
            way = "`@on_delete(set_null)`" if f.optional else "`@on_delete(cascade)` (or make it optional and "
            way += "" if f.optional else "`@on_delete(set_null)`)"
            yield Finding(ctx.field_span(child, f), {
                "child": child.name, "field": f.name, "entity": e.name, "expires": e.expires},
                help=f"give `{child.name}.{f.name}` {way}, or drop `@expires` from {e.name}")

