"""Model-wide policies as decisions: tenant isolation, composite tenant foreign keys, soft delete, audit and
GDPR erasure. Each returns the structure a backend emits from, and records why."""

from __future__ import annotations

from collections.abc import Callable

from schemac.compiler.design import codes
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import (
    Audit,
    Erasure,
    ForeignKeys,
    KeyCollation,
    ReferenceReads,
    SoftDelete,
    Subject,
    Tenancy,
)
from schemac.compiler.design.model import AuditPlan, ErasurePlan, ForeignKeyPlan, ReferenceRead, TenancyPlan
from schemac.compiler.model import Entity, Field, FieldKind, OnDelete, ScalarKind

_PLACEHOLDERS = {
    ScalarKind.EMAIL: "erased+{id}@erased.invalid", ScalarKind.STRING: "erased-{id}",
    ScalarKind.TEXT: "erased-{id}", ScalarKind.URL: "https://erased.invalid/{id}",
    ScalarKind.DATE: "1970-01-01", ScalarKind.TIMESTAMP: "1970-01-01T00:00:00Z", ScalarKind.BOOL: "false",
    ScalarKind.JSON: "{}", ScalarKind.BYTES: "", ScalarKind.UUID: "00000000-0000-0000-0000-000000000000",
}


def _model_subject(ctx: Ctx) -> Subject:
    return Subject.of_model(ctx.model.settings.name)


def plan_tenancy(ctx: Ctx) -> TenancyPlan | None:
    s = ctx.model.settings
    if s.tenant is None:
        ctx.decide("REL-S01", _model_subject(ctx), "single-tenant: no tenant column, no isolation policy",
                   "the model declares no `tenant`", s.span, payload=Tenancy(enforcement="none"))
        return None
    scoped = tuple(e.name for e in ctx.model.entities if e.tenant_field is not None)
    field = snake_field(ctx, scoped)
    if ctx.caps.row_level_security:
        ctx.decide("REL-S01", _model_subject(ctx),
                   f"row-level security on {len(scoped)} tenant-scoped tables: rows visible and writable "
                   f"only where {field} matches the session's tenant (USING and WITH CHECK, FORCEd)",
                   "isolation enforced by the database, not by every query remembering a filter; the app must "
                   "not connect as the table owner or a BYPASSRLS role", s.span,
                   payload=Tenancy(enforcement="row_level_security", entities=scoped))
        enforcement = "row_level_security"
    else:
        ctx.diags.report(codes.RLS_UNAVAILABLE, s.span)
        ctx.decide("REL-S01", _model_subject(ctx),
                   f"tenant filter on {field} in every generated statement (no row-level security)",
                   "the target has no row-level security: isolation is the application's job", s.span,
                   payload=Tenancy(enforcement="application", entities=scoped))
        enforcement = "application"
    return TenancyPlan(tenant=s.tenant, enforcement=enforcement, entities=scoped)


def snake_field(ctx: Ctx, scoped: tuple[str, ...]) -> str:
    for name in scoped:
        t = ctx.entity(name).tenant_field
        if t is not None:
            return t.name
    return "tenant"


def plan_foreign_keys(ctx: Ctx, erasure: list[ErasurePlan]) -> list[ForeignKeyPlan]:
    refs = [(e, f) for e in ctx.model.entities for f in e.references if f.is_stored]
    if not ctx.caps.foreign_keys:
        if refs:
            ctx.diags.report(codes.NO_FOREIGN_KEYS, ctx.model.settings.span)
            ctx.decide("SC-FK-01", _model_subject(ctx), "no foreign keys: references checked by generated writes",
                       "the target cannot enforce foreign keys", ctx.model.settings.span,
                       payload=ForeignKeys(mode="none"))
        return []
    plans = [_fk_plan(ctx, e, f) for e, f in refs]
    composite = [p for p in plans if len(p.columns) > 1]
    if composite:
        targets = sorted({p.target for p in composite}, key=_order(ctx))
        unique = [t for t in targets if ctx.primary_key(t) != (ctx.tenant_of(t), *ctx.entity(t).primary_key)]
        how = (f"unique (tenant, id) added on {', '.join(unique)}" if unique
               else "each references its target's primary key (tenant, id)")
        ctx.decide("SC-TEN-01", _model_subject(ctx),
                   f"{len(composite)} composite tenant foreign keys (tenant, ref) -> (tenant, id); {how}",
                   "foreign-key checks bypass row-level security: only a composite key stops a row pointing "
                   "into another tenant", ctx.model.settings.span,
                   payload=ForeignKeys(mode="composite", targets=tuple(targets), count=len(composite)))
    return plans


