"""AST -> IR, part 2: access patterns (queries, writes, actions) against the resolved entities."""

from __future__ import annotations

from schemac.compiler import nodes as n
from schemac.compiler import unions
from schemac.compiler.gcpause import paused_gc
from schemac.compiler.model import (
    BUCKETS,
    NUMERIC_KINDS,
    ORDERED_KINDS,
    TEXT_KINDS,
    Action,
    Entity,
    FieldKind,
    Include,
    OrderKey,
    Param,
    Predicate,
    Query,
    SelectItem,
    Write,
)
from schemac.compiler.naming import pascal
from schemac.compiler.partial import partial_fields
from schemac.compiler.predicates import PredicateResolver
from schemac.compiler.resolve import Declarations
from schemac.diagnostics import Diagnostics, Span, did_you_mean

AGGREGATES = ("count", "sum", "min", "max", "avg")
RATE_PER_S = {"s": 1.0, "sec": 1.0, "second": 1.0, "min": 1 / 60, "minute": 1 / 60, "h": 1 / 3600,
              "hour": 1 / 3600, "day": 1 / 86400, "d": 1 / 86400}
CLAUSES = ("from", "where", "order", "group", "select", "include", "limit", "rate", "consistency", "batch")


class PatternResolver:
    def __init__(self, decls: Declarations, entities: dict[str, Entity], diags: Diagnostics) -> None:
        self.decls = decls
        self.entities = entities
        self.diags = diags
        self.preds = PredicateResolver(entities, diags, decls.dropped)

    @paused_gc()
    def resolve(self) -> tuple[list[Query], list[Write], list[Action]]:
        actions = [a for d in self.decls.actions.values() if (a := self._action(d))]
        membership: dict[str, list[str]] = {}
        for a in actions:
            for q in a.queries:
                membership.setdefault(q, []).append(a.name)
        queries = [q for d in self.decls.queries.values() if (q := self._query(d, membership.get(d.name.text, [])))]
        writes = [w for d in self.decls.writes.values() if (w := self._write(d))]
        return queries, writes, actions

    # queries --------------------------------------------------------------------------------------------
    def _query(self, d: n.QueryDecl, actions: list[str]) -> Query | None:
        clauses: dict[str, object] = {}
        spans: dict[str, Span] = {}
        for c in d.clauses:
            kind = "where" if isinstance(c, n.Where) else "rate" if isinstance(c, n.Rate) else c.kind
            if kind == "include" and kind in clauses:  # include lines add up: a long list may be split
                clauses[kind] = (*clauses[kind], *c.value)  # type: ignore[misc]
                continue
            if kind in clauses:
                self.diags.report("SC0214", c.span, clause=kind, kind="query", name=d.name.text)
                continue
            clauses[kind] = c if isinstance(c, n.Where | n.Rate) else c.value
            spans[kind] = c.span
        names = clauses.get("from")
        if not isinstance(names, tuple):
            self.diags.report("SC0207", d.name.span, query=d.name.text, reason="missing `from Entity`")
            return None
        listed = unions.sources(names, self.entities, self.diags)
        if listed is None:
            return None
        root = listed[0]
        params: dict[str, Param] = {}
        where = self.preds.where(root, clauses["where"], params) if "where" in clauses else ()  # type: ignore
        select = self._select(root, clauses.get("select", ()))  # type: ignore[arg-type]
        aliases = {s.alias: s for s in select}
        group = self._keys(root, clauses.get("group", ()), {})  # type: ignore[arg-type]
        order = self._keys(root, clauses.get("order", ()), aliases)  # type: ignore[arg-type]
        include = tuple([i for item in clauses.get("include", ()) if (i := self._include(root, item))])  # type: ignore
        seen_includes: set[str] = set()
        for inc in include:
            if inc.name in seen_includes:
                self.diags.report("SC0207", inc.span, query=d.name.text,
                                  reason=f"`{inc.name}` is included twice")
            seen_includes.add(inc.name)
        limit = self._int(clauses.get("limit"), "limit")  # type: ignore[arg-type]
        rate = self._rate(clauses.get("rate"))  # type: ignore[arg-type]
        consistency = clauses.get("consistency")
        if isinstance(consistency, n.Name) and consistency.text not in ("strong", "eventual"):
            self.diags.report("SC0207", consistency.span, query=d.name.text,
                              reason="consistency is `strong` or `eventual`")
            consistency = None
        self._check_grouping(d, select, group, spans)
        if len(listed) > 1:
            self._check_union(d, listed, clauses, aliases)
        if "batch" not in clauses and "where" not in clauses and not group:
            self.diags.report("SC0207", d.name.span, query=d.name.text,
                              reason="no `where`: every read needs a key or an index; mark an export `batch`")
        return Query(name=d.name.text, entity=root.name, sources=tuple(e.name for e in listed), where=where,
                     order=order, group=group, select=select,
                     include=include, limit=limit, rate_per_s=rate,
                     consistency=consistency.text if isinstance(consistency, n.Name) else "eventual",
                     batch="batch" in clauses,
                     returns_one=_returns_one(self.entities, listed, where, select, group, limit),
                     params=tuple(params.values()), actions=tuple(actions), span=d.span)

    def _check_union(self, d: n.QueryDecl, listed: list[Entity], clauses: dict[str, object],
                     aliases: dict[str, SelectItem]) -> None:
        for item in clauses.get("include", ()):  # type: ignore[attr-defined]
            self.diags.report("SC0207", item.span, query=d.name.text,
                              reason="a query over several entities (`from A | B`) takes no `include`")
        unions.check_fields(listed[0], listed[1:], unions.named_paths(clauses), self.entities, set(aliases),
                            self.diags)

    def _keys(self, root: Entity, items: tuple[n.KeyItem | n.Path | n.BucketCall, ...],
              aliases: dict[str, SelectItem]) -> tuple[OrderKey, ...]:
        out = []
        for item in items:
            if isinstance(item, n.BucketCall):
                key = self._bucket_key(root, item)
                if key is not None:
                    out.append(key)
                continue
            path, desc = (item.path, item.direction == "desc") if isinstance(item, n.KeyItem) else (item, False)
            if len(path.steps) == 1 and path.steps[0].text in aliases and root.field(path.text) is None:
                out.append(OrderKey(steps=(path.text,), entities=(), descending=desc, span=path.span))
                continue
            resolved = self.preds.path(root, path)
            if resolved is not None:
                steps, entities, f = resolved
                if f.kind not in (FieldKind.SCALAR, FieldKind.REFERENCE):
                    self.diags.report("SC0213", path.span, name=f.name, entity=entities[-1], value="ordering")
                    continue
                out.append(OrderKey(steps=steps, entities=entities, descending=desc, span=path.span))
        return tuple(out)

    def _bucket_key(self, root: Entity, item: n.BucketCall) -> OrderKey | None:
        resolved = self.preds.path(root, item.path)
        if resolved is None:
            return None
        steps, entities, f = resolved
        bucket = self.preds.bucket(item.func, item.path, f, entities[-1])
        if bucket is None:
            return None
        return OrderKey(steps=steps, entities=entities, bucket=bucket, span=item.span)  # type: ignore[arg-type]

    def _select(self, root: Entity, items: tuple[n.SelectItem, ...]) -> tuple[SelectItem, ...]:
        out: list[SelectItem] = []
        seen: set[str] = set()
        for item in items:
            sel = self._select_item(root, item)
            if sel is None:
                continue
            if sel.alias in seen:
                self.diags.report("SC0104", item.span, name=sel.alias, owner="select",
                                  first="an earlier item; name this one with `as`")
                continue
            seen.add(sel.alias)
            out.append(sel)
        return tuple(out)

    def _select_item(self, root: Entity, item: n.SelectItem) -> SelectItem | None:
        alias = item.alias.text if item.alias else None
        if item.func is None:
            assert item.path is not None
            resolved = self.preds.path(root, item.path)
            if resolved is None:
                return None
            steps, entities, _ = resolved
            return SelectItem(steps=steps, entities=entities, alias=alias or "_".join(steps), span=item.span)
        func = item.func.text
        if func in BUCKETS and item.path is not None:
            key = self._bucket_key(root, n.BucketCall(item.func, item.path, item.span))
            if key is None:
                return None
            return SelectItem(steps=key.steps, entities=key.entities, bucket=key.bucket,
                              alias=alias or f"{'_'.join(key.steps)}_{key.bucket}", span=item.span)
        if func not in AGGREGATES:
            self.diags.report("SC0105", item.func.span, name=func, owner="aggregates and time buckets",
                              hint=did_you_mean(func, (*AGGREGATES, *BUCKETS)))
            return None
        if item.path is None:
            if func != "count":
                self.diags.report("SC0202", item.span, func=func, field="*", type="a row")
                return None
            return SelectItem(func="count", alias=alias or "count", span=item.span)  # type: ignore[arg-type]
        head = item.path.steps[0].text
        if root.field(head) is None and head in self.entities:
            rel = self.preds.reverse_relation(root, item.path)
            if rel is None:
                return None
            child, via, field = rel
            if field is not None and not self._aggregable(func, child, field, item.path.span):
                return None
            return SelectItem(steps=(field,) if field else (), entities=(child.name,) if field else (),
                              func=func, relation=child.name, via=via,  # type: ignore[arg-type]
                              alias=alias or f"{func}_{child.name.lower()}", span=item.span)
        resolved = self.preds.path(root, item.path)
        if resolved is None:
            return None
        steps, entities, f = resolved
        if not self._aggregable(func, self.entities[entities[-1]], f.name, item.path.span):
            return None
        return SelectItem(steps=steps, entities=entities, func=func,  # type: ignore[arg-type]
                          alias=alias or f"{func}_{'_'.join(steps)}", span=item.span)

    def _aggregable(self, func: str, entity: Entity, field: str, span: Span) -> bool:
        f = entity.field(field)
        if f is None and (entity.name, field) in self.decls.dropped:
            return False
        if f is None:
            self.diags.report("SC0105", span, name=field, owner=entity.name,
                              hint=did_you_mean(field, [x.name for x in entity.fields]))
            return False
        kind = f.scalar.kind if f.scalar and f.kind is FieldKind.SCALAR else None
        ok = (func == "count" or (func in ("sum", "avg") and kind in NUMERIC_KINDS)
              or (func in ("min", "max") and kind in ORDERED_KINDS | TEXT_KINDS))
        if not ok:
            self.diags.report("SC0202", span, func=func, field=field,
                              type=kind.value if kind else f"a {f.kind.value}")
        return ok

    def _check_grouping(self, d: n.QueryDecl, select: tuple[SelectItem, ...], group: tuple[OrderKey, ...],
                        spans: dict[str, Span]) -> None:
        has_root_agg = any(s.func and not s.relation for s in select)
        grouped = {(k.steps, k.bucket) for k in group}
        if group or has_root_agg:
            for s in select:
                if s.func is None and (s.steps, s.bucket) not in grouped:
                    shown = f"{s.bucket}({'.'.join(s.steps)})" if s.bucket else '.'.join(s.steps)
                    self.diags.report("SC0207", s.span, query=d.name.text,
                                      reason=f"`{shown}` is neither grouped nor aggregated")

    def _include(self, root: Entity, item: n.IncludeItem) -> Include | None:
        name = item.name.text
        f = root.field(name)
        if f is not None and f.kind in (FieldKind.REFERENCE, FieldKind.MANY) and f.target:
            kind = "to_one" if f.kind is FieldKind.REFERENCE else "many"
            target, via = self.entities[f.target], f.name
        elif f is None and name in self.entities:
            steps = (item.name, item.via) if item.via else (item.name,)
            rel = self.preds.reverse_relation(root, n.Path(steps, item.span))
            if rel is None:
                return None
            target, via, _ = rel
            kind = "to_many"
        elif f is None and (root.name, name) in self.decls.dropped:
            return None  # its unknown type is the one error
        else:
            relations = [x.name for x in root.fields if x.kind in (FieldKind.REFERENCE, FieldKind.MANY)]
            relations += [c.name for c, _ in _children(self.entities, root.name)]
            hint = did_you_mean(name, relations) or (f" (`{name}` is a field, not a relation)" if f else "")
            self.diags.report("SC0115", item.name.span, name=name, entity=root.name, hint=hint)
            return None
        fields = []
        nested = [nest for x in item.nested if (nest := self._include(target, x))]
        for fname in item.fields:
            field = target.field(fname.text)
            if field is not None and field.kind is not FieldKind.MANY:
                fields.append(fname.text)
                continue
            sub = self._include(target, n.IncludeItem(fname, (), (), (), None, False, fname.span))
            if sub is not None:
                nested.append(sub)
        if (item.order or item.limit) and kind == "to_one":
            self.diags.report("SC0207", item.span, query=root.name,
                              reason=f"`order` and `limit` apply to a to-many include; `{name}` is one row")
        order = self._keys(target, item.order, {})
        limit = self._int(item.limit, "include limit")
        if item.via is not None:  # `Message.sender`: named after the child and the reference it follows
            name = f"{name}{pascal(item.via.text)}"
        return Include(name=name, kind=kind, entity=target.name, via=via,  # type: ignore[arg-type]
                       fields=tuple(fields), nested=tuple(nested), order=order, limit=limit, span=item.span)

    def _int(self, num: n.Number | None, what: str) -> int | None:
        if num is None:
            return None
        if not num.is_integer or num.value < 1:
            self.diags.report("SC0210", num.span, what=what, reason="expected a whole number of 1 or more")
            return None
        return int(num.value)

    def _rate(self, rate: n.Rate | None) -> float | None:
        if rate is None:
            return None
        unit = RATE_PER_S.get(rate.unit.text)
        if unit is None or rate.amount.value <= 0:
            self.diags.report("SC0210", rate.span, what="rate", reason="write N/s, N/min, N/h or N/day")
            return None
        return rate.amount.value * unit

    # writes and actions -----------------------------------------------------------------------------------
    def _write(self, d: n.WriteDecl) -> Write | None:
        if len(d.ops) != 1:
            self.diags.report("SC0208", d.name.span, write=d.name.text,
                              reason="name exactly one of insert, update, upsert or delete")
            return None
        for extra in d.rates[1:]:
            self.diags.report("SC0214", extra.span, clause="rate", kind="write", name=d.name.text)
        op = d.ops[0]
        entity = self.entities.get(op.entity.text)
        if entity is None:
            self.diags.report("SC0102", op.entity.span, name=op.entity.text,
                              hint=did_you_mean(op.entity.text, self.entities))
            return None
        kind = op.kind.text
        if kind != "insert" and entity.append_only and not entity.junction:
            self.diags.report("SC0211", op.span, entity=entity.name, op=f"`{kind}`")
            return None
        if kind == "insert" and op.by:
            self.diags.report("SC0208", op.span, write=d.name.text, reason="insert takes no `by` list")
        if kind != "insert" and not op.by:
            self.diags.report("SC0208", op.span, write=d.name.text, reason=f"{kind} needs `by (fields)`")
            return None
        by: list[str] = []
        params: dict[str, Param] = {}
        for path in op.by:
            resolved = self.preds.path(entity, path)
            if resolved is None:
                continue
            steps, _, f = resolved
            if len(steps) != 1:
                self.diags.report("SC0208", path.span, write=d.name.text, reason="`by` names the entity's own "
                                  "fields")
                continue
            by.append(f.name)
            pname = f"{f.name}_id" if f.kind is FieldKind.REFERENCE else f.name
            params[pname] = Param(name=pname, field=f.name, entity=entity.name, span=path.span)
        if kind == "upsert" and not _is_unique(entity, by):
            self.diags.report("SC0208", op.span, write=d.name.text,
                              reason=f"upsert by ({', '.join(by)}) needs a unique constraint on those fields")
            return None
        fields = partial_fields(op, entity, by, self.decls.dropped, self.diags)
        if fields is None:
            return None
        return Write(name=d.name.text, op=kind, entity=entity.name, by=tuple(by), fields=fields,  # type: ignore
                     rate_per_s=self._rate(d.rates[0] if d.rates else None), params=tuple(params.values()),
                     span=d.span)

    def _action(self, d: n.ActionDecl) -> Action | None:
        names = []
        for q in d.queries:
            if q.text not in self.decls.queries:
                self.diags.report("SC0112", q.span, name=q.text, action=d.name.text,
                                  hint=did_you_mean(q.text, self.decls.queries))
            else:
                names.append(q.text)
        return Action(name=d.name.text, queries=tuple(names), span=d.span)


