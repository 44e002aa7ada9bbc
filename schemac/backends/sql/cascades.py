"""Cascades done by triggers (see compiler/design/cascades.py): a BEFORE DELETE trigger on the parent
deletes the children of every key the design turned into a trigger cascade. The rows it deletes fire
their own triggers, which keeps the maintained aggregates over them exact.

While the trigger deletes, a session flag holds the key of the parent being deleted: the children's
aggregate over that very reference skips its update (the parent is going away, and updating its table
inside the delete is ER 1442). An error clears the flag and is raised again.
"""

from __future__ import annotations

from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import TriggerSpec
from schemac.backends.sql.tables import Layout
from schemac.compiler.design.model import ForeignKeyPlan


def deleting_flag(ctx: Context, layout: Layout, parent: str) -> str:
    """The session flag that holds the key of the `parent` row a cascade trigger is deleting."""
    return ctx.dialect.session_flag(f"schemac_deleting_{layout.of(parent).name}")


def trigger_cascade(ctx: Context, entity: str, field: str) -> ForeignKeyPlan | None:
    """The trigger cascade of reference `entity.field`, if the design made one."""
    return next((fk for fk in ctx.design.relational.foreign_keys
                 if fk.cascade_by_trigger and fk.entity == entity and fk.field == field), None)


def cascade_triggers(ctx: Context, layout: Layout) -> dict[str, list[TriggerSpec]]:
    """The BEFORE DELETE triggers, by parent entity."""
    by_parent: dict[str, list[ForeignKeyPlan]] = {}
    for fk in ctx.design.relational.foreign_keys:
        if fk.cascade_by_trigger and fk.entity in layout.tables and fk.target in layout.tables:
            by_parent.setdefault(fk.target, []).append(fk)
    return {parent: [_trigger(ctx, layout, parent, fks)] for parent, fks in by_parent.items()}


def _trigger(ctx: Context, layout: Layout, parent: str, fks: list[ForeignKeyPlan]) -> TriggerSpec:
    d, info = ctx.dialect, layout.of(parent)
    flag = deleting_flag(ctx, layout, parent)
    deletes = []
    for fk in fks:
        child = layout.of(fk.entity)
        local = [c for f in fk.columns for c in child.field_columns[f]]
        remote = [c for f in fk.target_columns for c in info.field_columns[f]]
        match = " AND ".join(f"{d.quote(c)} = OLD.{d.quote(r)}" for c, r in zip(local, remote, strict=True))
        deletes.append(f"DELETE FROM {d.table_ref(child.name)} WHERE {match};")
    body = [d.assign(flag, f"OLD.{d.quote(info.pk[0])}"), *deletes, d.assign(flag, "NULL")]
    children = ", ".join(sorted({layout.of(fk.entity).name for fk in fks}))
    comment = (f"the ON DELETE CASCADE of {children}, done by a statement so that the deleted rows fire "
               f"their triggers (InnoDB's cascades do not)")
    return TriggerSpec(ctx.namer.unique(info.name, "cascade"), info.name, "before",
                       {"delete": tuple(d.clear_on_error(flag, body))}, comment)
