"""Natural primary keys (SC-KEY-05): an append-only or link entity nothing uses by id is keyed by its unique.

A like, a certificate or a sensor reading gets a surrogate `id` from the front end like every entity. When
no pattern, write, reference, erasure or history names that id, the id is a column and an index that every
insert pays for and nothing reads: the entity's unique (tenant first) can be the primary key instead. The
decision is conservative, and says why whenever the surrogate stays:

- only append-only entities and links (every declared field a reference, with a unique over them) qualify;
  many-to-many junctions already have their natural key;
- anything that names the row by id keeps it: an incoming reference, a query path, select, order or include
  field on `id`, a write `by (id)`, an erasure routine (@pii: it takes the row's id), history (@versioned);
- soft-deleted entities keep it: their uniques hold for live rows only, which a primary key cannot express;
- without a unique over required fields nothing guarantees a natural key: no non-unique primary key is
  invented, the surrogate stays;
- where the primary key clusters the table (InnoDB, REL-K04) the natural key must also be estimated smaller
  than the surrogate layout: it is copied into every secondary index, and a random key scatters inserts.

The relational design then works on a model in which such an entity has no `id` (and no `updated_at` when no
write updates it) and its primary key is the natural key, as for a junction: tables, foreign keys, upserts,
keyset tiebreaks, audit (row_id: the key's columns joined by ':') and growth follow without special cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import PrimaryKeys, Subject, SurrogateReason
from schemac.compiler.design.relational.layout import NaturalKey
from schemac.compiler.design.sizes import INDEX_ENTRY_OVERHEAD, field_width, id_width, worst_key_bytes
from schemac.compiler.model import Entity, FieldKind, FieldOrigin, Include, Model, Query, ScalarKind, Unique

RULE = "SC-KEY-05"
ORDERED_FILL = 15 / 16  # InnoDB fills a page 15/16 when inserts arrive in key order
RANDOM_FILL = 0.69  # B-tree pages average ~ln 2 full under random inserts (Yao)
HEAP_FILL = 0.9  # PostgreSQL B-tree leaf fill factor for ascending inserts; heap pages nearly full
_TIME = (ScalarKind.TIMESTAMP, ScalarKind.DATE)
_REASONS: dict[SurrogateReason, str] = {
    "referenced": "{what} references it by id",
    "read_by_id": "{what} reads its id",
    "written_by_id": "{what} finds its row by id",
    "erasure": "its erasure routine takes the row's id (@pii under gdpr)",
    "versioned": "its history rows are keyed by the row's id",
    "soft_delete": "its uniques hold for live rows only (soft delete); a primary key would block re-creating a "
                   "deleted row",
    "key_too_long": "its unique may be longer than the target's longest key, which a primary key cannot "
                    "shorten to a prefix",
    "no_unique": "no unique over required fields guarantees a natural key; a non-unique primary key is not "
                 "invented, and a time-ordered surrogate inserts at the end of the table",
}


def plan_natural_keys(ctx: Ctx) -> tuple[NaturalKey, ...]:
    """Decide every append-only or link entity's key (RelationalLayout.natural_keys; `keyed` applies them)."""
    choices: list[NaturalKey] = []
    uses = _Uses.of(ctx.model)
    for e in ctx.model.entities:
        identity = e.field("id")
        if e.junction or e.tenant_root or e.primary_key != ("id",) or identity is None or \
                identity.origin is not FieldOrigin.ID or not (e.append_only or _is_link(e)):
            continue
        choice = _decide(ctx, e, uses)
        if choice is not None:
            choices.append(choice)
    return tuple(choices)


def _is_link(e: Entity) -> bool:
    """Every declared field a reference, and a unique over them all (a like, a follow, a membership)."""
    declared = [f for f in e.stored_fields if f.origin is FieldOrigin.DECLARED]
    refs = {f.name for f in declared if f.kind is FieldKind.REFERENCE}
    return bool(refs) and len(refs) == len(declared) and any(refs <= set(u.fields) for u in e.uniques)


