"""Personal data: @pii fields without a compliance regime, erasure under soft delete, auditing of PII.

Every family's design records an entity's erasure as a typed decision: subject the entity, payload an
`Erasure` whose action is `delete` or `anonymise` (the relational layout also holds it as an `ErasurePlan`).
"""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, listing, rule
from schemac.compiler.model import Entity
from schemac.diagnostics import Severity

W, I = Severity.WARNING, Severity.INFO


def _pii(e: Entity) -> list[str]:
    return [f.name for f in e.fields if f.pii]


@rule("SC0355", "pii-without-compliance", W,
      template="{fields} {verb} marked @pii, but the model declares no compliance regime",
      rationale="@pii only documents a field until a regime is declared; with `compliance gdpr` schemac plans "
                "erasure (even under soft delete), documents the personal data, and applies the privacy rules.",
      fix="Add `compliance gdpr` to the model block (or remove @pii where the data is not personal).",
      references=("(original)",))
def pii_without_compliance(ctx: Context) -> Iterator[Finding]:
    if ctx.model.settings.compliance != "none":
        return
    found = [(e, f) for e in ctx.user_entities() for f in e.fields if f.pii]
    if not found:
        return
    e, f = found[0]
    names = [f"{x.name}.{y.name}" for x, y in found]
    yield Finding(ctx.field_span(e, f), {"fields": listing((f"`{n}`" for n in names), 4),
                                         "verb": "is" if len(names) == 1 else "are"},
                  help="add `compliance gdpr` to the model block")


@rule("SC0356", "erasure-not-planned", W,
      template="`{entity}` holds personal data ({fields}) and is soft-deleted, but the {target} design plans "
               "no erasure: deleted rows keep the data",
      rationale="Under GDPR an erasure request must remove personal data; a soft delete only hides the row, "
                "so the design must anonymise the @pii fields or hard-delete the row on erasure.",
      fix="Mark the entity @hard_delete, or keep soft delete and let the design plan anonymisation of its @pii "
          "fields (report it if the design did not).",
      references=("(original)", "D16"), needs_design=True)
def erasure_not_planned(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None or ctx.model.settings.compliance != "gdpr":
        return
    for e in ctx.user_entities():
        fields = _pii(e)
        if not fields or not e.soft_delete or _erasure_planned(ctx, e.name):
            continue
        yield Finding(ctx.entity_span(e), {"entity": e.name, "fields": listing(fields, 4),
                                           "target": design.target},
                      help=f"mark `{e.name}` @hard_delete, or move {listing(fields, 4)} to an owned entity that "
                           "is hard-deleted")


def _erasure_planned(ctx: Context, entity: str) -> bool:
    assert ctx.design is not None
    return any(d.payload.kind == "erasure" and d.payload.action != "none" and d.subject.entity == entity
               for d in ctx.design.decisions)


@rule("SC0357", "pii-not-audited", I,
      template="`{entity}` holds personal data ({fields}) but is not @audited",
      rationale="Changes to personal data are what a data-protection audit asks about first; @audited records "
                "who changed which field and when.",
      fix="Mark the entity @audited (with `audit on` in the model block).",
      references=("D16", "(original)"))
def pii_not_audited(ctx: Context) -> Iterator[Finding]:
    if ctx.model.settings.compliance != "gdpr":
        return
    for e in ctx.user_entities():
        fields = _pii(e)
        if fields and not e.audited:
            step = "" if ctx.model.settings.audit else " (and `audit on` in the model block)"
            yield Finding(ctx.entity_span(e), {"entity": e.name, "fields": listing(fields, 4)},
                          help=f"write `entity {e.name} @audited {{`{step}")
