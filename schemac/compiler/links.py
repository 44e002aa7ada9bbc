"""The rows of a many-to-many: one place that names a relation's link and gives it the shape of an entity.

`Model.relations` keeps each `Name[]` as a `ManyToMany`. Its links still have a shape the SDL lets users name
(`insert TicketTags`, `delete TicketTags by (ticket, tag)`) and the relational planner stores as a junction
table: (tenant,) the owner side, the target side and `created_at`, keyed by all but the last, both sides
cascading. `link_entity` builds that shape from the relation, for the pattern resolver (writes naming a link),
the relational planner (its junction tables) and lint; nothing else builds one or finds one by its name.
"""

from __future__ import annotations

from schemac.compiler.model import (
    Default,
    Entity,
    Field,
    FieldKind,
    FieldOrigin,
    ManyToMany,
    Model,
    OnDelete,
    Scalar,
    ScalarKind,
    Volume,
)
from schemac.compiler.naming import pascal, singular, snake


def link_name(owner: str, field: str) -> str:
    """`Ticket.tags` -> `TicketTags`."""
    return owner + pascal(field)


def relation_for(owner: Entity, f: Field) -> ManyToMany:
    """The relation a `Name[]` field of `owner` declares (its volume is set once every side has its own)."""
    left = snake(owner.name)
    right = singular(f.name)
    if right == left:
        right = f"related_{right}"
    tenant = owner.tenant_field
    return ManyToMany(name=link_name(owner.name, f.name), owner=owner.name, field=f.name, target=f.target or "",
                      owner_side=left, target_side=right, tenant=tenant.name if tenant is not None else None,
                      span=f.span)


def link_volume(rel: ManyToMany, entities: dict[str, Entity]) -> Volume:
    """A many-to-many's links, counted from its sides: one link per row of the larger side (a ticket with a
    tag, a user in a team), growing as that side grows. Undeclared sides leave the volume undeclared."""
    sides = [entities[name] for name in (rel.owner, rel.target) if name in entities]
    declared = [s for s in sides if s.volume.declared]
    if not declared:
        return Volume()
    v = max(declared, key=lambda s: s.volume.at_horizon).volume
    return Volume(base=v.base, per_month=v.per_month, at_horizon=v.at_horizon, declared=True, span=v.span)


def link_entity(rel: ManyToMany, owner: Entity) -> Entity:
    """The links of `rel` as an entity (`junction=True`): (tenant,) owner side, target side, created_at."""
    span = rel.span
    fields = [Field(name=rel.owner_side, kind=FieldKind.REFERENCE, target=rel.owner, owner=True,
                    on_delete=OnDelete.CASCADE, origin=FieldOrigin.JUNCTION, span=span),
              Field(name=rel.target_side, kind=FieldKind.REFERENCE, target=rel.target, on_delete=OnDelete.CASCADE,
                    origin=FieldOrigin.JUNCTION, span=span)]
    key: tuple[str, ...] = rel.sides
    tenant = owner.tenant_field
    if tenant is not None:
        fields.insert(0, tenant.model_copy(update={"span": span}))
        key = (tenant.name, *key)
    fields.append(Field(name="created_at", kind=FieldKind.SCALAR, scalar=Scalar(kind=ScalarKind.TIMESTAMP),
                        origin=FieldOrigin.CREATED_AT, default=Default(kind="now", span=span), span=span))
    return Entity(
        # links are deleted (unlinked, or with either side by cascade): hard-deleted, not append-only
        name=rel.name, fields=tuple(fields), primary_key=key, volume=rel.volume, hard_delete=True,
        global_=tenant is None, junction=True, span=span, table_name=None,
        doc=f"{rel.owner}.{rel.field}: many-to-many between {rel.owner} and {rel.target}.")


def link_entities(model: Model) -> tuple[Entity, ...]:
    """Every relation's link entity, in the order of `model.relations`."""
    return tuple(link_entity(r, model.entity(r.owner)) for r in model.relations)


def with_links(model: Model, links: tuple[Entity, ...] | None = None) -> Model:
    """`model` with the link entities after its own (`links`, or every relation's): the tables a relational
    target stores, for code that reads them as entities (the relational planner, lint, the SQL backend).
    A model that has them already is returned as it is."""
    extra = link_entities(model) if links is None else links
    if not extra or any(e.junction for e in model.entities):
        return model
    return model.model_copy(update={"entities": model.entities + extra})
