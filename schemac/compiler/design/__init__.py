"""The design stage: from the IR and a target's capabilities to a Design, every choice a recorded decision.

    design(model, capabilities, target) -> (Design | None, diagnostics)

Pure and deterministic: no I/O, stable order everywhere. The planner is chosen by `capabilities.family`
from `PLANNERS`; each planner fills the family-neutral core (pattern plans, write plans, growth, typed
decisions) and its family's layout, from the shared analysis (`wants`, `needs`, `estimates`, `sizes`). A
family with no planner yet is the SC0400 diagnostic and no Design. Differences between targets of one family
are read from `Capabilities`, never from the target's name.
"""

from __future__ import annotations

from collections.abc import Callable

from schemac.compiler.design import codes as codes  # registers the SC040x diagnostics
from schemac.compiler.design.context import Ctx
from schemac.compiler.design.document import planner as document
from schemac.compiler.design.explain import render_decisions
from schemac.compiler.design.keyvalue import planner as keyvalue
from schemac.compiler.design.model import Capabilities, Design
from schemac.compiler.design.relational import planner as relational
from schemac.compiler.model import Model
from schemac.diagnostics import Diagnostic

__all__ = ["PLANNERS", "Capabilities", "Design", "Planner", "design", "render_decisions"]

Planner = Callable[[Ctx], Design]

# family -> planner, one per storage family.
PLANNERS: dict[str, Planner] = {"relational": relational.plan, "document": document.plan, "key_value": keyvalue.plan}


def design(model: Model, capabilities: Capabilities, target: str) -> tuple[Design | None, list[Diagnostic]]:
    """Decide the design of `model` for one target: the family's planner, or SC0400 when there is none."""
    ctx = Ctx(model=model, caps=capabilities, target=target)
    planner = PLANNERS.get(capabilities.family)
    if planner is None:
        ctx.diags.report(codes.NO_PLANNER, model.settings.span, family=capabilities.family, target=target)
        return None, list(ctx.diags)
    return planner(ctx), list(ctx.diags)
