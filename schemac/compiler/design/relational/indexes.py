"""Index planning: constraint indexes, then one index per access-pattern need unless an existing one serves
it, foreign-key indexes where nothing leads with the key (REL-I08), prefix reuse (REL-I03), INCLUDE columns
for hot narrow reads (REL-I04). Every index and every index not created is a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemac.compiler.design import codes
from schemac.compiler.design.context import Ctx, parts_text, pred_text
from schemac.compiler.design.decisions import (
    Covering,
    ForeignKeyIndex,
    IndexChoice,
    Subject,
    TenantReference,
)
from schemac.compiler.design.estimates import matched_rows
from schemac.compiler.design.model import ForeignKeyPlan, IndexPlan
from schemac.compiler.design.needs import ORIGIN_ORDER, Candidate, FkNeed, Need, Origin, Want
from schemac.compiler.design.relational.explain_index import candidate_why, index_label
from schemac.compiler.design.relational.matching import rank
from schemac.compiler.design.sizes import is_narrow, worst_key_bytes
from schemac.compiler.design.wants import junction_sides
from schemac.compiler.model import KeyPart

INCLUDE_MIN_RATE = 100.0  # reads/s from which an index-only scan is worth wider index entries
INCLUDE_MAX_COLUMNS = 3
INCLUDE_MAX_COLUMNS_BATCH = 6  # a batch export reads a large share of the table: covering saves the most
_ORIGIN_RANK = {origin: i for i, origin in enumerate(ORIGIN_ORDER)}


@dataclass
class IndexResult:
    indexes: tuple[IndexPlan, ...]
    needs: list[Need]
    chosen: dict[int, int | None] = field(default_factory=dict)  # need -> index position; None: primary key
    loose: set[int] = field(default_factory=set)  # needs served by a bounding prefix only


class _Builder:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.cands: list[Candidate] = []
        self.needs: list[Need] = []
        self._by_entity: dict[str, list[Candidate]] = {}  # candidates compete only within their entity
        self._by_identity: dict[tuple[object, ...], Candidate] = {}  # what makes two candidates the same index

    def of(self, entity: str) -> list[Candidate]:
        return self._by_entity.setdefault(entity, [])

    def remove(self, c: Candidate) -> None:
        _drop(self.cands, c)
        _drop(self._by_entity[c.entity], c)
        key = _identity(c)
        if self._by_identity.get(key) is c:
            del self._by_identity[key]

    # -- candidates ----------------------------------------------------------------------------------------
    def add(self, c: Candidate) -> Candidate:
        key = _identity(c)
        d = self._by_identity.get(key)
        if d is not None:
            if d.live_only and not c.live_only:
                d.live_only = False  # one full index serves live-row reads too
                d.ranks.clear()  # ranked as live-only so far
                label = index_label(d)
                self.ctx.decide("REL-I08", Subject.of_index(d.entity, label), "kept over all rows, not live rows "
                                "only", "the same columns also carry a foreign key, whose checks see deleted rows",
                                d.span, payload=IndexChoice(action="all_rows", structure=label, unique=d.unique))
            return d
        self.cands.append(c)
        self.of(c.entity).append(c)
        self._by_identity[key] = c
        return c

    def new(self, entity: str, parts: tuple[KeyPart, ...], origin: Origin, **kw: Any) -> Candidate:
        return self.add(Candidate(entity=entity, parts=parts, origin=origin, seq=len(self.cands), **kw))

    def fixed(self, fks: list[ForeignKeyPlan]) -> None:
        ctx = self.ctx
        for e in ctx.model.entities:
            self.new(e.name, _keys(ctx.primary_key(e.name)), "primary", unique=True, fixed=True)
            for u in e.uniques:
                live = e.soft_delete
                self.new(e.name, _keys(u.fields), "unique", unique=True, where=u.where, live_only=live,
                         fixed=True, rule="REL-I05" if live or u.where else "SC-KEY-01", span=u.span,
                         why=_unique_why(u.origin, live, ctx.caps.partial_indexes))
            for ix in e.indexes:
                self.new(e.name, ix.parts, "declared", where=ix.where, live_only=e.soft_delete, fixed=True,
                         rule="SC-KEY-02", span=ix.span, why="declared in the model")
            sides = junction_sides(e) if e.junction else None
            if sides is not None:
                lead = (e.tenant_field.name,) if e.tenant_field is not None else ()
                self.new(e.name, _keys((*lead, sides[1], sides[0])), "foreign_key", fixed=True, rule="REL-I08",
                         span=e.span, why=f"reverse direction of the junction: the {sides[0]}s of one "
                                          f"{sides[1]}, index-only; also the {sides[1]} foreign key")
        self._tenant_targets(fks)
        self._search_fields()
        self._drop_redundant_declared()

    def _drop_redundant_declared(self) -> None:
        """A declared index that another index already starts with is not created (REL-I03)."""
        for c in [c for c in self.cands if c.origin == "declared"]:
            cover = next((d for d in self.of(c.entity) if d is not c
                          and (d.where_keys, d.method, d.live_only) == (c.where_keys, c.method, c.live_only)
                          and d.parts[:len(c.parts)] == c.parts
                          and (len(d.parts) > len(c.parts) or d.unique)), None)
            if cover is None:
                continue
            self.remove(c)
            label, by = index_label(c), index_label(cover)
            self.ctx.decide("REL-I03", Subject.of_index(c.entity, label),
                            f"declared, not created: {'unique ' if cover.unique else ''}{by} "
                            "already starts with its columns",
                            "a second B-tree over the same leading columns costs every write and serves no "
                            "lookup the other does not", c.span,
                            payload=IndexChoice(action="declared_not_created", structure=label, unique=c.unique,
                                                covered_by=by))

    def _tenant_targets(self, fks: list[ForeignKeyPlan]) -> None:
        """A unique index on the columns foreign keys reference where they are not the primary key: (tenant,
        id) where the key is (id), and (id) where a single-column key (SET NULL fallback) meets (tenant, id)."""
        targets: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for fk in fks:
            if fk.target_columns != self.ctx.primary_key(fk.target) and \
                    (len(fk.target_columns) > 1 or len(self.ctx.primary_key(fk.target)) > 1):
                targets.setdefault((fk.target, fk.target_columns), []).append(f"{fk.entity}.{fk.field}")
        for e in self.ctx.model.entities:
            for (target, columns), refs in targets.items():
                if target != e.name:
                    continue
                what = "composite tenant foreign keys" if len(columns) > 1 else \
                    "single-column foreign keys (no SET NULL of one column of a composite key)"
                self.new(e.name, _keys(columns), "unique", unique=True, fixed=True, rule="SC-TEN-01",
                         span=e.span, why=f"target of {what} ({', '.join(refs)})")

    def _search_fields(self) -> None:
        for e in self.ctx.model.entities:
            for f in e.fields:
                if not f.search:
                    continue
                if not self.ctx.caps.full_text:
                    self.ctx.diags.report(codes.NO_FULL_TEXT, f.span, entity=e.name, field=f.name,
                                          workaround="serve @search from a search engine fed by the table")
                    continue
                self.new(e.name, _keys((f.name,)), "search", method="fulltext", live_only=e.soft_delete,
                         fixed=True, rule="SC-FTS-01", span=f.span, why="@search: full-text index")

    # -- needs -----------------------------------------------------------------------------------------------
    def rank(self, c: Candidate, i: int) -> tuple[int, ...] | None:
        """`rank(ctx, c, needs[i])`, computed once per candidate and need."""
        ranks = c.ranks
        if i in ranks:
            return ranks[i]
        r = ranks[i] = rank(self.ctx, c, self.needs[i])
        return r

    def best(self, i: int, among: list[Candidate] | None = None) -> Candidate | None:
        """The best candidate for `needs[i]` (the first of the lowest rank), or None when none meets it."""
        found, low = None, None
        for c in among if among is not None else self.of(self.needs[i].entity):
            r = c.ranks[i] if i in c.ranks else self.rank(c, i)  # the memo read here: called per candidate
            if r is not None and (low is None or r < low):
                found, low = c, r
        return found

    def place(self, need: Need) -> None:
        pos = len(self.needs)
        self.needs.append(need)
        found = self.best(pos)
        if found is None:
            found = self._create(need)
        found.needs.append(pos)

    def _create(self, need: Need) -> Candidate:
        if isinstance(need, FkNeed):
            return self.new(need.entity, _keys(need.columns), "foreign_key", rule="REL-I08", span=need.span,
                            why=f"foreign key {need.entity}.{need.field} -> {need.target}: joins and the "
                                f"parent's delete checks")
        parts = need.parts
        origin: Origin = "search" if need.method == "fulltext" else "access_pattern"
        c = Candidate(entity=need.entity, parts=parts, origin=origin, seq=len(self.cands),
                      where=need.where, live_only=need.live, method=need.method, span=need.span,
                      counts=need.counts and need.live and self.ctx.caps.partial_indexes)
        c.rule, c.why = candidate_why(self.ctx, c, need)
        return self.add(c)

    # -- reduction (REL-I03) --------------------------------------------------------------------------------
    def reduce(self) -> None:
        for c in sorted((c for c in self.cands if not c.fixed), key=lambda c: (len(c.parts), c.seq)):
            others = [d for d in self.of(c.entity) if d is not c]
            replacement: dict[int, Candidate] = {}
            for i in c.needs:
                d = self._equal_or_better(c, i, others)
                if d is None:
                    break
                replacement[i] = d
            else:
                if not c.needs:
                    continue
                self.remove(c)
                for i, d in replacement.items():
                    d.needs.append(i)
                self._record_drop(c, replacement)

    def _equal_or_better(self, c: Candidate, i: int, others: list[Candidate]) -> Candidate | None:
        own = self.rank(c, i)
        d = self.best(i, others)
        if d is None or own is None:
            return d
        other = self.rank(d, i)
        return d if other is not None and other[0] <= own[0] else None

    def _record_drop(self, c: Candidate, replacement: dict[int, Candidate]) -> None:
        targets = list(dict.fromkeys(id(d) for d in replacement.values()))
        kept = [d for d in self.of(c.entity) if id(d) in targets]
        prefix = all(d.fields[:len(c.fields)] == c.fields for d in kept)
        names = "; ".join(index_label(d) + (" over live rows" if d.live_only and not c.live_only else "")
                          for d in kept)
        covered_by = "; ".join(index_label(d) for d in kept)
        label = index_label(c)
        self.ctx.decide("REL-I03", Subject.of_index(c.entity, label),
                        f"not created: {'left prefix of' if prefix else 'its patterns are served by'} {names}",
                        "one index fewer to maintain on every write; the longer index serves the same lookups",
                        c.span, payload=IndexChoice(action="not_created", structure=label, unique=c.unique,
                                                    covered_by=covered_by))

    # -- final choice ------------------------------------------------------------------------------------------
    def choose(self) -> dict[int, Candidate]:
        chosen: dict[int, Candidate] = {}
        for i in range(len(self.needs)):
            c = self.best(i)
            if c is not None:
                chosen[i] = c
        used = {id(c) for c in chosen.values()}
        for c in [c for c in self.cands if not c.fixed and id(c) not in used]:
            self.remove(c)
        return chosen


def _drop(items: list[Candidate], c: Candidate) -> None:
    """Remove `c` itself. (`list.remove` compared it field by field with every candidate before it: two
    candidates are never equal, as `add` keeps one per identity, but the comparisons were quadratic.)"""
    for i, d in enumerate(items):
        if d is c:
            del items[i]
            return
    raise ValueError("not a candidate")


def _keys(fields: tuple[str, ...]) -> tuple[KeyPart, ...]:
    return tuple(KeyPart(field=f) for f in fields)


def _identity(c: Candidate) -> tuple[object, ...]:
    """Candidates equal on this are one index (`KeyPart`s compare by field and direction)."""
    return (c.entity, tuple([(p.field, p.descending) for p in c.parts]), c.unique, c.where_keys, c.method,
            c.counts)


def _unique_why(origin: str, live: bool, partial: bool) -> str:
    src = {"declared": "declared unique", "field": "@unique field", "junction": "junction key"}[origin]
    if not live:
        return src
    how = "partial WHERE deleted_at IS NULL" if partial else "emulated: generated live-row column after the key"
    return f"{src}, among live rows only ({how}): a deleted row does not block re-creating it"


def plan_indexes(ctx: Ctx, fks: list[ForeignKeyPlan], roots: list[Want], aux: list[Want],
                 writes: list[Want]) -> IndexResult:
    b = _Builder(ctx)
    b.fixed(fks)
    hot = [w for w in (*roots, *writes) if not w.low_rate]
    low = [w for w in (*roots, *writes, *aux) if w.low_rate]
    for w in hot:
        b.place(w)
    for n in fk_needs(ctx, fks):
        b.place(n)
    for w in aux:
        if not w.low_rate:
            b.place(w)
    for w in low:
        b.place(w)
    b.reduce()
    chosen = b.choose()
    add_includes(ctx, b.needs, chosen)
    return finish(ctx, b, chosen)


def fk_needs(ctx: Ctx, fks: list[ForeignKeyPlan]) -> list[FkNeed]:
    out: list[FkNeed] = []
    for fk in fks:
        e = ctx.entity(fk.entity)
        if e.tenant_field is not None and fk.columns == (e.tenant_field.name,):
            continue  # the tenant reference on its own: every tenant-scoped index leads with it
        f = e.field(fk.field)
        parent = ctx.entity(fk.target)
        out.append(FkNeed(entity=fk.entity, field=fk.field, columns=fk.columns, target=fk.target,
                          parent_soft=parent.soft_delete, span=f.span if f is not None else None))
    return out


def add_includes(ctx: Ctx, needs: list[Need], chosen: dict[int, Candidate]) -> None:
    for i, w in enumerate(needs):
        if not isinstance(w, Want) or w.role != "root" or not w.select or (
                (w.rate or 0) < INCLUDE_MIN_RATE and not w.batch):
            continue
        c = chosen.get(i)
        if c is None or c.primary or c.method != "btree" or rank(ctx, c, w) is None:
            continue
        _include(ctx, c, w)


def _include(ctx: Ctx, c: Candidate, w: Want) -> None:
    e = ctx.entity(w.entity)
    missing = [f for f in w.select if f not in c.fields and f not in c.include]
    subject = Subject.of_pattern(w.source, w.entity)
    label = index_label(c)
    if not missing:
        ctx.decide("REL-I04", subject, f"index-only scan on {label}",
                   "every selected column is already a key column", w.span,
                   payload=Covering(structure=label, index_only=True))
        return
    fields = [e.field(f) for f in missing]
    most = INCLUDE_MAX_COLUMNS_BATCH if w.batch else INCLUDE_MAX_COLUMNS
    if len(w.select) > most or any(f is None or not is_narrow(ctx.model, f) for f in fields):
        ctx.decide("REL-I04", subject, "no INCLUDE columns",
                   f"covering pays off for at most {most} narrow columns (fixed-width or "
                   f"string(n <= 64)); {', '.join(w.select)} is wider", w.span,
                   payload=Covering(structure=label, index_only=False))
        return
    if len(c.parts) + len(c.include) + len(missing) > ctx.caps.max_index_columns:
        ctx.decide("REL-I04", subject, "no INCLUDE columns", "the index would exceed the target's column limit",
                   w.span, payload=Covering(structure=label, index_only=False))
        return
    c.include = (*c.include, *missing)
    how = "INCLUDE" if ctx.caps.include_columns else "trailing key parts (the target has no INCLUDE)"
    reason = ("a batch read of a large share of the table: without covering, the planner would rather scan "
              "the whole table than visit it row by row" if w.batch else
              f"{w.rate:,.0f}/s >= {INCLUDE_MIN_RATE:,.0f}/s and at most {most} narrow columns selected: "
              "skipping the heap visit beats the wider entries")
    ctx.decide("REL-I04", subject, f"{how} ({', '.join(missing)}) on {label}: index-only scan",
               reason, w.span, payload=Covering(structure=label, include=tuple(missing), index_only=True))


def _sort_key(order: dict[str, int], c: Candidate) -> tuple[object, ...]:
    return (order[c.entity], _ORIGIN_RANK[c.origin], tuple([(p.field, p.descending) for p in c.parts]),
            c.method, tuple(sorted(pred_text(p) for p in c.where)) if c.where else (), c.live_only)


def finish(ctx: Ctx, b: _Builder, chosen: dict[int, Candidate]) -> IndexResult:
    order = {e.name: i for i, e in enumerate(ctx.model.entities)}
    final = sorted((c for c in b.cands if not c.primary), key=lambda c: _sort_key(order, c))
    position = {id(c): i for i, c in enumerate(final)}
    names = [q.name for q in ctx.model.queries] + [w.name for w in ctx.model.writes]
    rank_of = {n: i for i, n in enumerate(names)}
    serves: dict[int, set[str]] = {}
    result = IndexResult(indexes=(), needs=b.needs)
    for i, c in chosen.items():
        need = b.needs[i]
        result.chosen[i] = position.get(id(c))
        if isinstance(need, Want):
            serves.setdefault(id(c), set()).add(need.source)
            r = b.rank(c, i)  # as ranked in `choose`: INCLUDE columns added since do not make it strict or loose
            if r is not None and r[0] == 1:
                result.loose.add(i)
    plans = []
    for c in final:
        served = tuple(sorted(serves.get(id(c), ()), key=lambda n: (rank_of.get(n, len(rank_of)), n)))
        plans.append(IndexPlan(entity=c.entity, parts=c.parts, unique=c.unique, where=c.where,
                               live_only=c.live_only, include=c.include, method=c.method,
                               origin=c.origin, serves=served, why=c.why))
        _check_key(ctx, c)
        _record_index(ctx, c, served)
    result.indexes = tuple(plans)
    _record_fks(ctx, b, chosen)
    return result


def _record_index(ctx: Ctx, c: Candidate, served: tuple[str, ...]) -> None:
    what = "full-text index" if c.method == "fulltext" else ("unique index" if c.unique else "index")
    extra = []
    if c.where:
        extra.append(f"where {' and '.join(pred_text(p) for p in c.where)}")
    if c.live_only:
        extra.append("live rows")
    if c.include:
        extra.append(f"include ({', '.join(c.include)})")
    if served:
        extra.append(f"serves {', '.join(served)}")
    tail = f"; {'; '.join(extra)}" if extra else ""
    label = index_label(c)
    ctx.decide(c.rule, Subject.of_index(c.entity, label), f"create {what}{tail}", c.why, c.span,
               payload=IndexChoice(action="create", structure=label, unique=c.unique))


def _record_fks(ctx: Ctx, b: _Builder, chosen: dict[int, Candidate]) -> None:
    for i, need in enumerate(b.needs):
        if not isinstance(need, FkNeed):
            continue
        c = chosen[i]
        subject = Subject.of_reference(need.entity, need.field)
        cols = ", ".join(need.columns)
        if c.origin == "foreign_key" and c.needs and c.needs[0] == i:
            ctx.decide("REL-I08", subject, f"index ({cols}) for the foreign key",
                       "no other index leads with the key columns; PostgreSQL does not index them by itself, "
                       "InnoDB would add one silently", need.span,
                       payload=ForeignKeyIndex(columns=tuple(need.columns)))
        else:
            why = "its leading columns are the foreign key's"
            if c.live_only and ctx.caps.partial_indexes:
                why += f"; live rows suffice: {need.target} is soft-deleted, so FK checks run only in purges"
                why += _purge_cost(ctx, b, need)
            label = index_label(c)
            ctx.decide("REL-I08", subject, f"no separate index: ({cols}) is covered by {label}",
                       why, need.span, payload=ForeignKeyIndex(columns=tuple(need.columns), covered_by=label))
    _record_tenant_reference(ctx, b)


def _purge_cost(ctx: Ctx, b: _Builder, need: FkNeed) -> str:
    """What purging one parent row costs when its foreign key is covered by a live-row partial index only:
    the check cannot use a partial index, so it reads what the longest full index prefix bounds."""
    e = ctx.entity(need.entity)
    best: tuple[int, Candidate] | None = None
    for d in b.of(need.entity):
        if d.method != "btree" or d.where or (d.live_only and ctx.caps.partial_indexes):
            continue
        k = next((i for i, f in enumerate(d.fields) if i >= len(need.columns) or f != need.columns[i]),
                 len(d.fields))
        if k and (best is None or k > best[0]):
            best = (k, d)
    parent = need.target
    if best is None:
        return (f"; purging one {parent} row reads all ~{matched_rows(ctx, e, ()):,.0f} {need.entity} rows "
                f"(no full index leads with {need.columns[0]}): purge in a batch job, off-peak")
    k, d = best
    scanned = matched_rows(ctx, e, need.columns[:k])
    return (f"; purging one {parent} row reads ~{scanned:,.0f} {need.entity} rows through "
            f"{index_label(d)} (its leading {', '.join(need.columns[:k])}): a full index on "
            f"({', '.join(need.columns)}) would make it one probe, at the cost of one more index on every write")


def _record_tenant_reference(ctx: Ctx, b: _Builder) -> None:
    scoped = [e for e in ctx.model.entities if e.tenant_field is not None]
    if not scoped:
        return
    tenant = scoped[0].tenant_field.name if scoped[0].tenant_field is not None else "tenant"
    bare = [e.name for e in scoped if not any(
        c.fields[:1] == (tenant,) and not c.where for c in b.of(e.name))]
    note = f"; {', '.join(bare)} have no such index (deleting a tenant scans them: an offline job)" if bare \
        else ""
    ctx.decide("REL-I08", Subject.of_model(ctx.model.settings.name),
               f"no index on the tenant reference ({tenant}) alone",
               f"every tenant-scoped index already leads with it{note}", ctx.model.settings.span,
               payload=TenantReference(tenant=tenant, unindexed=tuple(bare)))


def _check_key(ctx: Ctx, c: Candidate) -> None:
    if c.method != "btree":
        return
    e = ctx.entity(c.entity)
    widths = [worst_key_bytes(ctx.model, f, ctx.id_widths) if (f := e.field(p.field)) is not None else 0
              for p in c.parts]
    unbounded = [p.field for p, w in zip(c.parts, widths, strict=True) if w is None]
    if unbounded:
        reason = f"{', '.join(unbounded)} is unbounded text (REL-I07)"
    elif ctx.caps.max_key_bytes and sum(w or 0 for w in widths) > ctx.caps.max_key_bytes:
        reason = f"up to {sum(w or 0 for w in widths):,} bytes > {ctx.caps.max_key_bytes:,} (4 bytes a character)"
    else:
        return
    ctx.diags.report(codes.KEY_TOO_WIDE, c.span, entity=c.entity, columns=parts_text(c.parts), reason=reason)
