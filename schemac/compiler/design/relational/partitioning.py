"""How to partition a table that outgrows one server's memory, checked against the keys the design made
(REL-P01, REL-P02), so that the advice applies to the generated schema.

* A time series (append-only, or read by ranges of a timestamp) is range-partitioned on that timestamp,
  monthly, with retention by dropping whole partitions; a tenant does not change that.
* Any other tenant-scoped table is hash-partitioned by the tenant; anything else by a column that every
  unique key holds, else by its primary key.
* Every unique key (the primary key included) must then hold the partition key, since PostgreSQL and MySQL
  enforce uniqueness per partition only (REL-P02): the primary key is widened by the partition key, and a
  unique key that cannot be (a declared unique, the key a foreign key references) blocks the advice, which
  then says why and what to do instead. Targets whose partitioned tables cannot carry foreign keys (a
  capability: InnoDB) are blocked by any foreign key from or to the table.
"""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.model import ForeignKeyPlan, IndexPlan, PartitionPlan
from schemac.compiler.model import Entity, ScalarKind

HASH_ROWS_PER_PARTITION = 10_000_000  # REVISIT_ROWS: each partition back below the memory line


def plan_partition(ctx: Ctx, e: Entity, indexes: list[IndexPlan], fks: list[ForeignKeyPlan]) -> PartitionPlan:
    series = _time_column(ctx, e)
    tenant = e.tenant_field.name if e.tenant_field is not None else None
    if series is not None:
        method, key = "range", (series,)
    elif tenant is not None:
        method, key = "hash", (tenant,)
    else:
        method, key = "hash", _common_unique_column(e, indexes) or e.primary_key[:1]
    own = ctx.primary_key(e.name)
    primary = (*own, *(k for k in key if k not in own))
    blocked = _blockers(ctx, e, key, indexes, fks)
    partitions = 0 if method == "range" else _hash_partitions(ctx.rows(e.name))
    retention = ctx.model.settings.horizon_months if method == "range" else None
    return PartitionPlan(entity=e.name, method=method, key=key, primary_key=primary, partitions=partitions,
                         retention_months=retention, blocked=tuple(blocked))


def advice_text(plan: PartitionPlan) -> str:
    if plan.method == "range":
        how = (f"range-partition by {plan.key[0]} (monthly; retention: drop partitions older than "
               f"{plan.retention_months:g} months instead of deleting rows)")
    else:
        how = f"hash-partition by {', '.join(plan.key)} into {plan.partitions} partitions"
    if plan.blocked:
        return f"{how} is blocked: {'; '.join(plan.blocked)}"
    return f"{how}, primary key ({', '.join(plan.primary_key)}) (REL-P02); DDL in partitioning.sql"


def _common_unique_column(e: Entity, indexes: list[IndexPlan]) -> tuple[str, ...]:
    """A column every unique key holds (the primary key is widened by it), so that each stays enforceable."""
    uniques = [[p.field for p in ix.parts] for ix in indexes if ix.unique and ix.method == "btree"]
    if not uniques:
        return ()
    common = [f for f in uniques[0] if all(f in u for u in uniques[1:])]
    return tuple(common[:1])


def _time_column(ctx: Ctx, e: Entity) -> str | None:
    """The timestamp that the entity's patterns range over or sort by; created_at for an append-only one."""
    for q in ctx.model.queries:
        if q.entity != e.name:
            continue
        for name in [p.field for p in q.where if p.is_local and p.is_range] + [o.field for o in q.order]:
            f = e.field(name)
            if f is not None and f.scalar is not None and f.scalar.kind is ScalarKind.TIMESTAMP and not f.optional:
                return name
    return "created_at" if e.append_only and e.field("created_at") is not None else None


def _blockers(ctx: Ctx, e: Entity, key: tuple[str, ...], indexes: list[IndexPlan],
              fks: list[ForeignKeyPlan]) -> list[str]:
    out: list[str] = []
    keyed = ", ".join(key)
    lacking = [f"({', '.join(p.field for p in ix.parts)})" for ix in indexes
               if ix.unique and not set(key) <= {p.field for p in ix.parts}]
    if lacking:
        out.append(f"unique {', '.join(lacking)} {'does' if len(lacking) == 1 else 'do'} not hold {keyed}, and a "
                   f"unique key on a partitioned table must (REL-P02): keep "
                   f"the table whole, or move a unique key to a lookup table of its own")
    referenced = [fk for fk in fks if fk.target == e.name and not set(key) <= set(fk.target_columns)]
    for fk in referenced:
        out.append(f"{fk.entity}.{fk.field} references ({', '.join(fk.target_columns)}), which would have to "
                   f"hold {keyed} (REL-P02)")
    if not ctx.caps.partition_foreign_keys and any(fk.entity == e.name or fk.target == e.name for fk in fks):
        out.append("the target's partitioned tables cannot have foreign keys (InnoDB, REL-P02): the tenant "
                   "and parent checks would move to the application")
    return list(dict.fromkeys(out))


def _hash_partitions(rows: float) -> int:
    wanted = max(2, math.ceil(rows / HASH_ROWS_PER_PARTITION))
    return 2 ** math.ceil(math.log2(wanted))
