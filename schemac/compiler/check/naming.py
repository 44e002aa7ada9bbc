"""Names: SDL's casing conventions, identifiers the databases truncate or reject, and reserved words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, rule
from schemac.compiler.model import Entity, Field, FieldKind
from schemac.compiler.naming import pascal, plural, snake
from schemac.diagnostics import Severity, Span

W, E = Severity.WARNING, Severity.ERROR
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# PostgreSQL: key words marked "reserved" (incl. "can be function or type") in Appendix C.
POSTGRES_RESERVED = _wordset("""
all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
collation column concurrently constraint create cross current_catalog current_date current_role
current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is
isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only
or order outer overlaps placing primary references returning right select session_user similar some
symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when
where window with
""")
# MySQL 8.0 reserved words (the (R) entries of "Keywords and Reserved Words").
MYSQL_RESERVED = _wordset("""
accessible add all alter analyze and as asc asensitive before between bigint binary blob both by call cascade
case change char character check collate column condition constraint continue convert create cross cube
cume_dist current_date current_time current_timestamp current_user cursor database databases day_hour
day_microsecond day_minute day_second dec decimal declare default delayed delete dense_rank desc describe
deterministic distinct distinctrow div double drop dual each else elseif empty enclosed escaped except exists
exit explain false fetch first_value float float4 float8 for force foreign from fulltext function generated
get grant group grouping groups having high_priority hour_microsecond hour_minute hour_second if ignore in
index infile inner inout insensitive insert int int1 int2 int3 int4 int8 integer intersect interval into
io_after_gtids io_before_gtids is iterate join json_table key keys kill lag last_value lateral lead leading
leave left like limit linear lines load localtime localtimestamp lock long longblob longtext loop low_priority
master_bind master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext middleint
minute_microsecond minute_second mod modifies natural no_write_to_binlog not nth_value ntile null numeric of
on optimize optimizer_costs option optionally or order out outer outfile over partition percent_rank
precision primary procedure purge range rank read read_write reads real recursive references regexp release
rename repeat replace require resignal restrict return revoke right rlike row row_number rows schema schemas
second_microsecond select sensitive separator set show signal smallint spatial specific sql sql_big_result
sql_calc_found_rows sql_small_result sqlexception sqlstate sqlwarning ssl starting stored straight_join system
table terminated then tinyblob tinyint tinytext to trailing trigger true undo union unique unlock unsigned
update usage use using utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying virtual
when where while window with write xor year_month zerofill
""")


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
    owner = ctx.entities.get(e.owner_field.target or "") if e.junction and e.owner_field else None
    if owner is not None:
        for f in owner.fields:
            if f.kind is FieldKind.MANY and owner.name + pascal(f.name) == e.name:
                return f"{table_name(ctx, owner)}_{snake(f.name)}"
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
        engines = _engines(table)
        if engines:
            yield Finding(ctx.entity_span(e), {"kind": "table", "name": table, "engines": engines},
                          help=f"rename `{e.name}`, or keep it and write \"{table}\" (PostgreSQL) / `{table}` "
                               "(MySQL) in hand-written SQL")
        for f in e.fields:
            for col in column_names(ctx, f):
                engines = _engines(col)
                if engines:
                    yield Finding(ctx.field_span(e, f), {"kind": "column", "name": col, "engines": engines},
                                  help=f"rename `{f.name}`, or keep it and write \"{col}\" (PostgreSQL) / "
                                       f"`{col}` (MySQL) in hand-written SQL")


def _engines(name: str) -> str:
    found = [label for label, words in (("PostgreSQL", POSTGRES_RESERVED), ("MySQL", MYSQL_RESERVED))
             if name.lower() in words]
    return " and ".join(found)
