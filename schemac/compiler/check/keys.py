"""Keys and relationships: primary keys, integer ids, undeclared references, tenant isolation."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, listing, rule, scalar_kind
from schemac.compiler.model import Entity, FieldKind, FieldOrigin
from schemac.compiler.naming import plural, snake
from schemac.diagnostics import Severity

W, E = Severity.WARNING, Severity.ERROR
INTEGER_IDS = ("int", "bigint", "smallint")


@rule("SC0301", "integer-ids-exposed", W,
      template="`{entity}` has {kind} ids and {reasons}",
      rationale="Sequential integer ids that leave the database are enumerable and leak volumes (order 4211 "
                "says how many orders exist); ids of rows that are moved or merged across databases collide.",
      fix="Keep the default `ids uuid7` (time-ordered, as index-friendly as a sequence), or give the entity "
          "`id uuid`; keep an integer only for ids that never leave the database.",
      references=("D02", "sq prefer-bigint-over-int", "sk auto-inc / pk-type / ids", "sc 1004 Generic PK"))
def integer_ids_exposed(ctx: Context) -> Iterator[Finding]:
    tenant = ctx.model.settings.tenant
    for e in ctx.user_entities():
        id_field = e.field("id")
        kind = scalar_kind(id_field) if id_field else None
        if id_field is None or kind not in INTEGER_IDS:
            continue
        reasons = []
        exposed = _exposures(ctx, e)
        if exposed:
            reasons.append(f"they are exposed: {listing(exposed, 3)}")
        if tenant is not None and not e.global_:
            reasons.append(f"its rows are tenant data (tenant {tenant}) that may be moved or merged "
                           "between databases, where sequences collide")
        if not reasons:
            continue
        own = id_field.origin is FieldOrigin.ID and id_field.span.line != e.span.line
        span = ctx.field_span(e, id_field) if own else ctx.entity_span(e)
        where = f"replace `id {kind}` with `id uuid`" if own else "switch the model to `ids uuid7` (the " \
            f"default) or give `{e.name}` an `id uuid` field"
        yield Finding(span, {"entity": e.name, "kind": kind, "reasons": "; ".join(reasons)},
                      help=f"{where}; keep integers for ids that never leave the database")


def _exposures(ctx: Context, e: Entity) -> list[str]:
    """Access patterns that take this entity's id as a parameter."""
    out: list[str] = []
    for m in ctx.usage.of(e.name, "id"):
        if m.is_lookup:
            out.append(f"`{m.pattern}` ({'by (id)' if m.how == 'by' else 'where id = ?'})")
    for child, ref in ctx.model.children_of(e.name):
        for m in ctx.usage.of(child.name, ref.name):
            if m.is_lookup:
                where = f"by ({ref.name})" if m.how == "by" else f"{ref.name} = ?"
                out.append(f"`{m.pattern}` ({child.name} {where})")
    return list(dict.fromkeys(out))


@rule("SC0302", "small-integer-id", W,
      template="`{entity}.id` is {kind}: it overflows at {limit} rows",
      rationale="A 32-bit key runs out at about 2.1 billion values (gaps and rollbacks included), and widening "
                "a primary key later rewrites the table and every index and foreign key that points at it.",
      fix="Use `id bigint` or a uuid (the default).",
      references=("D02", "sq prefer-bigint-over-int, prefer-bigint-over-smallint", "sk auto-inc"))
def small_integer_id(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        f = e.field("id")
        kind = scalar_kind(f) if f else None
        if f is not None and kind in ("int", "smallint"):
            limit = "2,147,483,647" if kind == "int" else "32,767"
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "kind": kind, "limit": limit},
                          help="write `id bigint`, or drop the field to use the model's ids (uuid7 by default)")


@rule("SC0303", "missing-primary-key", E,
      template="`{entity}` has no primary key{detail}",
      rationale="Rows without a key cannot be updated or deleted one at a time, replicated row-based, or "
                "referenced; a junction without a composite key accepts the same pair twice.",
      fix="Every entity gets `id` unless it declares its own; a junction's key is its two references.",
      references=("D01", "sc 1003", "sk pk", "sl require-primary-key", "pgl B001"))
def missing_primary_key(ctx: Context) -> Iterator[Finding]:
    for e in ctx.model.entities:
        if not e.primary_key:
            yield Finding(ctx.entity_span(e), {"entity": e.name, "detail": ""})
        elif e.junction:
            refs = {f.name for f in e.fields if f.origin is FieldOrigin.JUNCTION}
            missing = sorted(refs - set(e.primary_key))
            if missing:
                yield Finding(ctx.first_line(e.span), {
                    "entity": e.name,
                    "detail": f" covering the pair: ({', '.join(e.primary_key)}) leaves out {', '.join(missing)}"},
                    help="a junction's primary key is (tenant, left, right)")


@rule("SC0304", "id-field-not-reference", W,
      template="`{entity}.{field}` holds {target} ids as a plain {kind}: it is a reference without a foreign key",
      rationale="A relationship stored as a bare id has no foreign key (dangling ids), no automatic index, and "
                "the compiler cannot use it for includes, aggregates or ownership.",
      fix="Declare the reference with the entity as the type: `customer Customer` (stored as customer_id).",
      references=("D10", "sc 1005 FK Does Not Exist", "At MY102"))
def id_field_not_reference(ctx: Context) -> Iterator[Finding]:
    names = {snake(e.name): e.name for e in ctx.user_entities()}
    names |= {plural(k): v for k, v in list(names.items())}
    for e in ctx.user_entities():
        for f in declared(e):
            kind = scalar_kind(f)
            if kind not in ("uuid", "int", "bigint", "string") or not f.name.endswith("_id"):
                continue
            stem = f.name[: -len("_id")]
            target = names.get(stem)  # exact: `stripe_customer_id` is an external id, not a Customer
            if target is None:
                continue
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "target": target,
                                                 "kind": kind},
                          help=f"write `{stem} {target}{'?' if f.optional else ''}` (stored as {f.name}, with "
                               "a foreign key and an index)")


@rule("SC0305", "global-references-tenant", W,
      template="`{entity}` is @global, but `{entity}.{field}` points at tenant-scoped `{target}`",
      rationale="Rows of a @global entity are shared by every tenant; a reference from one into a tenant's data "
                "shows that tenant's rows to all the others and escapes row-level security.",
      fix="Make the entity tenant-scoped (drop @global), or move the reference to a tenant-scoped entity.",
      references=("D15", "sl row-level-security, mandatory-columns (tenant_id)", "REL-S01"))
def global_references_tenant(ctx: Context) -> Iterator[Finding]:
    if ctx.model.settings.tenant is None:
        return
    for e in ctx.user_entities():
        if not e.global_ or e.tenant_root:
            continue
        for f in e.fields:
            target = ctx.entities.get(f.target or "") if f.kind in (FieldKind.REFERENCE, FieldKind.MANY) else None
            if target is not None and not target.global_:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "target": target.name},
                              help=f"drop @global from `{e.name}`, or make `{target.name}` @global if its rows "
                                   "really are shared")
