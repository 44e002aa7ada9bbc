"""Names: SDL's casing conventions, identifiers the databases truncate or reject, and reserved words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from schemac.compiler.check.base import Context, Finding, rule
from schemac.compiler.model import Entity, Field, FieldOrigin
from schemac.compiler.naming import snake
from schemac.diagnostics import Severity, Span

if TYPE_CHECKING:
    from schemac.catalog import Container, Member

W, E = Severity.WARNING, Severity.ERROR
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@rule("SC0335", "name-case", W,
      template="{kind} `{name}` should be {style}{suggestion}",
      rationale="SDL names entities and types in PascalCase and fields, queries, writes and actions in "
                "snake_case; emitted names are derived from them, so mixed styles give mixed tables and columns.",
      fix="Rename: PascalCase for entities and types, snake_case for everything else.",
      references=("D21", "sl name-casing, name-inflection", "sk name-case", "At NM101-NM106", "pgl B005",
                  "wiki Don't use upper case table or column names"))
def name_case(ctx: Context) -> Iterator[Finding]:
    m = ctx.model
    if m.settings.span is not None:
        yield from _case(ctx, "model", m.settings.name, m.settings.span, snake_case=True)
    for e in ctx.user_entities():
        yield from _case(ctx, "entity", e.name, e.span, snake_case=False)
        for f in e.fields:
            if f.span != e.span and f.span.line != e.span.line:
                yield from _case(ctx, "field", f.name, f.span, snake_case=True, owner=e.name)
    for t in m.types:
        yield from _case(ctx, "type", t.name, t.span, snake_case=False)
        for f in t.fields:
            yield from _case(ctx, "field", f.name, f.span, snake_case=True, owner=t.name)
    for kind, items in (("query", m.queries), ("write", m.writes), ("action", m.actions)):
        for p in items:
            yield from _case(ctx, kind, p.name, p.span, snake_case=True)


def _case(ctx: Context, kind: str, name: str, span: Span, *, snake_case: bool,
          owner: str | None = None) -> Iterator[Finding]:
    pattern, style = (SNAKE, "snake_case") if snake_case else (PASCAL, "PascalCase")
    if pattern.fullmatch(name):
        return
    fixed = snake(name) if snake_case else "".join(p[:1].upper() + p[1:] for p in re.split(r"_+", name))
    suggestion = f": `{fixed}`" if pattern.fullmatch(fixed) and fixed != name else ""
    label = f"{owner}.{name}" if owner else name
    yield Finding(ctx.word_span(span, name), {"kind": kind, "name": label, "style": style,
                                             "suggestion": suggestion},
                  help=f"rename it to `{fixed}`" if suggestion else f"rename it in {style}")


@rule("SC0336", "identifier-too-long", E,
      template="{kind} name `{name}` is {n} {unit}; {target} allows {limit}",
      rationale="PostgreSQL silently truncates identifiers past 63 bytes (two long names can become the same "
                "name) and MySQL rejects names past 64 characters; schemac emits such a name cut short with a "
                "hash, which every hand-written query, ORM mapping and migration must then spell.",
      fix="Shorten the entity or field name, or set the emitted name with `@table(\"...\")`.",
      references=("D22", "sq identifier-too-long", "REL-N01", "REL-N02"), needs_catalog=True)
def identifier_too_long(ctx: Context) -> Iterator[Finding]:
    caps = ctx.design.capabilities if ctx.design else None
    limit = caps.max_identifier if caps else 63
    unit = "bytes" if caps is None or caps.identifier_in_bytes else "characters"
    target = ctx.design.target if ctx.design else ctx.catalog.target if ctx.catalog else "PostgreSQL"

    def size(name: str) -> int:
        return len(name.encode()) if unit == "bytes" else len(name)

    def finding(span: Span | None, kind: str, emitted: str, wanted: str, fix: str) -> Finding:
        return Finding(span, {"kind": kind, "name": wanted, "n": size(wanted), "unit": unit, "target": target,
                              "limit": limit}, help=f"{fix} (at most {limit} {unit})" + _emitted_as(emitted, wanted))

    for container, e in _emitted(ctx):
        kind, member_kind = _KINDS[container.kind]
        wanted = container.shortened_from or container.name
        if size(wanted) > limit:
            span, fix = _container_blame(ctx, container, e)
            yield finding(span, kind, container.name, wanted, fix)
        if container.kind != "table" or container.role in ("history", "audit"):
            continue  # document fields and item attributes have no such limit (key attributes are the table's);
            # a history table copies its entity's columns, the audit table's are schemac's own
        for m in container.members:
            wanted = m.shortened_from or m.name
            if size(wanted) > limit:
                f = _field(e, m)
                if container.role == "summary":
                    span, _ = _container_blame(ctx, container, e)
                    fix = "shorten the grouped field's name or the alias"
                elif f is not None and f.origin is FieldOrigin.TENANT:  # one finding for every table, at `tenant`
                    span, fix = ctx.setting_span("tenant"), f"shorten the tenant entity `{f.target}`'s name"
                else:
                    span = _span(ctx, e, f)
                    fix = f"shorten `{f.name}` so that its {member_kind} fits" if f else \
                        f"shorten the names `{wanted}` is made of"
                yield finding(span, member_kind, m.name, wanted, fix)
    for routine in ctx.catalog.routines if ctx.catalog else ():
        wanted = routine.shortened_from or routine.name
        e = ctx.entities.get(routine.entity) if routine.entity else None
        if size(wanted) > limit:
            yield finding(_span(ctx, e), "routine", routine.name, wanted,
                          f"shorten `{e.name}`" if e else "shorten the entity's name")


def _emitted_as(name: str, wanted: str) -> str:
    return f"; schemac emits it as `{name}`, and hand-written SQL must use that name" if name != wanted else ""


def _container_blame(ctx: Context, container: Container, e: Entity | None) -> tuple[Span | None, str]:
    """Where a too-long container name comes from, and how to shorten it."""
    if container.role == "summary" and ctx.catalog is not None:
        key = ctx.catalog.primary_key(container.name)
        query = next((q for q in ctx.model.queries if key is not None and q.name in key.serves), None)
        if query is not None:
            return ctx.pattern_span(query), f"shorten the query name `{query.name}`"
    if e is not None and e.junction:
        rel = ctx.model.relation_named(e.name)
        owner = ctx.entities.get(rel.owner) if rel is not None else None
        f = owner.field(rel.field) if owner is not None and rel is not None else None
        if owner is not None and f is not None:
            return ctx.field_span(owner, f), f"shorten `{owner.name}.{f.name}`, or `{owner.name}`'s table name"
    if e is not None and e.table_name:
        return ctx.entity_span(e), f"shorten the @table name of `{e.name}`"
    if e is not None:
        return ctx.entity_span(e), f"shorten `{e.name}` or give it a shorter @table(\"...\")"
    return _span(ctx, None), "shorten the model's name"


@rule("SC0337", "reserved-word", W,
      template="{kind} name `{name}` is a reserved word in {engines}",
      rationale="schemac quotes reserved names wherever it emits them, but every hand-written query, report, "
                "ORM mapping and migration must quote them too, and a missed quote is a syntax error.",
      fix="Rename the field (e.g. `order` -> `sort_order`, `user` -> `author`), or keep it and quote it in "
          "hand-written SQL.",
      references=("D22", "sk reserved-word", "pgl B010"), needs_catalog=True)
def reserved_word(ctx: Context) -> Iterator[Finding]:
    for container, e in _emitted(ctx):
        if container.kind != "table" or e is None or e.junction or container.role not in ("entity", "summary"):
            continue  # only SQL reserves words; a junction's, a history's and the audit table's names are schemac's
        if container.role == "summary":  # its columns are the query's group keys and aliases
            span, _ = _container_blame(ctx, container, e)
            for m in container.members:
                engines = _engines(ctx, m.name)
                if engines:
                    yield Finding(span, {"kind": "column", "name": m.name, "engines": engines},
                                  help="rename the alias (or the grouped field), or keep it and quote "
                                       f"{_quoted(m.name)} in hand-written SQL")
            continue
        engines = _engines(ctx, container.name)
        if engines:
            table = container.name
            what = f"change the @table name of `{e.name}`" if e.table_name else f"rename `{e.name}`"
            yield Finding(ctx.entity_span(e), {"kind": "table", "name": table, "engines": engines},
                          help=f"{what}, or keep it and write {_quoted(table)} in hand-written SQL")
        for m in container.members:
            f = _field(e, m)
            engines = _engines(ctx, m.name)
            if f is not None and engines:
                yield Finding(ctx.field_span(e, f), {"kind": "column", "name": m.name, "engines": engines},
                              help=f"rename `{f.name}`, or keep it and write {_quoted(m.name)} in hand-written SQL")


def _quoted(name: str) -> str:
    return f"\"{name}\" (PostgreSQL) / `{name}` (MySQL)"


# -- what the backend emitted, mapped back to the model --------------------------------------------------------

# A container's kind -> (what the target calls it, what it calls its members).
_KINDS = {"table": ("table", "column"), "collection": ("collection", "field"), "item_table": ("table", "attribute")}


def _emitted(ctx: Context) -> Iterator[tuple[Container, Entity | None]]:
    """Each container in the catalog with the model entity it stores (None for the ones schemac adds)."""
    if ctx.catalog is None:
        return
    for container in ctx.catalog.containers:
        yield container, ctx.entities.get(container.entity) if container.entity else None


def _field(e: Entity | None, m: Member) -> Field | None:
    if e is None or m.field is None:
        return None
    return next((f for f in e.fields if f.name == m.field), None)


def _span(ctx: Context, e: Entity | None, f: Field | None = None) -> Span | None:
    if e is None:
        s = ctx.model.settings.span
        return ctx.word_span(s, ctx.model.settings.name) if s is not None else None
    return ctx.field_span(e, f) if f is not None else ctx.entity_span(e)


def _engines(ctx: Context, name: str) -> str:
    """The targets (by title) that reserve `name`: each backend exports its words, and the layer above the
    compiler passes them in (`Context.reserved`)."""
    found = [title for title, words in ctx.reserved.items() if name.lower() in words]
    return " and ".join(found)