def _order(ctx: Ctx) -> Callable[[str], int]:
    """A sort key: an entity's position in the model (the first one of its name)."""
    position: dict[str, int] = {}
    for i, e in enumerate(ctx.model.entities):
        position.setdefault(e.name, i)
    return position.__getitem__


def _fk_plan(ctx: Ctx, e: Entity, f: Field) -> ForeignKeyPlan:
    target = ctx.entity(f.target or "")
    on_delete = (f.on_delete or OnDelete.RESTRICT).value
    tenant, parent_tenant = e.tenant_field, target.tenant_field
    if tenant is None or parent_tenant is None or f.name == tenant.name:
        return _single_fk(e, f, target, on_delete)
    if f.on_delete is OnDelete.SET_NULL and not ctx.caps.fk_set_null_columns:
        single = _single_fk(e, f, target, on_delete)
        ctx.diags.report(codes.SET_NULL_FALLBACK, f.span, entity=e.name, field=f.name)
        ctx.decide("SC-TEN-01", Subject.of_reference(e.name, f.name),
                   f"single-column foreign key ({f.name}) -> {target.name}(id), ON DELETE SET NULL",
                   "the target cannot null one column of a composite key; the generated writes check the "
                   "tenant", f.span, payload=ForeignKeys(mode="single_column", targets=(target.name,), count=1))
        return single.model_copy(update={"why": single.why + " (single column: SET NULL)"})
    return ForeignKeyPlan(
        entity=e.name, field=f.name, columns=(tenant.name, f.name), target=target.name,
        target_columns=(parent_tenant.name, *target.primary_key), on_delete=on_delete,
        set_null_columns=(f.name,) if f.on_delete is OnDelete.SET_NULL else (),
        why=f"{e.name}.{f.name} references {target.name} within the same {tenant.name}")


def _single_fk(e: Entity, f: Field, target: Entity, on_delete: str) -> ForeignKeyPlan:
    return ForeignKeyPlan(entity=e.name, field=f.name, columns=(f.name,), target=target.name,
                          target_columns=target.primary_key, on_delete=on_delete,
                          why=f"{e.name}.{f.name} references {target.name}")


def plan_soft_delete(ctx: Ctx) -> tuple[ReferenceRead, ...]:
    soft = [e.name for e in ctx.model.entities if e.soft_delete]
    if not soft:
        return ()
    how = ("partial unique indexes WHERE deleted_at IS NULL" if ctx.caps.partial_indexes
           else "uniques emulated on live rows (a generated column after the key columns)")
    ctx.decide("SC-DEL-01", _model_subject(ctx),
               f"soft delete on {', '.join(soft)}: deleted_at, a live-row filter in every generated query, "
               f"{how}",
               "a deleted row must not block re-creating it (REL-I05); reads never see deleted rows",
               ctx.model.settings.span, payload=SoftDelete(entities=tuple(soft)))
    reads = tuple(_reference_read(e, f) for e in ctx.model.entities for f in e.references
                  if f.is_stored and ctx.entity(f.target or "").soft_delete)
    live = [f"{r.entity}.{r.field}" for r in reads if r.live]
    history = [f"{r.entity}.{r.field}" for r in reads if not r.live]
    ctx.decide("SC-DEL-02", _model_subject(ctx),
               "reads join a soft-deleted target as its ON DELETE would leave it after a hard delete: a "
               "cascading reference hides the referencing row and a SET NULL one reads as absent (live-row "
               f"filter on the join: {', '.join(live) or 'none'}); a restricting one is historical and keeps "
               f"showing it (no filter: {', '.join(history) or 'none'}); required references are inner joins, "
               "optional ones left joins",
               "a soft delete must not turn a required reference into a row of NULLs, and an order line keeps "
               "its product's name after the product is withdrawn", ctx.model.settings.span,
               payload=ReferenceReads(live=tuple(live), history=tuple(history)))
    return reads


