"""Indexes: foreign keys without a supporting index, duplicate and too-wide declared indexes, tables
with more indexes than writes should pay for."""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler.check.base import Context, Finding, count, rule
from schemac.compiler.model import Entity, FieldKind, KeyPart, Predicate
from schemac.diagnostics import Severity, Span

W, I = Severity.WARNING, Severity.INFO


def _where_key(where: tuple[Predicate, ...]) -> frozenset[tuple[object, ...]]:
    return frozenset((p.steps, p.op, repr(p.value), repr(p.value2)) for p in where)


@rule("SC0310", "fk-without-index", W,
      template="reference `{entity}.{field}` has no index led by its foreign key ({columns}) on {target}: "
               "{consequence}",
      rationale="A foreign key without an index on its referencing columns makes every delete or key update of "
                "the parent scan the child table (under a lock), and every join from the parent a scan too.",
      fix="Give the reference an index whose leading column is the reference (schemac adds one unless another "
          "index already leads with it); report it if the design dropped it.",
      references=("D11", "sl index-referencing-column", "pgl B003", "REL-I08"), needs_design=True)
def fk_without_index(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None or not design.capabilities.foreign_keys or design.layout.family != "relational":
        return
    planned = {(fk.entity, fk.field): fk.columns for fk in design.relational.foreign_keys}
    for e in ctx.model.entities:
        keys = _index_keys(ctx, e)
        for f in e.fields:
            if f.kind is not FieldKind.REFERENCE:
                continue
            columns = planned.get((e.name, f.name))
            if columns is not None:
                if not columns or any(set(k[: len(columns)]) == set(columns) for k in keys):
                    continue
            elif design.relational.foreign_keys or _leads(e, f.name, keys):
                continue  # no foreign key planned for it, or (older designs) an index leads with it
            rows = ctx.rows(e.name)
            scanned = f"{count(rows)} rows" if rows else "the whole table"
            shown = ", ".join(columns) if columns else f.name
            yield Finding(ctx.field_span(e, f), {
                "entity": e.name, "field": f.name, "target": design.target, "columns": shown,
                "consequence": f"deleting one {f.target} row scans {scanned} of {e.name}"},
                help=f"add `index ({f.name})` to `{e.name}`, or mark the field `@index`")


def _index_keys(ctx: Context, e: Entity) -> list[tuple[str, ...]]:
    """The column lists of `e`'s primary key and of its full (not partial) indexes in the design."""
    assert ctx.design is not None
    keys = [ctx.design.relational.primary_key(e)]  # the key the table is built on (natural keys: SC-KEY-05)
    keys += [tuple(p.field for p in ix.parts) for ix in ctx.design.relational.indexes_of(e.name) if not ix.where]
    return [k for k in keys if k]


def _leads(e: Entity, field: str, keys: list[tuple[str, ...]]) -> bool:
    """Whether an index leads with `field`, looking past the tenant column every tenant index starts with."""
    tenant = e.tenant_field.name if e.tenant_field else None
    return any(k[0] == field or (k[0] == tenant and k[1:2] == (field,)) for k in keys)


@rule("SC0311", "duplicate-index", W,
      template="`{entity}` index ({parts}) is redundant: {other} already starts with the same columns",
      rationale="An index that is a leftmost prefix of another index, unique constraint or primary key serves "
                "no lookup the longer one does not, and still costs space and work on every write.",
      fix="Remove the shorter declaration; the longer index serves its lookups.",
      references=("D19", "sk dupe-index", "pgl B002", "REL-I03", "MDB-I03"))
def duplicate_index(ctx: Context) -> Iterator[Finding]:
    for e in ctx.user_entities():
        keys = _keys(e)
        for ix in e.indexes:
            names = tuple(p.field for p in ix.parts)
            for label, other, where, span, source in keys:
                if source is ix or _where_key(ix.where) != where:
                    continue
                other_names = tuple(p.field for p in other)
                if other_names[: len(names)] != names or not _same_directions(ix.parts, other):
                    continue
                if other_names == names and label.startswith("index") and span.line > ix.span.line:
                    continue  # two identical indexes: report the later one only
                yield Finding(ctx.first_line(ix.span), {
                    "entity": e.name, "parts": ", ".join(_shown(e, ix.parts)),
                    "other": f"{label} at line {span.line}" if span.line else label},
                    help="remove this index line (or this field's @index)")
                break


Key = tuple[str, tuple[KeyPart, ...], frozenset[tuple[object, ...]], Span, object]


def _keys(e: Entity) -> list[Key]:
    """(label, parts, partial predicate, span, declaration) of every index, unique and the primary key."""
    out: list[Key] = [(f"index ({', '.join(_shown(e, ix.parts))})", ix.parts, _where_key(ix.where), ix.span, ix)
                      for ix in e.indexes]
    for u in e.uniques:
        parts = tuple(KeyPart(field=x) for x in u.fields)
        out.append((f"unique ({', '.join(_shown(e, parts))})", parts, _where_key(u.where), u.span, u))
    pk = tuple(KeyPart(field=x) for x in e.primary_key)
    out.append(("the primary key", pk, frozenset(), Span(e.span.file, 0, 0, 0, 0), None))
    return out


def _same_directions(short: tuple[KeyPart, ...], long: tuple[KeyPart, ...]) -> bool:
    if len(short) <= 1 or not any(p.descending for p in short):
        return True
    same = all(a.descending == b.descending for a, b in zip(short, long, strict=False))
    flipped = all(a.descending != b.descending for a, b in zip(short, long, strict=False))
    return same or flipped


def _shown(e: Entity, parts: tuple[KeyPart, ...]) -> list[str]:
    """The columns as the user wrote them: the tenant column schemac leads with is left out."""
    tenant = e.tenant_field.name if e.tenant_field else None
    return [p.field + (" desc" if p.descending else "") for p in parts if p.field != tenant] or [
        p.field for p in parts]


@rule("SC0312", "wide-index", I,
      template="`{entity}` index ({parts}) has {n} columns",
      rationale="Wide composite indexes are large, slow every write, and usually mean several access patterns "
                "were folded into one; past the first few columns they rarely narrow a lookup further.",
      fix="Let the queries derive indexes (an index per access pattern, equality then sort then range), or "
          "keep the few leading columns that narrow the lookup.",
      references=("D20", "SM add_index_columns", "sc 2004 Too Many Indexes", "sc 2005 Index Attribute Order"))
def wide_index(ctx: Context) -> Iterator[Finding]:
    limit = ctx.config.max_index_columns
    for e in ctx.user_entities():
        for ix in e.indexes:
            shown = _shown(e, ix.parts)
            if len(shown) > limit:
                yield Finding(ctx.first_line(ix.span), {"entity": e.name, "parts": ", ".join(shown),
                                                        "n": len(shown)},
                              help=f"keep at most {limit} columns (configurable: [tool.schemac.lint] "
                                   "max_index_columns)")


@rule("SC0313", "too-many-indexes", W,
      template="`{entity}` gets {n} indexes besides its primary key{serving}: every insert writes {trees} B-trees"
               "{writes}",
      rationale="Each index is one more B-tree every insert, delete and update of an indexed column writes "
                "(WAL and page splits included), one more structure to vacuum and cache. Many single-purpose "
                "indexes on one table usually mean many access patterns filter by different columns; MySQL "
                "and MariaDB stop at 64 keys per table.",
      fix="Give related access patterns a shared leading filter (an equality they all use, then their own "
          "columns), merge patterns that differ only in one predicate, give rarely used ones a low `rate` "
          "(schemac then lets an index that narrows them partly serve them), or split the entity.",
      references=("sc 2004 Too Many Indexes", "REL-I03", "(original)"), needs_design=True)
def too_many_indexes(ctx: Context) -> Iterator[Finding]:
    design = ctx.design
    if design is None or design.layout.family != "relational":
        return
    limit = ctx.config.max_indexes
    counts: dict[str, int] = {}
    served: dict[str, set[str]] = {}
    for plan in design.relational.indexes:
        if plan.origin != "primary":
            counts[plan.entity] = counts.get(plan.entity, 0) + 1
            served.setdefault(plan.entity, set()).update(plan.serves)
    writes: dict[str, float] = {}
    for w in ctx.model.writes:
        if w.op in ("insert", "upsert") and w.rate_per_s:
            writes[w.entity] = writes.get(w.entity, 0.0) + w.rate_per_s
    for e in ctx.user_entities():
        n = counts.get(e.name, 0)
        if n <= limit:
            continue
        patterns = len(served.get(e.name, ()))
        rate = writes.get(e.name)
        yield Finding(ctx.entity_span(e), {
            "entity": e.name, "n": n, "trees": n + 1,
            "serving": f" (serving {patterns} access patterns)" if patterns else "",
            "writes": f"; at {rate:,.0f} inserts/s that is {rate * (n + 1):,.0f} B-tree writes/s" if rate else ""},
            help=f"let `{e.name}`'s access patterns share indexes (a common leading equality), give rare ones a "
                 f"low `rate`, or split the entity; more than {limit} indexes warn (configurable: "
                 "[tool.schemac.lint] max_indexes)")
