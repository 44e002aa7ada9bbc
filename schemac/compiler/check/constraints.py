"""Missing constraints: NOT NULL, CHECK and UNIQUE that the model's own names and queries call for.

All heuristics: warnings where a wrong guess is cheap to silence and a right one prevents bad data, info
where the rule is advice.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, listing, rule, scalar_kind, words
from schemac.compiler.model import NUMERIC_KINDS, Entity, Field, FieldKind, OnDelete
from schemac.diagnostics import Severity

W, I = Severity.WARNING, Severity.INFO

# name word -> the check to suggest
NUMERIC_WORDS = {
    "percent": "check (0..100)", "percentage": "check (0..100)", "pct": "check (0..100)",
    "rating": "check (1..5)", "stars": "check (1..5)",
    "quantity": "check (>= 1)", "qty": "check (>= 1)",
    "score": "check (>= 0)", "age": "check (0..150)", "price": "check (>= 0)", "amount": "check (>= 0)",
    "count": "check (>= 0)", "cost": "check (>= 0)", "fee": "check (>= 0)",
}
NATURAL_KEYS = frozenset({
    "email", "slug", "username", "user_name", "login", "handle", "code", "sku", "external_id", "external_ref",
    "isbn", "ean", "gtin", "upc", "iban",
})


@rule("SC0320", "optional-always-set", W,
      template="`{entity}.{field}` is optional, but every access pattern that uses it matches it with a "
               "value ({patterns}): rows where it is empty are never found",
      rationale="A field the application always looks rows up by is, in practice, always set; declaring it "
                "optional lets rows without it in, where no query will ever see them again.",
      fix="Make it required (drop the `?`), or give it a default.",
      references=("D17", "sk nullable (hidden)", "sc 3002/3003"))
def optional_always_set(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            if not f.optional or f.kind not in (FieldKind.SCALAR, FieldKind.REFERENCE):
                continue
            if f.on_delete is OnDelete.SET_NULL:
                continue  # must be able to become empty
            mentions = ctx.usage.of(e.name, f.name)
            if not mentions or not all(m.is_lookup for m in mentions):
                continue
            patterns = listing(dict.fromkeys(f"`{m.pattern}`" for m in mentions), 3)
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "patterns": patterns},
                          help=f"drop the `?` from `{f.name}` if every {e.name} has one")


@rule("SC0321", "nullable-by-default", I,
      template="`{entity}` declares {optional} of its {total} fields optional",
      rationale="When most fields are optional, optionality was not decided field by field: the table accepts "
                "half-empty rows and every reader has to handle missing values.",
      fix="Make required what every row has; move groups of fields that are only sometimes present to an "
          "owned child entity or a value type.",
      references=("D17", "sk nullable (hidden)"))
def nullable_by_default(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        fields = [f for f in declared(e) if f.kind is not FieldKind.MANY and not f.maintained]
        optional = [f for f in fields if f.optional]
        if len(optional) >= 3 and len(optional) * 2 > len(fields):
            yield Finding(ctx.entity_span(e), {"entity": e.name, "optional": len(optional), "total": len(fields)},
                          help=f"review {listing((f.name for f in optional), 5)}: drop the `?` where every "
                               f"{e.name} has a value")


@rule("SC0322", "numeric-without-check", I,
      template="`{entity}.{field}` ({kind}) is named like {word} but has no check",
      rationale="Quantities, prices, percentages and ratings have a valid range; a CHECK declared now, while the "
                "table is empty, is free, and stops negative prices or 250% discounts at the door.",
      fix="Add a range or comparison check, e.g. `check (>= 0)` or `check (0..100)`.",
      references=("D18", "sc 2001 (imprecise types)", "At MF101/MF102 (added later, data-dependent)"))
def numeric_without_check(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        checked = {c.field for c in e.checks} | {c.other for c in e.checks}
        for f in declared(e):
            kind = scalar_kind(f)
            if f.scalar is None or f.scalar.kind not in NUMERIC_KINDS or f.kind is not FieldKind.SCALAR:
                continue
            if f.checks or f.name in checked or f.maintained:
                continue
            word = next((w for w in reversed(words(f.name)) if w in NUMERIC_WORDS), None)
            if word is None:
                continue
            shown = "money" if f.scalar.is_money else kind
            article = "an" if word[0] in "aeiou" else "a"
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name, "kind": shown,
                                                 "word": f"{article} {word}"},
                          help=f"add `{NUMERIC_WORDS[word]}` to `{f.name}` (or the range it really has)")


@rule("SC0323", "natural-key-not-unique", W,
      template="`{entity}.{field}` looks like a natural key, but nothing makes it unique",
      rationale="Fields such as email, slug, sku or username identify a row to people and other systems; "
                "without a unique constraint duplicates creep in, and adding one later needs a clean-up first.",
      fix="Add `@unique` to the field or a `unique (...)` line (tenant-scoped automatically); if duplicates are "
          "intended, silence this finding on the line.",
      references=("D18", "At MF101/MF102"))
def natural_key_not_unique(ctx: Context) -> Iterator[Finding]:
    names = NATURAL_KEYS | set(ctx.config.natural_keys)
    for e in ctx.user_entities():
        if e.append_only:
            continue  # logs and events repeat keys by nature
        for f in declared(e):
            if f.kind is not FieldKind.SCALAR or f.name not in names or _in_unique(e, f):
                continue
            yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name},
                          help=f"write `{f.name} ... @unique`, or `unique (..., {f.name})` when it is unique "
                               "within a parent")


def _in_unique(e: Entity, f: Field) -> bool:
    return f.name in e.primary_key or any(f.name in u.fields for u in e.uniques)