def _reference_read(e: Entity, f: Field) -> ReferenceRead:
    """SC-DEL-02: how reads join a reference to a soft-delete entity (includes, path filters)."""
    live = (f.on_delete or OnDelete.RESTRICT) is not OnDelete.RESTRICT
    return ReferenceRead(entity=e.name, field=f.name, inner=not f.optional, live=live)


def plan_text_keys(ctx: Ctx) -> tuple[tuple[str, str], ...]:
    """SC-KEY-03/04: the same uniqueness on every target. Opaque string keys (a `string` in a primary or
    unique key: codes, slugs, SKUs, tokens, idempotency keys) compare byte for byte; emails compare
    case-insensitively."""
    keys = tuple((e.name, f.name) for e in ctx.model.entities for f in e.stored_fields if _opaque_key(e, f))
    subject = _model_subject(ctx)
    span = ctx.model.settings.span
    if keys:
        names = ", ".join(f"{e}.{f}" for e, f in keys)
        how = ("binary collation (utf8mb4_bin)" if ctx.caps.case_insensitive_text
               else "the default deterministic collation")
        ctx.decide("SC-KEY-03", subject, f"opaque keys compare byte for byte, by {how}: {names}",
                   "a `string` in a unique key is an identifier, not prose: under a case- and accent-insensitive "
                   "collation 'k-abc' and 'k-AbC' collide and a lookup returns another row; every target must "
                   "accept and reject the same keys", span,
                   payload=KeyCollation(keys="opaque", case_insensitive=False,
                                        fields=tuple(f"{e}.{f}" for e, f in keys)))
    emails = tuple(f"{e.name}.{f.name}" for e in ctx.model.entities for f in e.stored_fields
                   if f.scalar is not None and f.scalar.kind is ScalarKind.EMAIL)
    if emails:
        how = ("utf8mb4_unicode_ci, the table collation" if ctx.caps.case_insensitive_text
               else "a nondeterministic ICU collation (und-u-ks-level2: case-insensitive, accent-sensitive); its "
                    "`=` is LEAKPROOF, so the unique index serves lookups under row-level security, which "
                    "citext or lower(email) would not; queries need no lower()")
        extra = (": accents are ignored too, so addresses differing only by an accented letter collide (no "
                 "collation both MySQL 8 and MariaDB 10.11 have is case-insensitive but accent-sensitive); "
                 "the domain is ASCII in practice and such local parts are rare, and the collision refuses "
                 "the second address rather than storing two" if ctx.caps.case_insensitive_text else "")
        ctx.decide("SC-KEY-04", subject, f"emails compare case-insensitively: {how}",
                   "mail systems treat 'Bob@x' and 'bob@x' as one mailbox, so one account per address must hold "
                   f"whatever the case typed{extra}", span,
                   payload=KeyCollation(keys="email", case_insensitive=True, fields=emails))
    return keys


def _opaque_key(e: Entity, f: Field) -> bool:
    if f.kind is not FieldKind.SCALAR or f.scalar is None or f.scalar.kind is not ScalarKind.STRING:
        return False
    return f.unique or f.name in e.primary_key or any(f.name in u.fields for u in e.uniques)


