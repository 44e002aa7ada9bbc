"""Soft-deleted items (`deleted_at` set) are kept but never read: they leave every GSI (the index keys are
sparse on `deleted_at` being absent, DDB-I03), and reads of the table filter them out. Expired items
(`@expires`) are filtered out of every read until TTL deletes them."""

from __future__ import annotations

from schemac.compiler.design.keyvalue.layout import Filter
from schemac.compiler.model import Entity

LIVE = Filter(field="deleted_at", op="is_null")


def live_filters(e: Entity, on_index: bool) -> tuple[Filter, ...]:
    """The filter a read of `e` needs to skip soft-deleted items: none on a GSI (they are not in it)."""
    return (LIVE,) if e.soft_delete and not on_index else ()


def unexpired(e: Entity) -> tuple[Filter, ...]:
    """TTL deletes an expired item within days, not at once: reads skip it meanwhile (`$now` is the time of
    the read, in the TTL attribute's epoch seconds)."""
    return (Filter(field=e.expires, op=">", param="$now"),) if e.expires else ()
