"""Section 1, the entity model: one row per entity and the relations between them (Mermaid and SVG)."""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, ScalarKind
from schemac.report.facts import Facts
from schemac.report.text import aggregate, count, field_type, literal, table_name, where

MANAGED = (FieldOrigin.ID, FieldOrigin.CREATED_AT, FieldOrigin.UPDATED_AT, FieldOrigin.DELETED_AT,
           FieldOrigin.VERSION)


@dataclass(frozen=True)
class Relation:
    child: str
    parent: str
    field: str
    optional: bool
    owner: bool
    tenant: bool


@dataclass(frozen=True)
class KeyField:
    name: str
    marker: str  # PK, FK, UK


@dataclass(frozen=True)
class EntityRow:
    name: str
    anchor: str
    table: str
    traits: tuple[str, ...]
    fields: tuple[str, ...]  # `email email @pii` for the fields the user declared
    managed: tuple[str, ...]  # columns schemac adds: id, tenant, timestamps
    keys: tuple[str, ...]  # `PK id`, `UK (organization, email)`, `FK instructor -> User`
    key_fields: tuple[KeyField, ...]  # what the diagram boxes show
    rows: str
    growth: str
    source: str


@dataclass(frozen=True)
class EntitySection:
    rows: tuple[EntityRow, ...]
    relations: tuple[Relation, ...]
    mermaid: str


def build(facts: Facts) -> EntitySection:
    entities = facts.model.entities
    relations = tuple(relations_of(e) for e in entities)
    flat = tuple(r for rs in relations for r in rs)
    grown = {g.entity: g.rows_at_horizon for g in facts.design.growth}
    return EntitySection(rows=tuple(_row(facts, e, grown) for e in entities), relations=flat,
                         mermaid=mermaid(entities, flat))


def relations_of(e: Entity) -> tuple[Relation, ...]:
    return tuple(Relation(e.name, str(f.target), f.name, f.optional, f.owner, f.origin is FieldOrigin.TENANT)
                 for f in e.references)


def _traits(e: Entity, tenanted: bool) -> tuple[str, ...]:
    flags = (("tenant root", e.tenant_root), ("@global", tenanted and e.global_ and not e.tenant_root),
             ("@append_only", e.append_only), ("@hard_delete", e.hard_delete and not e.append_only),
             ("soft delete", e.soft_delete), ("@audited", e.audited), ("@versioned", e.versioned),
             ("junction", e.junction))
    return tuple(name for name, on in flags if on)


def _field_text(f: Field) -> str:
    text = f"{f.name} {field_type(f)}"
    if f.maintained:
        text += f" = {aggregate(f)}"
    elif f.default is not None:
        quoted = isinstance(f.default.value, str) and not (f.scalar and f.scalar.kind is ScalarKind.ENUM)
        value = '"' + str(f.default.value) + '"' if quoted else literal(f.default.value)
        text += " = now" if f.default.kind == "now" else f" = {value}"
    marks = [m for m, on in (("@pii", f.pii), ("@unique", f.unique), ("@search", f.search),
                             ("@owner", f.owner)) if on]
    return " ".join([text, *marks])


def _row(facts: Facts, e: Entity, grown: dict[str, float]) -> EntityRow:
    declared = tuple(_field_text(f) for f in e.fields if f.origin not in (*MANAGED, FieldOrigin.TENANT))
    managed = tuple(f.name for f in e.fields if f.origin in (*MANAGED, FieldOrigin.TENANT))
    keys = [f"PK ({', '.join(e.primary_key)})"]
    keys += [f"UK ({', '.join(u.fields)})" + (" live rows" if e.soft_delete else "") for u in e.uniques]
    keys += [f"FK {f.name} -> {f.target}" + (" (owner)" if f.owner else "") for f in e.references]
    v = e.volume
    assumed = grown.get(e.name)
    if v.declared:
        rows, growth = count(v.at_horizon), f"+{count(v.per_month)}/month" if v.per_month else "flat"
    else:
        rows = f"{count(assumed)} (assumed)" if assumed else "n/a"
        growth = "no volume declared"
    return EntityRow(name=e.name, anchor=f"entity-{e.name.lower()}", table=facts.table(e.name) or table_name(e),
                     traits=_traits(e, facts.model.settings.tenant is not None), fields=declared, managed=managed,
                     keys=tuple(keys), key_fields=key_fields(e), rows=rows, growth=growth, source=where(e.span))


def key_fields(e: Entity) -> tuple[KeyField, ...]:
    """PK, FK and unique fields: what an entity box in the diagram lists."""
    unique = {name for u in e.uniques for name in u.fields} | {f.name for f in e.fields if f.unique}
    refs = {f.name for f in e.references}
    out = [KeyField(name, "PK, FK" if name in refs else "PK") for name in e.primary_key]
    for f in e.fields:
        if f.name in e.primary_key or not f.is_stored:
            continue
        if f.kind is FieldKind.REFERENCE:
            out.append(KeyField(f.name, "FK"))
        elif f.name in unique:
            out.append(KeyField(f.name, "UK"))
    return tuple(out)


def _mermaid_type(f: Field) -> str:
    if f.kind is FieldKind.REFERENCE:
        return "ref"
    if f.kind is FieldKind.EMBEDDED:
        return str(f.target)
    kind = f.scalar.kind.value if f.scalar else f.kind.value
    return f"{kind}[]" if f.kind is FieldKind.LIST else kind


def mermaid(entities: tuple[Entity, ...], relations: tuple[Relation, ...]) -> str:
    """A Mermaid `erDiagram`: every entity with its stored fields, every reference as a relationship
    (`||` one, `o{` many; solid line for ownership, dashed for a plain reference)."""
    lines = ["erDiagram"]
    for r in relations:
        left = "|o" if r.optional else "||"
        line = "--" if r.owner else ".."
        lines.append(f'  {r.parent} {left}{line}o{{ {r.child} : "{r.field}"')
    for e in entities:
        keys = {k.name: k.marker for k in key_fields(e)}
        lines.append(f"  {e.name} {{")
        for f in e.stored_fields:
            marker = f" {keys[f.name]}" if f.name in keys else ""
            lines.append(f"    {_mermaid_type(f)} {f.name}{marker}")
        lines.append("  }")
    return "\n".join(lines)
