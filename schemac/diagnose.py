"""Everything schemac can say about a model, for one or several targets: what `build` reports (design and
backend diagnostics) plus the lint findings that read the design, de-duplicated across targets.

    lint(comp, design, config, catalog=...) -> list[Diagnostic]
    diagnose(comp, targets, config, strict=...) -> list[Diagnostic]

A finding that only some of several targets produce gets a note naming them. Pure: no file access, no
printing (the configuration is read by the caller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from schemac.diagnostics import Diagnostic, Diagnostics, Note, Span, promote

if TYPE_CHECKING:
    from schemac.catalog import Catalog
    from schemac.compiler.check.config import LintConfig
    from schemac.compiler.design.model import Design
    from schemac.compiler.pipeline import Compilation

UNUSED_IGNORE = "SC0399"  # an ignore comment is unused only if it silences nothing on every target


def lint(comp: Compilation, design: Design | None, config: LintConfig, *, strict: bool = False,
         catalog: Catalog | None = None) -> list[Diagnostic]:
    """The lint findings for the compiled model (and its design for one target and what the target's backend
    emitted for it, when given)."""
    from schemac.backends import reserved_words
    from schemac.compiler.check import run_checks

    if comp.model is None:
        return []
    reserved = reserved_words(target=design.target) if catalog is not None and design is not None else reserved_words()
    findings = run_checks(comp.model, design, config, comp.sources, reserved=reserved, catalog=catalog)
    return [promote(d) for d in findings] if strict else findings


def diagnose(comp: Compilation, targets: Sequence[str], config: LintConfig, *, strict: bool = False
             ) -> list[Diagnostic]:
    """The compile diagnostics, then per target what `build` reports and the lint findings with that
    target's design; each finding once."""
    from schemac.build import emit_compiled, options_for
    from schemac.compiler.pipeline import Compilation

    seen: dict[tuple[str, Span | None, str], list[str]] = {}
    first: dict[tuple[str, Span | None, str], Diagnostic] = {}
    for target in targets:
        own = Compilation(comp.model, Diagnostics(strict=strict), comp.sources)
        result = emit_compiled(own, target, options_for(target, strict=strict))
        for d in [*own.diagnostics, *lint(comp, result.design, config, strict=strict,
                                                       catalog=result.catalog)]:
            key = (d.code, d.span, d.message)
            if target not in seen.setdefault(key, []):
                seen[key].append(target)
            first.setdefault(key, d)
    out = list(comp.diagnostics)
    for key, d in first.items():
        where = seen[key]
        named = len(where) == 1 and d.message.startswith(f"{where[0]}: ")  # backend messages name their target
        if len(where) == len(targets) or len(targets) == 1 or named:
            out.append(d)
        elif d.code != UNUSED_IGNORE:
            out.append(replace(d, notes=(*d.notes, Note(None, f"for {', '.join(where)} only"))))
    return out