def _decide(ctx: Ctx, e: Entity, uses: _Uses) -> NaturalKey | None:
    what = "append-only" if e.append_only else "link"
    blocked = _blocker(ctx, e, uses)
    if blocked is not None:
        reason, by = blocked
        _keep(ctx, e, RULE, reason, f"{what} entity; {_REASONS[reason].format(what=by)}")
        return None
    keyable = [u for u in e.uniques if not u.where and all(_keyable(e, f) for f in u.fields)]
    fitting = [u for u in keyable if _fits(ctx, e, u)]
    if keyable and not fitting:
        _keep(ctx, e, RULE, "key_too_long", f"{what} entity; {_REASONS['key_too_long']}")
        return None
    key = _natural_key(ctx, e, fitting)
    if key is None:
        _keep(ctx, e, RULE, "no_unique", f"{what} entity; {_REASONS['no_unique']}{_clustering_note(ctx)}")
        return None
    fields, unique = key
    dropped = ("id",) + (("updated_at",) if _never_updated(ctx, e) and e.field("updated_at") else ())
    if ctx.caps.clustered_primary_key:
        natural, surrogate, arithmetic = _clustered_bytes(ctx, e, fields, unique)
        if natural >= surrogate:
            _keep(ctx, e, "REL-K04", "clustering", f"{what} entity; on this target the primary key clusters the "
                  f"table and every secondary index carries it: {arithmetic}, so the short, ordered surrogate "
                  f"stays, with unique ({', '.join(fields)})")
            return None
        saving = arithmetic
    else:
        saving = _heap_saving(ctx, e)
    choice = NaturalKey(entity=e.name, fields=fields, dropped=dropped)
    _natural(ctx, e, choice, f"{what} entity", saving)
    return choice


def _natural(ctx: Ctx, e: Entity, c: NaturalKey, what: str, saving: str) -> None:
    untouched = "; never updated by a declared write, so no updated_at column or trigger" \
        if "updated_at" in c.dropped else ""
    ctx.decide(RULE, Subject.of_entity(e.name),
               f"primary key ({', '.join(c.fields)}), the entity's unique; no {' or '.join(c.dropped)} column",
               f"{what} nothing uses by id (no reference, pattern, write, erasure or history names it): the "
               f"unique it has anyway becomes the primary key, instead of a surrogate key and index every insert "
               f"pays for; {saving}{untouched}",
               e.span, payload=PrimaryKeys(layout="natural", entities=(e.name,), tenant=_tenant(e),
                                           fields=c.fields, dropped=c.dropped))


def _keep(ctx: Ctx, e: Entity, rule: str, reason: SurrogateReason, why: str) -> None:
    ctx.decide(rule, Subject.of_entity(e.name), f"surrogate primary key ({', '.join(e.primary_key)}) kept", why,
               e.span, payload=PrimaryKeys(layout="surrogate", entities=(e.name,), tenant=_tenant(e),
                                           reason=reason))


def _clustering_note(ctx: Ctx) -> str:
    """Where the surrogate clusters the table (InnoDB): why the table is not clustered by a read's key."""
    if not ctx.caps.clustered_primary_key:
        return ""
    order = "in insert order, pages filled 15/16" if ctx.model.settings.ids != "uuid4" else "at random"
    return (f"; the table stays clustered by it ({order}): clustering by a read's non-unique key would need the "
            f"id appended to it anyway, widen every secondary index by that key and scatter inserts across "
            f"groups (~69% full pages), for reads a secondary index already serves (REL-K04)")


def _tenant(e: Entity) -> str:
    return e.tenant_field.name if e.tenant_field is not None else ""


# -- what names the row by id ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Uses:
    """What the model's patterns name, gathered in one pass (not one pass per candidate entity)."""

    many_targets: frozenset[str]  # entities some `Name[]` field points at
    read_by_id: dict[str, str]  # entity -> the first query (model order) naming its id or listing it in `from A | B`

    @classmethod
    def of(cls, model: Model) -> _Uses:
        readers: dict[str, str] = {}
        for q in model.queries:
            for entity, f in _all_fields_used(q):
                if f == "id":
                    readers.setdefault(entity, q.name)
            if q.is_union:  # a `from A | B` list pages by (keys, id, entity) across its branches
                for source in q.sources:
                    readers.setdefault(source, q.name)
        many = frozenset(f.target for x in model.entities for f in x.fields
                         if f.kind is FieldKind.MANY and f.target is not None)
        return cls(many_targets=many, read_by_id=readers)


