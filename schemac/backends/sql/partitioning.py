"""partitioning.sql: the design's partition advice (PartitionPlan, REL-P01/REL-P02) as DDL for a generated
table. Written only when a table has advice that is not blocked.

MySQL rebuilds a table in place (`ALTER TABLE ... PARTITION BY`), keeping its indexes and triggers.
PostgreSQL cannot partition an existing table: the script renames the table (and its indexes) aside,
creates the partitioned table under the old name with the primary key the plan widens, creates its
partitions, copies the rows, drops the old table, then re-creates everything schema.sql put on the table:
indexes, statistics, comments, triggers and policies (rendered by the same SchemaWriter, in a fresh naming
context so that every name matches schema.sql's). Foreign keys of other tables that reference it are dropped
first and added back at the end.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import AddConstraint, CreateTable, DropConstraint

from schemac.backends.sql.context import Context
from schemac.backends.sql.ddl import SchemaWriter, compile_statement
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.design.model import PartitionPlan

AHEAD_MONTHS = 3  # monthly partitions made ahead of now; a DEFAULT partition catches anything else


def partition_plans(ctx: Context) -> list[PartitionPlan]:
    return [g.partition for g in ctx.design.growth if g.partition is not None and not g.partition.blocked]


def render_partitioning(fresh: Context, layout: Layout, indexes: list[sa.Index], header: list[str]) -> str | None:
    """The script, from a context and layout built afresh for it (names as in schema.sql); None when no
    table has applicable advice or the dialect has no partitioned tables."""
    plans = partition_plans(fresh)
    if not plans or not fresh.dialect.partition_by_option:
        return None
    writer = SchemaWriter(fresh, layout, indexes)
    notes = [] if fresh.dialect.partition_in_place else [
        "-- Privileges granted on the old table do not carry over: grant them again afterwards."]
    out = ["\n".join([*header, "-- Partitioning advice (REL-P01, REL-P02) as DDL: run each block in a maintenance",
                      "-- window, as the schema owner; it rewrites the table.", *notes])]
    for plan in plans:
        info = layout.of(plan.entity)
        out += _in_place(fresh, info, plan) if fresh.dialect.partition_in_place else \
            _block(fresh, layout, writer, info, plan)
    return "\n\n".join(out) + "\n"


def _block(ctx: Context, layout: Layout, writer: SchemaWriter, info: TableInfo, plan: PartitionPlan) -> list[str]:
    compile_ = compile_statement
    q = ctx.dialect.quote
    old = ctx.namer.fit(f"{info.name}_unpartitioned")
    referencing = [fk for t in layout.tables.values() if t is not info
                   for fk in t.table.foreign_key_constraints if fk.referred_table is info.table]
    index_names = [str(ix.name) for ix in info.table.indexes] + [str(info.table.primary_key.name)] + \
        [str(c.name) for c in info.table.constraints if isinstance(c, sa.UniqueConstraint) and c.name]
    steps = [f"-- {plan.entity}: {plan.method}-partition by {', '.join(plan.key)}, primary key "
             f"({', '.join(plan.primary_key)})", "BEGIN;"]
    steps += [compile_(ctx, DropConstraint(fk)) for fk in referencing]
    steps.append(f"ALTER TABLE {q(info.name)} RENAME TO {q(old)};")
    steps += [f"ALTER INDEX {q(n)} RENAME TO {q(ctx.namer.fit(f'{n}_unpartitioned'))};"
              for n in sorted(set(index_names)) if n != "None"]
    _repartition(ctx, info, plan)
    steps.append(compile_(ctx, CreateTable(info.table)))
    steps += _partitions(ctx, info, plan, old)
    steps.append(f"INSERT INTO {q(info.name)} SELECT * FROM {q(old)};")
    steps.append(f"DROP TABLE {q(old)};")
    steps += _identity_restart(ctx, info)
    steps += writer.table_objects(info, history_table=False)
    steps += [compile_(ctx, AddConstraint(fk)) for fk in referencing]
    steps.append("COMMIT;")
    if plan.method == "range":
        steps.append(_retention_note(ctx, info, plan))
    return steps


def _identity_restart(ctx: Context, info: TableInfo) -> list[str]:
    """An identity column's new sequence continues after the copied keys."""
    q = ctx.dialect.quote
    return [f"SELECT setval(pg_get_serial_sequence('{info.name}', '{c.name}'), coalesce(max({q(c.name)}), 0) + 1, "
            f"false) FROM {q(info.name)};" for c in info.table.columns if c.identity is not None]


