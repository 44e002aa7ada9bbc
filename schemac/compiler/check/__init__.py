"""Lint rules over the IR (and, for some, the design): the schema mistakes schemac can see before emitting.

    run_checks(model, design, config, sources, catalog=...) -> list[Diagnostic]

Every rule lives in one small module per family and is listed in `RULES` (code -> LintRule: name,
severity, rationale, fix, the ids of the same check in other tools). Rules that read the design (indexes,
access-pattern plans, growth) run only when a design is given; rules about the names a target really
emitted (too long, reserved) read the backend's catalog and run only when one is given. Findings silenced by
`// schemac: ignore ...` comments (see `ignore`) are dropped, then the configuration re-grades or
switches off codes (see `config`). Pure: no file access, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from schemac.compiler.check import (  # noqa: F401 - importing a family registers its rules
    audit,
    constraints,
    deletes,
    indexes,
    json,
    keys,
    naming,
    patterns,
    privacy,
    scale,
    sdl12,
    timestamps,
    types,
)
from schemac.compiler.check.base import RULES, Context, Finding, LintRule, expand_reference, rule
from schemac.compiler.check.config import ConfigError, LintConfig, load_config
from schemac.compiler.check.ignore import ALL, Directive, parse_suppressions
from schemac.compiler.links import with_links
from schemac.compiler.model import Model
from schemac.diagnostics import Diagnostic, Diagnostics, Severity, sort_key

if TYPE_CHECKING:
    from schemac.catalog import Catalog
    from schemac.compiler.design.model import Design

__all__ = ["RULES", "ConfigError", "Finding", "LintConfig", "LintRule", "explain", "load_config", "rule",
           "rules_markdown", "run_checks"]

UNUSED_IGNORE = "SC0399"


@rule(UNUSED_IGNORE, "unused-ignore", Severity.INFO,
      template="`schemac: ignore{scope}` {problem}",
      rationale="An ignore comment that silences nothing hides the next real finding on that line, and usually "
                "outlived the code it was written for.",
      fix="Remove the comment, or correct the code or rule name in it.",
      references=("sq unused-ignore",))
def unused_ignore(ctx: Context) -> list[Finding]:
    return []  # computed by run_checks once the other rules' findings are known


def _tables(model: Model, design: Design | None) -> Model:
    """The model the rules walk: as the relational layout stores it (junction tables after the entities); with
    every relation's links when there is no design (the rules judge what a relational target would store);
    the IR itself for another family's design."""
    if design is None:
        return with_links(model)
    return design.relational.stored(model) if design.layout.family == "relational" else model


def run_checks(model: Model, design: Design | None, config: LintConfig | None = None,
               sources: Mapping[str, str] | None = None, *,
               reserved: Mapping[str, frozenset[str]] | None = None,
               catalog: Catalog | None = None) -> list[Diagnostic]:
    """Every lint finding for `model` (and `design`, when given), silenced and re-graded, in source order.
    `reserved` is each target's reserved words by its title (the backends own them: the layer above the
    compiler passes `schemac.backends.reserved_words()`). `catalog` is what the target's backend emitted for
    `design`: the rules about emitted names read it (and do not run without it)."""
    config = config or LintConfig()
    sources = dict(sources or {})
    ctx = Context(_tables(model, design), design, config, sources, dict(reserved or {}), catalog)
    diags = Diagnostics()
    for r in RULES.values():
        if (r.needs_design and design is None) or (r.needs_catalog and catalog is None) or r.code == UNUSED_IGNORE:
            continue
        for f in r.check(ctx):
            diags.report(r.code, f.span, help=f.help or r.fix, **f.fields)
    names = {r.name: r.code for r in RULES.values()}
    suppressions = parse_suppressions(sources, names)
    kept = suppressions.filter(_unique(diags.items))
    for directive in suppressions.unused():
        problem = _unused_problem(directive, design is not None, catalog is not None)
        if problem is not None:
            scope = "-file" if directive.whole_file else ""
            codes = "" if ALL in directive.codes else " " + " ".join(sorted(directive.codes))
            kept.append(diags.report(UNUSED_IGNORE, directive.span, scope=scope + codes, problem=problem,
                                     help=RULES[UNUSED_IGNORE].fix))
    return sorted(config.apply(kept), key=sort_key)


def explain(key: str) -> str | None:
    """The documentation of one rule, by code or name (for `schemac explain SC0301`); None if unknown."""
    r = RULES.get(key.upper()) or next((x for x in RULES.values() if x.name == key), None)
    if r is None:
        return None
    refs = "\n".join(f"  - {expand_reference(x)}" for x in r.references)
    design = "yes (runs when a target is given)" if r.needs_design else \
        "the emitted schema (runs when a target is built)" if r.needs_catalog else "no"
    return (f"{r.code} {r.name} ({r.severity.value}, family {r.family})\n\n"
            f"Why: {r.rationale}\nFix: {r.fix}\nNeeds the design: {design}\n"
            f"Silence: `// schemac: ignore {r.code}` on the line or the line above; "
            f"[tool.schemac.severity] {r.code} = \"off\"\n"
            f"Same check in other tools:\n{refs}\n")


def rules_markdown() -> str:
    """A Markdown table of every rule, for the documentation."""
    rows = ["| Code | Name | Severity | Needs design | Rationale | Other tools |", "|---|---|---|---|---|---|"]
    for r in sorted(RULES.values(), key=lambda x: x.code):
        refs = "; ".join(r.references).replace("|", "/")
        needs = "yes" if r.needs_design else "emitted schema" if r.needs_catalog else "no"
        rows.append(f"| {r.code} | {r.name} | {r.severity.value} | {needs} | "
                    f"{r.rationale} | {refs} |")
    return "\n".join(rows) + "\n"


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for d in diags:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _unused_problem(d: Directive, has_design: bool, has_catalog: bool) -> str | None:
    unknown = sorted(c for c in d.codes if c != ALL and c not in RULES)
    if unknown:
        return f"names no lint rule: {', '.join(unknown)}"
    needs_design = ALL in d.codes or any(RULES[c].needs_design for c in d.codes)
    needs_catalog = ALL in d.codes or any(RULES[c].needs_catalog for c in d.codes)
    if (needs_design and not has_design) or (needs_catalog and not has_catalog):
        return None  # the rule it names did not run: cannot tell
    if d.target_line is None and not d.whole_file:
        return "has no line to apply to (a blank line or the end of the file follows it)"
    return "silences nothing: no finding of " + ("any rule" if ALL in d.codes else "that rule") + \
        (" in this file" if d.whole_file else " on the line it applies to")
