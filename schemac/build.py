"""Build orchestration: compile -> design -> emit for one target.

This sits above both the compiler and the backends: the compiler knows nothing of backends, a backend
knows the design it is given, and this module looks the target up in the registry and joins the two.
Callers (the CLI, the report, tests) build through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from schemac.compiler.gcpause import paused_gc
from schemac.compiler.pipeline import Compilation, Reader, compile_model, read_utf8
from schemac.diagnostics import Diagnostic, Diagnostics

if TYPE_CHECKING:
    from schemac.backends import Artifact, Backend, BuildOptions
    from schemac.catalog import Catalog
    from schemac.compiler.design.model import Design


@dataclass
class BuildResult:
    compilation: Compilation
    artifacts: list[Artifact] = field(default_factory=list)
    design: Design | None = None
    given_catalog: Catalog | None = None  # a catalog at hand; else `describe` makes it on first use
    describe: Callable[[], Catalog | None] | None = field(default=None, repr=False, compare=False)

    @property
    def catalog(self) -> Catalog | None:
        """What the backend emitted, as structure (None before emit)."""
        if self.given_catalog is None and self.describe is not None:
            with paused_gc():  # like design and emit: many long-lived objects, no cycles worth collecting early
                self.given_catalog = self.describe()
        return self.given_catalog

    @property
    def diagnostics(self) -> Diagnostics:
        return self.compilation.diagnostics

    @property
    def ok(self) -> bool:
        return self.compilation.ok and not self.diagnostics.has_errors


def options_for(target: str, **given: object) -> BuildOptions:
    """The target's own options model, filled from `given` (keys that model does not have are left out:
    `pg_version` means nothing to MySQL)."""
    from schemac.backends import get_backend

    model = get_backend(target).options
    return model(**{k: v for k, v in given.items() if k in model.model_fields})


def build(path: Path, target: str, options: BuildOptions | None = None, *, read: Reader = read_utf8) -> BuildResult:
    """compile -> design -> emit for one target; `options` default to the target's own defaults."""
    opts = options if options is not None else options_for(target)
    comp = compile_model(path, read=read, strict=opts.strict)
    return emit_compiled(comp, target, opts)


def emit_compiled(comp: Compilation, target: str, options: BuildOptions | None = None) -> BuildResult:
    result = BuildResult(comp)
    if not comp.ok or comp.model is None:
        return result
    with paused_gc():  # design and emit make many long-lived objects: collect once, afterwards
        return _design_and_emit(comp, target, options, result)


def design_for(comp: Compilation, target: str) -> tuple[Design | None, list[Diagnostic]]:
    """The design of a compiled model for one target (its capabilities come from the registry); None, with
    SC0400, when no planner handles the target's family."""
    from schemac.backends import get_backend
    from schemac.compiler.design import design as run_design

    assert comp.model is not None
    return run_design(comp.model, get_backend(target).capabilities, target)


def _design_and_emit(comp: Compilation, target: str, options: BuildOptions | None,
                     result: BuildResult) -> BuildResult:
    from schemac.backends import Artifact, get_backend
    from schemac.compiler.design.explain import render_decisions

    backend: Backend = get_backend(target)
    designed, diags = design_for(comp, target)
    comp.diagnostics.extend(diags)
    result.design = designed
    if designed is None:  # no planner for the target's family: a diagnostic says so
        return result
    emitted = backend.emit(designed, options if options is not None else backend.options())
    comp.diagnostics.extend(emitted.diagnostics)
    result.describe = emitted.described
    # the design's decisions.md, unless the backend renders its family's own (DynamoDB does)
    own = any(a.path == "decisions.md" for a in emitted.artifacts)
    result.artifacts = [*emitted.artifacts, *([] if own else [Artifact("decisions.md", render_decisions(designed))])]
    return result