def _blocker(ctx: Ctx, e: Entity, uses: _Uses) -> tuple[SurrogateReason, str] | None:
    model = ctx.model
    child = next((c for c, _ in model.children_of(e.name)), None)
    if child is not None:
        return "referenced", f"`{child.name}`"
    if e.name in uses.many_targets or any(f.kind is FieldKind.MANY for f in e.fields):
        return "referenced", "a many-to-many junction"
    reader = uses.read_by_id.get(e.name)
    if reader is not None:
        return "read_by_id", f"query `{reader}`"
    writer = next((w.name for w in model.writes if w.entity == e.name and "id" in w.by), None)
    if writer is not None:
        return "written_by_id", f"write `{writer}`"
    if model.settings.compliance == "gdpr" and any(f.pii for f in e.stored_fields):
        return "erasure", ""
    if e.versioned:
        return "versioned", ""
    if e.soft_delete:
        return "soft_delete", ""
    return None


def _all_fields_used(q: Query) -> Iterator[tuple[str, str]]:
    """Every (entity, field) a query names: in where, order, group, select and includes."""
    paths = [(p.steps, p.entities) for p in q.where] + [(k.steps, k.entities) for k in (*q.order, *q.group)] + \
        [(s.steps, s.entities) for s in q.select]
    for steps, entities in paths:
        yield from ((owner, s) for s, owner in zip(steps, entities, strict=False))
    for s in q.select:  # count(Child) / sum(Child.x): the child's reference and field
        if s.relation:
            yield from ((s.relation, x) for x in (s.via, *s.steps) if x)
    yield from _include_fields(q.include)


def _include_fields(includes: tuple[Include, ...]) -> Iterator[tuple[str, str]]:
    for inc in includes:
        yield from ((inc.entity, f) for f in inc.fields)
        yield from ((inc.entity, k.field) for k in inc.order)
        if inc.kind == "to_many":
            yield inc.entity, inc.via
        yield from _include_fields(inc.nested)



def _never_updated(ctx: Ctx, e: Entity) -> bool:
    """No declared write changes a field (an upsert of a link by all its references changes nothing), and no
    query reads updated_at."""
    declared = {f.name for f in e.stored_fields if f.origin is FieldOrigin.DECLARED}
    if any(w.entity == e.name and w.op in ("update", "upsert") and (set(w.fields) or declared) - set(w.by)
           for w in ctx.model.writes):
        return False
    return not any((e.name, "updated_at") in set(_all_fields_used(q)) for q in ctx.model.queries)


# -- the key ---------------------------------------------------------------------------------------------------
def _natural_key(ctx: Ctx, e: Entity, candidates: list[Unique]) -> tuple[tuple[str, ...], Unique] | None:
    """The unique to key by, its fields ordered for the hottest pattern that reads the entity (tenant first).

    Candidates: uniques over required, plain fields with no condition, within the target's key length. The
    one the hottest reads lead with wins, then the narrowest, then the first declared."""
    if not candidates:
        return None
    reads = sorted(((q.rate_per_s or 0.0, i, q) for i, q in enumerate(ctx.model.queries) if q.entity == e.name),
                   key=lambda r: (-r[0], r[1]))
    hot = reads[0][2] if reads else None
    eq = [p.field for p in hot.where if p.is_local and p.op in ("=", "in")] if hot else []
    sort = [k.field for k in hot.order if len(k.steps) == 1 and k.entities] if hot else []

    def served(u: Unique) -> float:
        lead = [f for f in u.fields if f != _tenant(e)][:1]
        return sum(r for r, _, q in reads if lead and lead[0] in
                   {p.field for p in q.where if p.is_local and p.op in ("=", "in")})

    widths = {u.fields: sum(field_width(ctx.model, e.field(f), ctx.id_widths) for f in u.fields if e.field(f))
              for u in candidates}
    best = min(candidates, key=lambda u: (-served(u), widths[u.fields], candidates.index(u)))
    tenant = [f for f in best.fields if f == _tenant(e)]
    rest = [f for f in best.fields if f not in tenant]
    ordered = [f for f in eq if f in rest] + [f for f in sort if f in rest and f not in eq]
    ordered = list(dict.fromkeys(ordered)) + [f for f in rest if f not in ordered]
    return (*tenant, *ordered), best