def plan_audit(ctx: Ctx) -> AuditPlan | None:
    if not ctx.model.settings.audit:
        return None
    audited = tuple(e.name for e in ctx.model.entities if e.audited)
    if not audited:
        ctx.decide("SC-AUD-01", _model_subject(ctx), "no audit_log: no entity is @audited",
                   "`audit on` logs changes of @audited entities only", ctx.model.settings.span,
                   payload=Audit(mechanism="none"))
        return None
    mechanism = "trigger" if ctx.caps.triggers else "application"
    if mechanism == "application":
        ctx.diags.report(codes.NO_TRIGGERS, ctx.model.settings.span, what="the audit log")
    for name in audited:
        e = ctx.entity(name)
        how = "AFTER INSERT/UPDATE/DELETE trigger" if mechanism == "trigger" else "the generated writes"
        ctx.decide("SC-AUD-01", Subject.of_entity(name),
                   f"audit_log row (actor, action, target, old/new values, time) per change, by {how}",
                   "@audited with `audit on`; a trigger also catches writes made outside generated code"
                   if mechanism == "trigger" else "@audited with `audit on`; the target has no triggers",
                   e.span, payload=Audit(mechanism=mechanism))
    return AuditPlan(entities=audited, mechanism=mechanism)


def plan_erasure(ctx: Ctx) -> list[ErasurePlan]:
    if ctx.model.settings.compliance != "gdpr":
        return []
    order = _order(ctx)
    plans = [_erasure(ctx, e, order) for e in ctx.model.entities if any(f.pii for f in e.stored_fields)]
    if not plans:
        ctx.decide("SC-GDPR-01", _model_subject(ctx), "no erasure plan: no @pii fields",
                   "`compliance gdpr` plans erasure of @pii data only", ctx.model.settings.span,
                   payload=Erasure(action="none"))
    return plans


def _erasure(ctx: Ctx, e: Entity, order: Callable[[str], int]) -> ErasurePlan:
    pii = tuple(f for f in e.stored_fields if f.pii)
    names = tuple(f.name for f in pii)
    referrers = sorted({c.name for c, _ in ctx.model.children_of(e.name) if not c.junction and c.name != e.name},
                       key=order)
    scrub = e.audited
    audit_note = "; audit_log entries scrubbed of these fields" if scrub else ""
    if not referrers:
        ctx.decide("SC-GDPR-01", Subject.of_entity(e.name),
                   f"erasure: hard delete (also under soft delete){audit_note}",
                   "nothing references it, so deleting loses no other record", e.span,
                   payload=Erasure(action="delete", fields=names))
        return ErasurePlan(entity=e.name, action="delete", fields=names, scrub_audit=scrub,
                           why="nothing references it")
    nullify = tuple(f.name for f in pii if f.optional)
    placeholders = tuple((f.name, _placeholder(f)) for f in pii if not f.optional)
    parts = [f"{n} -> NULL" for n in nullify] + [f"{n} -> '{v}'" for n, v in placeholders]
    why = f"referenced by {', '.join(referrers)}: deleting would cascade into or orphan their history"
    ctx.decide("SC-GDPR-01", Subject.of_entity(e.name),
               f"erasure: anonymise in place ({'; '.join(parts)}){audit_note}", why, e.span,
               payload=Erasure(action="anonymise", fields=names))
    return ErasurePlan(entity=e.name, action="anonymise", fields=names, nullify=nullify,
                       placeholders=placeholders, scrub_audit=scrub, why=why)


def _placeholder(f: Field) -> str:
    """A deterministic value for a required @pii field; `{id}` keeps unique columns unique."""
    if f.kind is FieldKind.SCALAR and f.scalar is not None:
        if f.scalar.kind is ScalarKind.ENUM:
            return f.scalar.values[0]
        return _PLACEHOLDERS.get(f.scalar.kind, "0")
    if f.kind is FieldKind.LIST:
        return "[]"
    return "{}"
