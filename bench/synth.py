"""Synthetic SDL models for benchmarks: `generate(n, seed)` returns the text of an n-entity model.

The models look like real ones: a multi-tenant model block, entities with 5-10 fields of mixed types
(strings, numbers, money, enums, timestamps, JSON, lists, @pii and @unique fields, optional fields and
defaults), references to earlier entities (some owned, some through paths), uniques, field and entity
checks, volumes (plain, growth, conditional) and sizes, maintained counters, and four access patterns per
entity: an equality lookup, an equality + order + limit list, a range query and a write; append-only
entities also get a grouped read over a time window (per parent).

Deterministic: the same (n, seed) gives the same text, byte for byte.

    python bench/synth.py 1000 > /tmp/m1000.sdl
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass, field

_NOUNS = (
    "Account", "Invoice", "Shipment", "Ticket", "Project", "Task", "Document", "Payment", "Contract",
    "Asset", "Device", "Booking", "Campaign", "Lead", "Deal", "Warehouse", "Parcel", "Subscription",
    "Plan", "Coupon", "Vendor", "Supplier", "Route", "Vehicle", "Driver", "Policy", "Claim", "Report",
    "Survey", "Answer", "Lesson", "Module", "Badge", "Event", "Venue", "Seat", "Review", "Listing",
    "Message", "Thread", "Channel", "Team", "Budget", "Expense", "Timesheet", "Release", "Build", "Alert",
)
_STATUSES = (("draft", "active", "archived"), ("open", "pending", "closed"), ("new", "paid", "void", "refunded"),
             ("queued", "running", "done", "failed"))


@dataclass
class _Field:
    name: str
    text: str  # the type and everything after the name
    kind: str  # ref | string | text | int | money | decimal | bool | enum | ts | date | json | email | uuid | list
    target: str | None = None
    values: tuple[str, ...] = ()
    optional: bool = False


@dataclass
class _Entity:
    name: str
    index: int
    fields: list[_Field] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # unique / check / volume / size lines
    children: list[tuple[str, str]] = field(default_factory=list)  # (child entity, its reference field)

    def first(self, *kinds: str) -> _Field | None:
        return next((f for f in self.fields if f.kind in kinds), None)


def _snake(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _plan(n: int, rng: random.Random) -> list[_Entity]:
    entities: list[_Entity] = []
    for i in range(1, n):
        noun = _NOUNS[(i - 1) % len(_NOUNS)]
        e = _Entity(f"{noun}{i}", i)
        if i % 17 == 0:
            e.modifiers.append("@append_only")
        elif i % 23 == 0:
            e.modifiers.append("@hard_delete")
        if i % 11 == 0:
            e.modifiers.append("@audited")
        # references to earlier entities (never to later ones: no owner cycles)
        earlier = [x for x in entities if "@append_only" not in x.modifiers] if entities else []
        refs = rng.sample(earlier, k=min(len(earlier), rng.choice((1, 1, 2, 2, 3))))
        for j, target in enumerate(refs):
            fname = _snake(target.name) if j == 0 else f"{_snake(target.name)}_ref"
            optional = j > 0 and rng.random() < 0.5
            attrs = " @owner" if j == 0 and rng.random() < 0.3 else ""
            if optional and not attrs and rng.random() < 0.5:
                attrs = " @on_delete(set_null)"
            e.fields.append(_Field(fname, f"{target.name}{'?' if optional else ''}{attrs}", "ref",
                                   target=target.name, optional=optional))
            target.children.append((e.name, fname))
        # a code, a status, a title: every entity can be looked up, listed and filtered
        e.fields.append(_Field("code", f"string({rng.choice((16, 32, 64))})", "string"))
        values = _STATUSES[i % len(_STATUSES)]
        e.fields.append(_Field("status", f"enum({', '.join(values)}) = {values[0]}", "enum", values=values))
        e.fields.append(_Field("title", "string(255) @search" if i % 7 == 0 else "string(255)", "string"))
        extras = [
            _Field("amount", "money check (>= 0)", "money"),
            _Field("quantity", "int check (0..100000)", "int"),
            _Field("score", "decimal(8, 3)?", "decimal", optional=True),
            _Field("starts_at", "timestamp", "ts"),
            _Field("ends_at", "timestamp?", "ts", optional=True),
            _Field("due_on", "date?", "date", optional=True),
            _Field("notes", "text?", "text", optional=True),
            _Field("contact_email", "email? @pii", "email", optional=True),
            _Field("external_id", "uuid @unique", "uuid"),
            _Field("enabled", "bool = true", "bool"),
            _Field("metadata", "json?", "json", optional=True),
            _Field("labels", "list<string(40)>", "list"),
            _Field("priority", "smallint = 3 check (1..5)", "int"),
        ]
        want = rng.randint(5, 10) - len(e.fields)
        if want > 0:
            picked = sorted(rng.sample(range(len(extras)), k=min(want, len(extras))))
            e.fields += [extras[k] for k in picked]
        entities.append(e)
    # maintained counters on some parents (after every child is known)
    for e in entities:
        if e.children and e.index % 5 == 0:
            child, via = e.children[0]
            e.fields.append(_Field(f"{_snake(child)}_count", f"int = count({child}.{via})", "int"))
    for e in entities:
        names = {f.name for f in e.fields}
        ref = e.first("ref")
        if ref is not None and not ref.optional and e.index % 3 == 0:
            e.members.append(f"unique ({ref.name}, code)")
        else:
            e.members.append("unique (code)")
        if {"starts_at", "ends_at"} <= names:
            e.members.append("check (starts_at < ends_at)")
        kind = e.index % 4
        if kind == 0:
            e.members.append(f"volume {rng.choice(('10k', '50k', '200k', '1M'))}")
        elif kind == 1:
            e.members.append(f"volume {rng.choice(('1k', '20k', '300k'))} + {rng.choice(('500', '5k'))}/month")
        elif kind == 2:
            e.members.append(f"volume {rng.choice(('2k', '40k'))}/month")
        else:
            e.members.append("volume 100k")
            e.members.append(f"volume 5k where status = {e.first('enum').values[1]}")  # type: ignore[union-attr]
        if e.index % 6 == 0:
            e.members.append(f"size {rng.choice((180, 250, 600))} bytes")
    return entities


def _entity_text(e: _Entity) -> str:
    width = max(len(f.name) for f in e.fields) + 2
    mods = "".join(f" {m}" for m in e.modifiers)
    lines = [f"entity {e.name}{mods} {{"]
    lines += [f"  {f.name.ljust(width)}{f.text}" for f in e.fields]
    lines += [f"  {m}" for m in e.members]
    lines.append("}")
    return "\n".join(lines)


def _patterns(e: _Entity, rng: random.Random) -> list[str]:
    base = _snake(e.name)
    ref = e.first("ref")
    out = []
    # 1. equality lookup (unique code: returns one row)
    out.append(f"query {base}_by_code {{\n  from    {e.name}\n  where   code = ?\n"
               f"  rate    {rng.choice((50, 200, 1000))}/s\n}}")
    # 2. equality + order + limit (keyset pagination)
    eq = f"{ref.name} = ?" if ref is not None else "status = ?"
    include = f"\n  include {ref.name}" if ref is not None and e.index % 4 == 1 else ""
    out.append(f"query {base}_list {{\n  from    {e.name}\n  where   {eq}\n  order   created_at desc{include}\n"
               f"  limit   {rng.choice((20, 50, 100))}\n  rate    {rng.choice((20, 100, 300))}/s\n}}")
    # 3. range query (equality prefix + range, or a between on a number)
    if e.first("money") is not None and e.index % 2 == 0:
        where, order = "status = ? and amount between ? and ?", "amount"
    elif any(f.name == "starts_at" for f in e.fields):
        where, order = "status = ? and starts_at >= ?", "starts_at"
    else:
        where, order = "created_at > ?", "created_at"
    out.append(f"query {base}_range {{\n  from    {e.name}\n  where   {where}\n  order   {order}\n"
               f"  limit   200\n  rate    {rng.choice((1, 5, 10))}/s\n}}")
    # 4. an append-only series read back per parent over a time window (grouped range: issue 10 item 14)
    if "@append_only" in e.modifiers and ref is not None:
        value = e.first("money", "int", "decimal")
        peak = f", max({value.name}) as peak" if value is not None else ""
        out.append(f"query {base}_window {{\n  from    {e.name}\n  where   {ref.name} = ? and created_at between ? "
                   f"and ?\n  group   {ref.name}\n  select  {ref.name}, count(id) as readings{peak}\n"
                   f"  rate    20/s\n}}")
    # 5. a write
    if "@append_only" in e.modifiers:
        op = f"insert  {e.name}"
    else:
        key = "code" if "unique (code)" in e.members else f"{ref.name}, code"  # type: ignore[union-attr]
        op = (f"insert  {e.name}", f"update  {e.name} by (id)", f"upsert  {e.name} by ({key})",
              f"delete  {e.name} by (id)")[e.index % 4]
    out.append(f"write {base}_write {{\n  {op}\n  rate    {rng.choice((5, 20, 60))}/s\n}}")
    return out


def generate(n: int, seed: int = 0) -> str:
    """An SDL model with `n` entities (the tenant root included) and four access patterns per entity."""
    if n < 2:
        raise ValueError("a synthetic model has at least 2 entities")
    rng = random.Random(seed)
    entities = _plan(n, rng)
    parts = [
        f"// synthetic model: {n} entities, seed {seed} (bench/synth.py)",
        "model synthetic {\n  tenant     Organization\n  ids        uuid7\n  deletes    soft\n"
        "  horizon    18 months\n  compliance gdpr\n  audit      on\n}",
        "entity Organization {\n  name  string(255)\n  slug  string(64) @unique\n  volume 500\n}",
        "query organization_by_slug {\n  from    Organization\n  where   slug = ?\n  rate    50/s\n}",
        "query organization_by_name {\n  from    Organization\n  where   name = ?\n  order   created_at\n"
        "  limit   10\n  rate    1/s\n}",
        "query organization_range {\n  from    Organization\n  where   created_at >= ?\n  order   created_at\n"
        "  limit   100\n  rate    1/min\n}",
        "write organization_write {\n  insert  Organization\n  rate    1/min\n}",
    ]
    parts += [_entity_text(e) for e in entities]
    for e in entities:
        parts += _patterns(e, rng)
    actions = [e for e in entities if e.index % 10 == 0]
    for e in actions:
        base = _snake(e.name)
        parts.append(f"action {base}_screen {{ {base}_by_code, {base}_list }}")
    return "\n\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 100
    seed = int(argv[2]) if len(argv) > 2 else 0
    sys.stdout.write(generate(n, seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
