"""Soft-deleted items (`deleted_at` set) are kept but never read: they leave every GSI (the index keys are
sparse on `deleted_at` being absent, DDB-I03), and reads of the table filter them out."""

from __future__ import annotations

from schemac.compiler.design.keyvalue.layout import Filter
from schemac.compiler.model import Entity

LIVE = Filter(field="deleted_at", op="is_null")


def live_filters(e: Entity, on_index: bool) -> tuple[Filter, ...]:
    """The filter a read of `e` needs to skip soft-deleted items: none on a GSI (they are not in it)."""
    return (LIVE,) if e.soft_delete and not on_index else ()
