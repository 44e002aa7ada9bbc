"""SC-M2M-01: each many-to-many relation of the model becomes a junction table.

The IR keeps `tags Tag[]` as a `ManyToMany` (`Model.relations`); the relational planner decides its storage
here, once: a table of links shaped by `links.link_entity` (tenant, both sides, created_at; keyed by the
pair), recorded in the layout (`RelationalLayout.junctions`) with its typed decision. The rest of the planner,
the SQL backend, the report and lint then read the junction tables as entities of `layout.stored(model)`.

The decision is carried by the layout's `Junction` and listed first in `Design.decisions`, so decisions.md
says why the table exists before its indexes, keys, statistics and growth.
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Decision, JunctionTable, Subject
from schemac.compiler.design.relational.layout import Junction
from schemac.compiler.links import link_entity
from schemac.compiler.model import ManyToMany


def plan_junctions(ctx: Ctx) -> tuple[Junction, ...]:
    """One junction table per relation of `ctx.model`, in the model's order."""
    return tuple(_junction(ctx, rel) for rel in ctx.model.relations)


def _junction(ctx: Ctx, rel: ManyToMany) -> Junction:
    entity = link_entity(rel, ctx.entity(rel.owner))
    key = ", ".join(entity.primary_key)
    scope = f"within the {rel.tenant}, " if rel.tenant else ""
    decision = Decision(
        rule="SC-M2M-01", subject=Subject.of_reference(rel.owner, rel.field),
        payload=JunctionTable(owner=rel.owner, field=rel.field, target=rel.target, entity=entity.name,
                              key=entity.primary_key),
        choice=f"junction table {entity.name} keyed ({key})",
        why=f"a many-to-many without attributes of its own is one row per link, {scope}keyed by the pair so a "
            f"pair is stored once; both references cascade, so a link goes with either side",
        span=rel.span)
    return Junction(relation=rel, entity=entity, decision=decision)
