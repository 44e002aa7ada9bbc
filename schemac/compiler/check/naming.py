"""Names: SDL's casing conventions, identifiers the databases truncate or reject, and reserved words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, rule
from schemac.compiler.model import Entity, Field, FieldKind
from schemac.compiler.naming import plural, snake
from schemac.diagnostics import Severity, Span

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


def table_name(ctx: Context, e: Entity) -> str:
    """The SQL table: `@table`, else the snake_case plural; a junction is `<owner's table>_<field>`."""
    if e.table_name:
        return e.table_name
    rel = ctx.model.relation_named(e.name) if e.junction else None
    owner = ctx.entities.get(rel.owner) if rel is not None else None
    if rel is not None and owner is not None:
        return f"{table_name(ctx, owner)}_{snake(rel.field)}"
    return plural(snake(e.name))


def column_names(ctx: Context, f: Field, prefix: str = "") -> list[str]:
    """The column(s) a field becomes in SQL: `<name>_id` for references, flattened value types."""
    name = prefix + f.name
    if f.kind is FieldKind.REFERENCE:
        return [f"{name}_id"]
    if f.kind is FieldKind.MANY:
        return []
    if f.kind is FieldKind.EMBEDDED and f.target:
        try:
            vt = ctx.model.value_type(f.target)
        except KeyError:
            return [name]
        return [c for sub in vt.fields for c in column_names(ctx, sub, f"{name}_")]
    return [name]


@rule("SC0336", "identifier-too-long", E,
      template="{kind} name `{name}` is {n} bytes; {target} allows {limit}",
      rationale="PostgreSQL silently truncates identifiers past 63 bytes (two long names can become the same "
                "name) and MySQL rejects names past 64 characters.",
      fix="Shorten the entity or field name, or set the emitted name with `@table(\"...\")`.",
      references=("D22", "sq identifier-too-long", "REL-N01", "REL-N02"))
def identifier_too_long(ctx: Context) -> Iterator[Finding]:
    limit = ctx.design.capabilities.max_identifier if ctx.design else 63
    target = ctx.design.target if ctx.design else "PostgreSQL"
    for e in ctx.model.entities:
        table = table_name(ctx, e)
        if len(table.encode()) > limit:
            yield Finding(ctx.entity_span(e), {"kind": "table", "name": table, "n": len(table.encode()),
                                               "target": target, "limit": limit},
                          help=f"shorten `{e.name}` or add @table(\"...\") with a name of at most {limit} bytes")
        for f in e.fields:
            for col in column_names(ctx, f):
                if len(col.encode()) > limit:
                    yield Finding(ctx.field_span(e, f), {"kind": "column", "name": col, "n": len(col.encode()),
                                                         "target": target, "limit": limit},
                                  help=f"shorten `{f.name}` so that its column fits in {limit} bytes")


@rule("SC0337", "reserved-word", W,
      template="{kind} name `{name}` is a reserved word in {engines}",
      rationale="schemac quotes reserved names wherever it emits them, but every hand-written query, report, "
                "ORM mapping and migration must quote them too, and a missed quote is a syntax error.",
      fix="Rename the field (e.g. `order` -> `sort_order`, `user` -> `author`), or keep it and quote it in "
          "hand-written SQL.",
      references=("D22", "sk reserved-word", "pgl B010"))
def reserved_word(ctx: Context) -> Iterator[Finding]:
    if ctx.design is not None and ctx.design.capabilities.family != "relational":
        return
    for e in ctx.user_entities():
        table = table_name(ctx, e)
        engines = _engines(ctx, table)
        if engines:
            yield Finding(ctx.entity_span(e), {"kind": "table", "name": table, "engines": engines},
                          help=f"rename `{e.name}`, or keep it and write \"{table}\" (PostgreSQL) / `{table}` "
                               "(MySQL) in hand-written SQL")
        for f in e.fields:
            for col in column_names(ctx, f):
                engines = _engines(ctx, col)
                if engines:
                    yield Finding(ctx.field_span(e, f), {"kind": "column", "name": col, "engines": engines},
                                  help=f"rename `{f.name}`, or keep it and write \"{col}\" (PostgreSQL) / "
                                       f"`{col}` (MySQL) in hand-written SQL")


def _engines(ctx: Context, name: str) -> str:
    """The targets (by title) that reserve `name`: each backend exports its words, and the layer above the
    compiler passes them in (`Context.reserved`)."""
    found = [title for title, words in ctx.reserved.items() if name.lower() in words]
    return " and ".join(found)
