"""Primary keys as the target stores them (REL-S01, REL-K04): tenant-scoped tables keyed (tenant, id).

The IR's `Entity.primary_key` is a row's identity (`id`): what references, audit, erasure and writes name.
The design chooses the key the table is built on. On a tenant-scoped entity it leads with the tenant: the
composite tenant foreign keys `(tenant, ref) -> (tenant, id)` then reference the primary key itself, so the
separate `unique (tenant, id)` index they needed is gone, and the table is laid out as distributing by
tenant (Citus) wants. The tenant root (its own id, no tenant column), @global entities, keys that already
lead with the tenant (junctions) and tables no composite key references (no index to save) keep theirs.
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import PrimaryKeys, Subject
from schemac.compiler.model import Entity, FieldOrigin, OnDelete, ScalarKind

_INTEGER = (ScalarKind.BIGINT, ScalarKind.INT, ScalarKind.SMALLINT)


def plan_keys(ctx: Ctx) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(entity, primary-key fields) of every entity whose stored key differs from its identity."""
    widened: list[Entity] = []
    kept: list[Entity] = []
    targets = _composite_targets(ctx)
    for e in ctx.model.entities:
        tenant = e.tenant_field
        if tenant is None or e.primary_key[:1] == (tenant.name,) or e.name not in targets:
            continue
        (kept if _identity_must_lead(ctx, e) else widened).append(e)
    if kept:
        ctx.decide("REL-K04", Subject.of_model(ctx.model.settings.name),
                   f"primary key (id) kept, with unique ({_tenant(kept[0])}, id) for the tenant foreign keys: "
                   f"{', '.join(e.name for e in kept)}",
                   "an auto-increment id must lead an index on this target: keyed (tenant, id) it would need a "
                   "third index on (id)", ctx.model.settings.span,
                   payload=PrimaryKeys(layout="identity", entities=tuple(e.name for e in kept),
                                       tenant=_tenant(kept[0])))
    if not widened:
        return ()
    tenant = _tenant(widened[0])
    ctx.decide("REL-S01", Subject.of_model(ctx.model.settings.name),
               f"primary key ({tenant}, id) on the {len(widened)} tenant-scoped tables composite tenant foreign "
               f"keys reference ({', '.join(e.name for e in widened)}); the tenant root, @global entities and "
               f"tables nothing references keep (id)",
               "the composite foreign keys reference the primary key itself: one index instead of pkey (id) "
               "plus unique (tenant, id); every generated statement filters by tenant first, and rows of one "
               "tenant are stored together, the layout distributing by tenant (Citus) needs. Where the primary "
               f"key clusters the table (InnoDB, REL-K04) an insert lands at the end of its tenant's range "
               f"(UUIDv7 and sequential ids grow within a tenant): one hot page per active tenant instead of "
               f"one for the table, with splits inside the tree as tenants interleave, and a tenant's rows are "
               f"read from few pages; secondary indexes, all led by {tenant}, hold no extra column. A table "
               f"nothing references saves no index: its key entry would only grow by the {tenant} column "
               f"(measured: +21% index bytes on course_platform's progress), so it keeps (id) until it is "
               f"distributed (the partitioning advice widens its key then)",
               ctx.model.settings.span,
               payload=PrimaryKeys(layout="tenant_first", entities=tuple(e.name for e in widened), tenant=tenant))
    return tuple((e.name, (_tenant(e), *e.primary_key)) for e in widened)


def _composite_targets(ctx: Ctx) -> set[str]:
    """Entities a composite tenant foreign key will reference (policies._fk_plan makes them)."""
    out: set[str] = set()
    for e in ctx.model.entities:
        tenant = e.tenant_field
        if tenant is None or not ctx.caps.foreign_keys:
            continue
        for f in e.references:
            fallback = f.on_delete is OnDelete.SET_NULL and not ctx.caps.fk_set_null_columns
            if f.is_stored and f.name != tenant.name and f.target and not fallback:
                out.add(f.target)
    return out


def _tenant(e: Entity) -> str:
    return e.tenant_field.name if e.tenant_field is not None else ""


def _identity_must_lead(ctx: Ctx, e: Entity) -> bool:
    """An integer id the target generates (AUTO_INCREMENT) must be the first column of an index there."""
    if not ctx.caps.identity_leads_index:
        return False
    ids = [e.field(name) for name in e.primary_key]
    return any(f is not None and f.origin is FieldOrigin.ID and f.scalar is not None
               and f.scalar.kind in _INTEGER for f in ids)
