"""Cascades that must fire triggers: on targets whose foreign-key actions fire no triggers (InnoDB), a
cascade that removes rows kept in a maintained aggregate is done by a BEFORE DELETE trigger on the parent
instead (the key itself restricts), so that every removed row fires its own triggers.

A key is converted when its child's rows are counted through another reference (deleting them must update
that other parent), or when its child is itself the parent of a converted key (a native cascade would hit
that key's RESTRICT). The parent's trigger deletes children while the parent's table is in use by the
statement, so a child trigger may not update a table of that chain (MySQL ER 1442): an aggregate over the
very reference being cascaded is skipped during the cascade (its parent is going away); any other update
of the chain cannot be done, and the cascade stays native, recorded as a decision.
"""

from __future__ import annotations

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject, TriggerCascade
from schemac.compiler.design.model import ForeignKeyPlan, MaintainedAggregate


def plan_trigger_cascades(ctx: Ctx, fks: list[ForeignKeyPlan],
                          aggregates: list[MaintainedAggregate]) -> list[ForeignKeyPlan]:
    """The foreign keys, with the cascades that must fire triggers turned into trigger cascades."""
    if ctx.caps.fk_actions_fire_triggers or not ctx.caps.triggers or not aggregates:
        return fks
    wanted = _needed(fks, aggregates, blocked=set())
    conflicts = {i for i in wanted if _conflict(fks, aggregates, wanted, i)}
    # a native cascade of a key removes its child's rows natively, and so everything below them
    blocked = conflicts | {j for i in conflicts for j in wanted
                           if fks[j].target in _below(fks, wanted, fks[i].entity)}
    converted = _needed(fks, aggregates, blocked=blocked)
    out = list(fks)
    for i in sorted(converted):
        out[i] = fks[i].model_copy(update={"on_delete": "restrict", "cascade_by_trigger": True})
        _decide_converted(ctx, fks[i])
    for i in sorted(blocked & wanted):
        _decide_blocked(ctx, fks[i])
    return out


def _needed(fks: list[ForeignKeyPlan], aggregates: list[MaintainedAggregate], blocked: set[int]) -> set[int]:
    """The cascading keys whose removed rows must fire triggers, to a fixed point."""
    out: set[int] = set()
    while True:
        targets = {fks[i].target for i in out}
        more = {i for i, fk in enumerate(fks)
                if fk.on_delete == "cascade" and i not in out and i not in blocked
                and (any(a.child == fk.entity and a.via != fk.field for a in aggregates) or fk.entity in targets)}
        if not more:
            return out
        out |= more


def _below(fks: list[ForeignKeyPlan], converted: set[int], table: str) -> set[str]:
    """The tables whose rows a delete in `table` removes through converted keys, `table` included."""
    seen, todo = {table}, [table]
    while todo:
        parent = todo.pop()
        for i in converted:
            if fks[i].target == parent and fks[i].entity not in seen:
                seen.add(fks[i].entity)
                todo.append(fks[i].entity)
    return seen


def _conflict(fks: list[ForeignKeyPlan], aggregates: list[MaintainedAggregate], converted: set[int],
              i: int) -> bool:
    """Would deleting from this key's parent make a trigger update a table the delete is using (ER 1442)?"""
    fk = fks[i]
    if fk.entity == fk.target:  # a trigger cannot delete from its own table
        return True
    chain = _below(fks, converted, fk.target)
    links = {(fks[j].entity, fks[j].field, fks[j].target) for j in converted}
    return any(a.child in chain - {fk.target} and a.entity in chain and (a.child, a.via, a.entity) not in links
               for a in aggregates)


def _decide_converted(ctx: Ctx, fk: ForeignKeyPlan) -> None:
    ctx.decide(
        "SC-DEN-01", Subject.of_reference(fk.entity, fk.field),
        f"ON DELETE RESTRICT, and a BEFORE DELETE trigger on {fk.target} deletes its {fk.entity} rows "
        f"(the cascade, done by a statement)",
        f"InnoDB's cascades fire no triggers (SC0415): the {fk.entity} rows they removed would stay counted "
        f"in the maintained aggregates; rows deleted by a trigger's statement fire their own triggers", None,
        payload=TriggerCascade(target=fk.target, by_trigger=True))


def _decide_blocked(ctx: Ctx, fk: ForeignKeyPlan) -> None:
    ctx.decide(
        "SC-DEN-01", Subject.of_reference(fk.entity, fk.field),
        f"ON DELETE CASCADE stays native: the maintained aggregates over {fk.entity} and its cascaded children "
        f"are not updated when a {fk.target} delete removes them (SC0415); recount them after such deletes",
        f"a trigger cascade would update a table the {fk.target} delete is using (MySQL ER 1442: a "
        f"self-reference, or an aggregate over another table of the cascade chain)", None,
        payload=TriggerCascade(target=fk.target, by_trigger=False))
