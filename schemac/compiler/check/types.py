"""Types: floating point for exact amounts, and enum value lists that will need to change."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, rule, scalar_kind, words
from schemac.compiler.model import FieldKind
from schemac.diagnostics import Severity

W, I = Severity.WARNING, Severity.INFO
MONEY_WORDS = frozenset({  # money wherever they appear in the name
    "price", "amount", "cost", "fee", "fees", "subtotal", "salary", "wage", "tax", "vat", "discount", "revenue",
    "refund", "cents", "money",
})
MONEY_LAST_WORDS = frozenset({"total", "balance", "charge", "payment", "budget"})  # only as the last word
LONG_ENUM = 10


@rule("SC0325", "float-money", W,
      template="`{entity}.{field}` is float, but its name says it holds money",
      rationale="Binary floating point cannot represent 0.10 exactly: sums drift by cents and equal amounts "
                "compare unequal.",
      fix="Use `money` (decimal(19, 4)), `decimal(p, s)`, or an integer count of minor units (`price_cents int`).",
      references=("D09", "sc 2001 Imprecise Data Type", "sk has-float", "wiki Don't use money"))
def float_money(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) != "float" and not (f.kind is FieldKind.LIST and f.scalar and
                                                   f.scalar.kind.value == "float"):
                continue
            parts = words(f.name)
            if MONEY_WORDS & set(parts) or parts[-1] in MONEY_LAST_WORDS:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name},
                              help=f"write `{f.name}  money` (or decimal(p, s))")


@rule("SC0326", "long-enum", I,
      template="`{entity}.{field}` is an enum of {n} values",
      rationale="A long value list is data, not a type: it grows, and changing an enum means a migration (in "
                "MySQL a table copy unless the value is appended at the end).",
      fix="Use a lookup entity referenced by the field (rows, not a type), or keep the enum and only ever "
          "append values.",
      references=("D08", "sc 2002 Values In Definition", "sl prefer-text-with-check-to-enum", "sk has-enum",
                  "At MY110-MY113"))
def long_enum(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) == "enum" and f.scalar and len(f.scalar.values) > LONG_ENUM:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "n": len(f.scalar.values)},
                              help=f"declare `entity {f.name.title().replace('_', '')} {{ name string(..) }}` "
                                   f"and reference it, or keep the enum append-only")


@rule("SC0327", "repeated-enum", I,
      template="`{entity}.{field}` repeats the value list of `{first}`: enum({values})",
      rationale="The same list declared twice has to be kept in step by hand; the day one copy gains a value "
                "the other rejects it.",
      fix="Keep the list in one place: a lookup entity both fields reference, or one field that the other "
          "entity reads through a reference.",
      references=("D08", "sc 2002 Values In Definition"))
def repeated_enum(ctx: Context) -> Iterator[Finding]:
    first: dict[frozenset[str], str] = {}
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) != "enum" or f.scalar is None or len(f.scalar.values) < 3:
                continue
            key = frozenset(f.scalar.values)
            if key not in first:
                first[key] = f"{e.name}.{f.name}"
                continue
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "first": first[key],
                                                 "values": ", ".join(f.scalar.values)},
                          help=f"share one definition with `{first[key]}`, or silence this line if the two "
                               "lists only match today")
