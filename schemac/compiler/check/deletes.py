"""Deletes: rows destroyed without saying so, and foreign-key actions that soft deletes never trigger.

How a model opts in to hard deletes: `deletes hard` in the model block is explicit for the model's policy, so
it is not flagged by itself. What is flagged is an entity that a `delete` write actually destroys (no
soft delete applies) while the entity does not carry `@hard_delete`: the one place where data is lost for
good must say so next to the entity. `@hard_delete` on the entity (or `// schemac: ignore SC0315`) confirms it.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, listing, rule
from schemac.compiler.model import FieldKind, OnDelete
from schemac.diagnostics import Severity

W = Severity.WARNING


@rule("SC0315", "implicit-hard-delete", W,
      template="write `{write}` deletes `{entity}` rows for good ({why}), but `{entity}` is not marked "
               "@hard_delete{cascade}",
      rationale="A hard delete leaves no history, no undo and no audit of what was removed; where that is "
                "intended it should be visible on the entity, not only implied by the model's default.",
      fix="Mark the entity `@hard_delete` to confirm, or switch the model to `deletes soft` (the default) so "
          "deletes set deleted_at.",
      references=("D16", "sq ban-truncate-cascade", "At DS102 (the DDL counterpart)"))
def implicit_hard_delete(ctx: Context) -> Iterator[Finding]:
    seen: set[str] = set()
    for w in ctx.model.writes:
        e = ctx.entities.get(w.entity)
        if w.op != "delete" or e is None or e.soft_delete or e.hard_delete or e.junction or e.name in seen:
            continue
        seen.add(e.name)
        why = "the model says `deletes hard`" if ctx.model.settings.deletes == "hard" else "no soft delete applies"
        owned = [c.name for c, f in ctx.model.children_of(e.name) if f.owner or f.on_delete is OnDelete.CASCADE]
        cascade = f"; the delete cascades to {listing(owned)}" if owned else ""
        yield Finding(ctx.clause_span(w, "delete"), {"write": w.name, "entity": e.name, "why": why, "cascade": cascade},
                      help=f"add @hard_delete to `entity {e.name}` to confirm, or use `deletes soft` in the model")


@rule("SC0316", "cascade-on-soft-deleted-parent", W,
      template="`{entity}.{field}` cascades deletes from `{target}`, which is soft-deleted: {consequence}",
      rationale="ON DELETE CASCADE fires only when a parent row is really deleted; under soft delete that is a "
                "purge or a GDPR erasure, so the cascade does nothing day to day and then removes every child "
                "at once, including rows that do not belong to the parent.",
      fix="Use `@owner` when the child belongs to its parent (it follows the parent's soft delete), or "
          "`@on_delete(restrict)` (the default for references).",
      references=("D13", "sl reference-actions"))
def cascade_on_soft_deleted_parent(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in e.fields:
            if f.kind is not FieldKind.REFERENCE or f.owner or f.on_delete is not OnDelete.CASCADE:
                continue
            target = ctx.entities.get(f.target or "")
            if target is None or not target.soft_delete:
                continue
            consequence = (f"soft-deleting a {target.name} leaves its {e.name} rows live, and purging or "
                           f"erasing it deletes them all")
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "target": target.name,
                                                 "consequence": consequence},
                          help=f"make it `{f.name} {target.name} @owner` if {e.name} rows belong to their "
                               f"{target.name}; otherwise drop @on_delete(cascade)")