def _repartition(ctx: Context, info: TableInfo, plan: PartitionPlan) -> None:
    """The table's primary key widened by the partition key, and the dialect's PARTITION BY."""
    table = info.table
    columns = [c for f in plan.primary_key for c in info.field_columns[f]]
    name = table.primary_key.name
    for c in table.primary_key.columns:
        c.primary_key = False
    table.append_constraint(sa.PrimaryKeyConstraint(*columns, name=name))
    keys = ", ".join(ctx.dialect.quote(c) for f in plan.key for c in info.field_columns[f])
    table.dialect_kwargs[ctx.dialect.partition_by_option] = f"{plan.method.upper()} ({keys})"


def _partitions(ctx: Context, info: TableInfo, plan: PartitionPlan, old: str) -> list[str]:
    q = ctx.dialect.quote
    if plan.method == "hash":
        return [f"CREATE TABLE {q(ctx.namer.fit(f'{info.name}_p{i}'))} PARTITION OF {q(info.name)} "
                f"FOR VALUES WITH (MODULUS {plan.partitions}, REMAINDER {i});" for i in range(plan.partitions)]
    column = info.field_columns[plan.key[0]][0]
    return [
        "-- one partition a month, from the oldest row to " + f"{AHEAD_MONTHS} months ahead",
        "DO $$\nDECLARE\n  m date := date_trunc('month', coalesce((SELECT min("
        f"{q(column)}) FROM {q(old)}), now()))::date;\nBEGIN\n"
        f"  WHILE m < date_trunc('month', now()) + interval '{AHEAD_MONTHS} months' LOOP\n"
        f"    IF to_regclass(format('%I', '{info.name}_' || to_char(m, 'YYYY_MM'))) IS NULL THEN\n"
        "      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',\n"
        f"                     '{info.name}_' || to_char(m, 'YYYY_MM'), '{info.name}', m, "
        "m + interval '1 month');\n    END IF;\n"
        "    m := m + interval '1 month';\n  END LOOP;\nEND;\n$$;",
        f"CREATE TABLE {q(ctx.namer.fit(f'{info.name}_default'))} PARTITION OF {q(info.name)} DEFAULT;",
    ]


def _retention_note(ctx: Context, info: TableInfo, plan: PartitionPlan) -> str:
    months = f"{plan.retention_months:g}" if plan.retention_months else "N"
    return "\n".join([
        f"-- Every month: create the partition {AHEAD_MONTHS} months ahead (the DO block above, run again, makes",
        "-- only the missing ones), and retire the oldest instead of deleting",
        f"-- rows (retention {months} months):",
        f"--   ALTER TABLE {info.name} DETACH PARTITION {info.name}_YYYY_MM CONCURRENTLY;",
        f"--   DROP TABLE {info.name}_YYYY_MM;",
    ])


def _in_place(ctx: Context, info: TableInfo, plan: PartitionPlan) -> list[str]:
    """MySQL: ALTER TABLE ... PARTITION BY rebuilds the table in place, keeping its indexes and triggers."""
    q = ctx.dialect.quote
    primary = ", ".join(q(c) for f in plan.primary_key for c in info.field_columns[f])
    keys = ", ".join(q(c) for f in plan.key for c in info.field_columns[f])
    if plan.method == "hash":
        how = f"PARTITION BY KEY ({keys}) PARTITIONS {plan.partitions}"
    else:
        how = f"PARTITION BY RANGE COLUMNS ({keys}) (PARTITION {q('p_future')} VALUES LESS THAN (MAXVALUE))"
    steps = [f"-- {plan.entity}: {plan.method}-partition by {', '.join(plan.key)}, primary key "
             f"({', '.join(plan.primary_key)})",
             f"ALTER TABLE {q(info.name)} DROP PRIMARY KEY, ADD PRIMARY KEY ({primary}) {how};"]
    if plan.method == "range":
        steps.append("\n".join([
            "-- Every month, split the newest month off p_future, and retire the oldest instead of deleting rows:",
            f"--   ALTER TABLE {info.name} REORGANIZE PARTITION p_future INTO (PARTITION p_YYYY_MM VALUES LESS THAN "
            "('YYYY-MM-01'), PARTITION p_future VALUES LESS THAN (MAXVALUE));",
            f"--   ALTER TABLE {info.name} DROP PARTITION p_YYYY_MM;"]))
    return steps