def _children(entities: dict[str, Entity], parent: str) -> list[tuple[Entity, str]]:
    return [(e, f.name) for e in entities.values() for f in e.references if f.target == parent and not e.junction]


def _unique_sets(entity: Entity) -> list[set[str]]:
    tenant = entity.tenant_field
    sets = [set(entity.primary_key)] + [set(u.fields) for u in entity.uniques if not u.where]
    if tenant is not None:
        sets = [s - {tenant.name} for s in sets]
    return [s for s in sets if s]


def _is_unique(entity: Entity, fields: list[str]) -> bool:
    have = set(fields)
    return any([s <= have for s in _unique_sets(entity)])


def _returns_one(entities: dict[str, Entity], listed: list[Entity], where: tuple[Predicate, ...],
                 select: tuple[SelectItem, ...], group: tuple[OrderKey, ...], limit: int | None) -> bool:
    """One row at most: `limit 1`, aggregates over the whole match (no `group`), or equalities that cover a
    unique key, directly or through references pinned by a unique key of their own (`author.email = ?`).
    A bucket equality matches a period, not one value; a union (`from A | B`) has a row per entity."""
    if group:
        return False
    if limit == 1 or (select and all(s.func and s.relation is None for s in select)):
        return True
    return len(listed) == 1 and _pinned(entities, listed[0], [(p.steps, p.op) for p in where if p.bucket is None])


def _pinned(entities: dict[str, Entity], entity: Entity, preds: list[tuple[tuple[str, ...], str]]) -> bool:
    """Whether equalities on these paths (relative to `entity`) match one row of it at most."""
    eq = {steps[0] for steps, op in preds if len(steps) == 1 and op == "="}
    hops: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for steps, op in preds:
        if len(steps) > 1 and steps[0] not in eq:
            hops.setdefault(steps[0], []).append((steps[1:], op))
    for ref, rest in hops.items():
        f = entity.field(ref)
        target = entities.get(f.target) if f is not None and f.target else None
        if target is not None and _pinned(entities, target, rest):
            eq.add(ref)
    return _is_unique(entity, list(eq))
