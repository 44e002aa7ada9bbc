"""Hot partitions (DDB-H01) and write sharding (DDB-H02).

An index partition built from no parameter but the tenant (a sparse "all open orders" index, a tenant's
time-ordered feed) takes every write of its entity. Its load is checked against DynamoDB's per-partition
limits, 1,000 WCU/s and 3,000 RCU/s: the shard count is ceil(WCU/s / 1,000) (and likewise for reads), the
partition key gets a `#<shard>` suffix, and the patterns reading it run once per shard and merge.
"""

from __future__ import annotations

import math

from schemac.compiler.design.context import Ctx
from schemac.compiler.design.decisions import Subject
from schemac.compiler.design.keyvalue.indexes import IndexNeed
from schemac.compiler.design.keyvalue.payloads import Sharding
from schemac.compiler.design.sizes import row_bytes

PARTITION_RCU = 3000.0
PARTITION_WCU = 1000.0


def plan_sharding(ctx: Ctx, needs: list[IndexNeed], read_rcu: dict[str, float]) -> None:
    """Set `shards` on every need whose partition holds every item of its entity (no equality part)."""
    for n in needs:
        if n.eq or n.union:
            continue
        e = ctx.entity(n.entity)
        item_bytes = float(row_bytes(ctx.model, e))
        wcu_item = math.ceil(item_bytes / 1024)
        rate = sum(w.rate_per_s or 0.0 for w in ctx.model.writes if w.entity == e.name)
        wcu_s = rate * wcu_item
        rcu_s = sum(read_rcu.get(p, 0.0) for p in n.serves)
        rows = ctx.rows(e.name)
        for cv in e.volume.conditional:
            rows = cv.rows
        n.shards = max(1, math.ceil(wcu_s / PARTITION_WCU), math.ceil(rcu_s / PARTITION_RCU))
        arithmetic = (f"{rate:,.1f} writes/s x {wcu_item} WCU = {wcu_s:,.1f} WCU/s against 1,000 per partition, "
                      f"{rcu_s:,.1f} RCU/s of reads against 3,000 -> max(ceil({wcu_s:,.1f} / 1,000), "
                      f"ceil({rcu_s:,.1f} / 3,000), 1) = {n.shards}; the partition holds {rows:,.0f} items x "
                      f"{item_bytes:,.0f} B = {rows * item_bytes / 2**20:,.1f} MiB")
        sharded = n.shards > 1
        ctx.decide("DDB-H02" if sharded else "DDB-H01", Subject.of_entity(e.name),
                   f"{n.shards} shard{'s' if sharded else ''} for the partition of {', '.join(n.serves)}",
                   f"every {e.name} write lands in this one index partition: {arithmetic}"
                   + (f". Write sharding: the key ends #<shard> (0..{n.shards - 1}) and the reads fan out over "
                      f"the shards and merge" if sharded else ""),
                   e.span, payload=Sharding(n.shards, wcu_s, rcu_s, rows * item_bytes))
