"""Compile-time checks of the finished tables against the dialect's key limits.

They matter most for MySQL: MariaDB 10.11, where the output is tested, silently accepts DDL that MySQL 8
rejects (engines.md §2.3), so these checks stand in for the engine the tests cannot run:
TEXT/BLOB/JSON literal defaults (SC0410), TEXT/BLOB key parts without a prefix (SC0411), keys over
3072 bytes (SC0412) and more than 16 key parts (SC0413). Both engines take at most 64 keys per table
(SC0421) and rows of at most 65,535 bytes (SC0422).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from schemac.backends.sql.context import Context
from schemac.backends.sql.tables import Layout
from schemac.backends.sql.types import is_unbounded_text, mysql_key_bytes, mysql_row_bytes
from schemac.diagnostics import Span


def check_limits(ctx: Context, layout: Layout) -> None:
    _check_key_counts(ctx, layout)
    if ctx.dialect.max_key_bytes is None:
        return
    spans = {info.table.name: info.entity.span for info in layout.tables.values()}
    for table in layout.metadata.sorted_tables:
        _check_defaults(ctx, table)
        _check_row_size(ctx, table, spans.get(table.name))
        for name, columns, lengths, fulltext in _keys(table):
            if not fulltext:  # FULLTEXT keys have neither prefix lengths nor B-tree key limits
                _check_key(ctx, table, name, columns, lengths)


def _check_key_counts(ctx: Context, layout: Layout) -> None:
    """A table with more keys than the engine takes (SC0421): the design gave it one index per access pattern
    it could not serve otherwise, and the engine would reject the CREATE INDEX past the limit."""
    limit = ctx.dialect.max_keys_per_table
    if limit is None:
        return
    for info in layout.tables.values():
        keys = list(_keys(info.table))
        if len(keys) > limit:
            served = {p for i in ctx.design.relational.indexes_of(info.entity.name) for p in i.serves}
            ctx.report("SC0421", info.entity.span, table=info.name, keys=len(keys), limit=limit,
                       patterns=len(served))


def _check_defaults(ctx: Context, table: sa.Table) -> None:
    for column in table.columns:
        default = column.server_default
        text = str(getattr(getattr(default, "arg", None), "text", getattr(default, "arg", "")))
        if default is not None and is_unbounded_text(column.type) and not text.startswith("("):
            ctx.report("SC0410", None, table=table.name, column=column.name, type=ctx.dialect.type_sql(column.type))


def _check_row_size(ctx: Context, table: sa.Table, span: Span | None) -> None:
    """MySQL's row-size limit (SC0422): every column's maximum size, TEXT/BLOB/JSON by their pointers, and
    the NULL bitmap, at most 65,535 bytes, or CREATE TABLE fails (ER 1118)."""
    limit = ctx.dialect.max_row_bytes
    if limit is None:
        return
    nullable = sum(1 for c in table.columns if c.nullable)
    size = sum(mysql_row_bytes(c.type) for c in table.columns) + (nullable + 7) // 8
    if size > limit:
        widest = sorted(table.columns, key=lambda c: -mysql_row_bytes(c.type))[:3]
        ctx.report("SC0422", span, table=table.name, bytes=f"{size:,}", limit=f"{limit:,}",
                   columns=", ".join(f"{c.name} ({ctx.dialect.type_sql(c.type)})" for c in widest))


def _keys(table: sa.Table) -> Iterator[tuple[str, list[sa.Column], dict[str, int], bool]]:
    """(name, columns, prefix lengths, FULLTEXT?) of every key of the table, the primary key first."""
    pk = list(table.primary_key.columns)
    if pk:
        yield f"{table.name} primary key", pk, {}, False
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, sa.UniqueConstraint):
            yield str(constraint.name), list(constraint.columns), {}, False
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        columns = [c for c in index.columns if isinstance(c, sa.Column)]
        yield (str(index.name), columns, dict(index.kwargs.get("mysql_length") or {}),
               index.kwargs.get("mysql_prefix") == "FULLTEXT")


def _check_key(ctx: Context, table: sa.Table, name: str, columns: list[sa.Column], lengths: dict[str, int]) -> None:
    d = ctx.dialect
    for column in columns:
        if is_unbounded_text(column.type) and column.name not in lengths:
            ctx.report("SC0411", None, index=name, column=f"{table.name}.{column.name}")
    if len(columns) > d.max_index_columns:
        ctx.report("SC0413", None, index=name, parts=len(columns), limit=d.max_index_columns)
    size = sum(mysql_key_bytes(c.type, lengths.get(c.name)) for c in columns)
    if d.max_key_bytes is not None and size > d.max_key_bytes:
        ctx.report("SC0412", None, index=name, bytes=size, limit=d.max_key_bytes)
