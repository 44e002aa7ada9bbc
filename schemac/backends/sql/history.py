"""`@versioned` entities: a `<table>_history` table holding every superseded version of a row.

A BEFORE UPDATE OR DELETE trigger copies the old row (with its version) into the history table; an update
also increments the live row's version. An update of maintained aggregates only (a child's trigger moving
a counter) is not a new version. Queries read the live table, which always holds the latest version.
"""

from __future__ import annotations

import sqlalchemy as sa

from schemac.backends.sql.audit import when_edited
from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import TriggerSpec
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.model import Scalar, ScalarKind

SUPERSEDED_AT = "superseded_at"


def build_history_table(ctx: Context, layout: Layout, info: TableInfo) -> sa.Table | None:
    if not info.entity.versioned or info.version is None:
        return None
    name = ctx.namer.unique(f"{info.name}_history")
    columns = [sa.Column(s.name, info.table.c[s.name].type, nullable=s.nullable) for s in info.specs]
    timestamp = ctx.dialect.types[ScalarKind.TIMESTAMP](Scalar(kind=ScalarKind.TIMESTAMP))
    columns.append(sa.Column(SUPERSEDED_AT, timestamp, nullable=False, server_default=sa.text(ctx.dialect.now)))
    pk_name = ctx.namer.unique(name, "pkey") if ctx.dialect.name_primary_key else None
    return sa.Table(name, layout.metadata, *columns,
                    sa.PrimaryKeyConstraint(*info.key, info.version, name=pk_name),
                    comment=f"Superseded versions of {info.name} rows, copied by a trigger.",
                    **dict(ctx.dialect.table_options))


def history_trigger(ctx: Context, info: TableInfo, history: sa.Table) -> TriggerSpec:
    d = ctx.dialect
    q = d.quote
    names = [s.name for s in info.specs]
    copy = (f"INSERT INTO {d.table_ref(history.name)} ({', '.join(q(n) for n in names)})\n"
            f"VALUES ({', '.join(f'OLD.{q(n)}' for n in names)});")
    version = q(info.version or "version")
    bump = d.assign(f"NEW.{version}", f"OLD.{version} + 1")
    return TriggerSpec(ctx.namer.unique(info.name, "versioning"), info.name, "before",
                       {"update": when_edited(ctx, info, (copy, bump)), "delete": (copy,)},
                       f"keeps superseded versions of {info.name} in {history.name}")