def _fits(ctx: Ctx, e: Entity, u: Unique) -> bool:
    """Within the target's key length, whole: a primary key cannot be a prefix index (InnoDB: 3072 bytes)."""
    limit = ctx.caps.max_key_bytes
    if limit is None:
        return True
    widths = [worst_key_bytes(ctx.model, f, ctx.id_widths) for n in u.fields if (f := e.field(n)) is not None]
    return all(w is not None for w in widths) and sum(w for w in widths if w is not None) <= limit


def _keyable(e: Entity, name: str) -> bool:
    f = e.field(name)
    return f is not None and not f.optional and f.kind in (FieldKind.SCALAR, FieldKind.REFERENCE) and \
        not (f.scalar is not None and f.scalar.kind in (ScalarKind.TEXT, ScalarKind.JSON, ScalarKind.BYTES))


# -- what it saves ---------------------------------------------------------------------------------------------
def _heap_saving(ctx: Ctx, e: Entity) -> str:
    """Heap tables (PostgreSQL): the id column and its primary-key index go, nothing else changes."""
    rows, idw = ctx.rows(e.name), id_width(ctx.model, e.name, ctx.id_widths)
    entry = INDEX_ENTRY_OVERHEAD + idw
    saved = rows * (idw + entry / HEAP_FILL)
    return (f"estimated saving at {rows:,.0f} rows: {rows:,.0f} × ({idw} B id in the row + {entry} B / "
            f"{HEAP_FILL} fill of its index entry) ≈ {_mb(saved)}, and one index fewer to write per insert")


def _clustered_bytes(ctx: Ctx, e: Entity, key: tuple[str, ...], unique: Unique) -> tuple[float, float, str]:
    """Bytes per row of both layouts where the primary key clusters the table (InnoDB): (natural, surrogate,
    the arithmetic). The secondary indexes counted are the other uniques, declared indexes and foreign-key
    indexes (those the pattern indexes add carry the key the same way)."""
    model, ids = ctx.model, ctx.id_widths

    def w(names: tuple[str, ...] | list[str]) -> int:
        return sum(field_width(model, f, ids) for n in names if (f := e.field(n)) is not None and n != "id")

    idw = id_width(model, e.name, ids)
    row = 24 + w([f.name for f in e.stored_fields if f.name != "id"])
    key_fill = ORDERED_FILL if _time_ordered(e, key) else RANDOM_FILL
    id_fill = ORDERED_FILL if model.settings.ids != "uuid4" else RANDOM_FILL
    natural = row / key_fill
    surrogate = (row + idw) / id_fill + (w(key) + idw + INDEX_ENTRY_OVERHEAD) / RANDOM_FILL
    for cols in _secondaries(e, key, unique):
        extra = [f for f in key if f not in cols]
        natural += (w(cols) + w(extra) + INDEX_ENTRY_OVERHEAD) / RANDOM_FILL
        surrogate += (w(cols) + idw + INDEX_ENTRY_OVERHEAD) / RANDOM_FILL
    rows = ctx.rows(e.name)
    text = (f"estimated {natural:,.0f} B per row keyed ({', '.join(key)}) "
            f"({'in key order' if key_fill == ORDERED_FILL else 'random inserts, ~69% full pages'}) against "
            f"{surrogate:,.0f} B keyed (id) with the unique as a secondary index: {_mb(rows * natural)} against "
            f"{_mb(rows * surrogate)} at {rows:,.0f} rows")
    return natural, surrogate, text


def _secondaries(e: Entity, key: tuple[str, ...], unique: Unique) -> list[tuple[str, ...]]:
    tenant = (_tenant(e),) if e.tenant_field is not None else ()
    out = [u.fields for u in e.uniques if u is not unique]
    out += [tuple(p.field for p in ix.parts) for ix in e.indexes]
    for f in e.references:
        if f.is_stored and f.name not in tenant and key[:len(tenant) + 1] != (*tenant, f.name) and \
                not any(c[:len(tenant) + 1] == (*tenant, f.name) for c in out):
            out.append((*tenant, f.name))
    return out


def _time_ordered(e: Entity, key: tuple[str, ...]) -> bool:
    """A key whose last field is a time appends within each group (a device's readings): near key order."""
    last = e.field(key[-1])
    return last is not None and last.scalar is not None and last.scalar.kind in _TIME


def _mb(n: float) -> str:
    return f"{n / 1_048_576:,.1f} MB"
