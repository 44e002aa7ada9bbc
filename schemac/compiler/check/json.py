"""`json` fields: opaque documents that queries should not look into, and shapes that deserve a type."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, declared, listing, rule, scalar_kind, words
from schemac.diagnostics import Severity

W, I = Severity.WARNING, Severity.INFO
SHAPED = frozenset({
    "address", "settings", "preferences", "prefs", "config", "configuration", "options", "profile",
    "location", "coordinates", "geo", "dimensions", "contact", "billing", "shipping", "price", "money",
})
VERBS = {"where": "filters by", "order": "orders by", "group": "groups by", "aggregate": "filters by"}


@rule("SC0330", "json-queried", W,
      template="`{entity}.{field}` is json, but {uses}",
      rationale="A json column is opaque to constraints and ordinary indexes: filtering, ordering or grouping by "
                "it scans and parses every document, and nothing checks the keys the query relies on.",
      fix="Promote what queries look at to typed fields (or a `type` value object), and keep json for payloads "
          "that are stored and returned as they are.",
      references=("D07", "D06", "sc 1001 Multi-Valued Attribute", "sc 1006 EAV", "SM add_column_json",
                  "sl prefer-jsonb-to-json"))
def json_queried(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) != "json":
                continue
            uses = [f"`{m.pattern}` {VERBS[m.how]} it" for m in ctx.usage.of(e.name, f.name)
                    if m.how in ("where", "order", "group") or (m.how == "aggregate" and m.op)]
            if uses:
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name,
                                                     "uses": listing(dict.fromkeys(uses), 3)},
                              help=f"declare the keys that `{f.name}` is queried by as fields of `{e.name}` "
                                   "(or of a value type) and query those")


@rule("SC0331", "json-in-key", W,
      template="`{entity}` {what} ({parts}) includes json field `{field}`",
      rationale="json has no reliable equality (key order, whitespace and number formats differ), so a unique "
                "constraint on it does not stop duplicates and a B-tree index on it cannot serve lookups.",
      fix="Key on typed fields; if the whole document must be unique, store a hash of it in a typed field.",
      references=("D06", "sl prefer-jsonb-to-json", "SM add_column_json", "REL-I07"))
def json_in_key(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        keys = [("unique", u.fields, u.span) for u in e.uniques]
        keys += [("index", tuple(p.field for p in ix.parts), ix.span) for ix in e.indexes]
        for what, names, span in keys:
            for name in names:
                f = e.field(name)
                if f is not None and scalar_kind(f) == "json":
                    tenant = e.tenant_field.name if e.tenant_field else None
                    shown = ", ".join(x for x in names if x != tenant)
                    yield Finding(ctx.first_line(span), {"entity": e.name, "what": what, "parts": shown,
                                                         "field": name},
                                  help=f"{what} on typed fields instead of `{name}`")


@rule("SC0332", "json-known-shape", I,
      template="`{entity}.{field}` is json, but its name suggests a known shape",
      rationale="A document whose structure is known (an address, settings) is better declared: typed fields "
                "are validated, documented, and emitted as columns, a sub-document or a map per target.",
      fix="Declare a value type (`type Address { line1 string(255) ... }`) and use it as the field's type.",
      references=("D07", "sc 1001 Multi-Valued Attribute", "MDB-E01"))
def json_known_shape(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        for f in declared(e):
            if scalar_kind(f) != "json":
                continue
            shape = next((w for w in reversed(words(f.name)) if w in SHAPED), None)
            if shape is not None:
                type_name = shape.title()
                yield Finding(ctx.field_span(e, f), {"entity": e.name, "field": f.name},
                              help=f"declare `type {type_name} {{ ... }}` and write `{f.name}  {type_name}"
                                   f"{'?' if f.optional else ''}`")
