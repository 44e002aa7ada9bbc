"""Run a write with its copy refreshes (writes.json ``refresh``), as an application does.

Each ``refresh`` entry names a Query (``paginate``: follow LastEvaluatedKey) that finds the items holding the
copies, and an ``update`` member sent once per item found, its ``{"$item": "<attribute>"}`` holes taken from
that item (its PK and SK). ``in_transaction``: the updates join the write's own TransactWriteItems (at most
100 members in all); else they follow the write in TransactWriteItems of at most ``batch`` members.

Where a server has no transactions (``split``: dynalite) every member runs as its single request, the write's
own first, then the refreshes, in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from tests.helpers.ddb_fill import ArtifactError, Filler, null_terms
from tests.helpers.ddb_run import PatternRun, Split, need, run_read, run_write, split_op, split_order, write_requests

TRANSACTION_LIMIT = 100


def bind_item(node: Any, item: Mapping[str, Any]) -> Any:
    """The template with each ``{"$item": attr}`` replaced by that attribute of ``item``."""
    if isinstance(node, list):
        return [bind_item(v, item) for v in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$item"}:
        if node["$item"] not in item:
            raise ArtifactError(f"$item {node['$item']!r}: the item found has {sorted(item)}")
        return item[node["$item"]]
    return {k: bind_item(v, item) for k, v in node.items()}


def found_items(client: Any, refresh: Mapping[str, Any], filler: Filler) -> list[dict[str, Any]]:
    query = filler.fill(need(refresh, "query", "refresh"))
    if not refresh.get("paginate"):
        raise ArtifactError(f"refresh of {refresh.get('entity')}: the Query must page to find every item")
    return run_read(client, "Query", query, query["TableName"], PatternRun())


def refresh_members(refresh: Mapping[str, Any], items: list[dict[str, Any]], filler: Filler) -> list[dict[str, Any]]:
    template = need(refresh, "update", "refresh")
    out = []
    for item in items:
        bound = bind_item(template, item)
        filled = filler.fill(bound)
        for kind, request in filled.items():
            null_terms(bound[kind], request, filler)
        out.append(filled)
    return out


def run_with_refreshes(client: Any, write: Mapping[str, Any], filler: Filler, split: Split | None) -> dict[str, int]:
    """Send the write and refresh its copies; returns the items updated per holder entity."""
    refreshes = write.get("refresh") or []
    joined, after, counts = [], [], {}
    for r in refreshes:
        members = refresh_members(r, found_items(client, r, filler), filler)
        counts[r["entity"]] = len(members)
        (joined if r.get("in_transaction") else after).append((r, members))
    own = write_requests(write, filler)
    inside = own + [m for _, ms in joined for m in ms]
    if split is not None:
        for member in [*split_order(inside), *(m for _, ms in after for m in ms)]:
            _single(client, member, split)
        return counts
    if len(inside) > TRANSACTION_LIMIT:
        raise AssertionError(f"{write['name']}: {len(inside)} members found for one transaction (> 100)")
    if joined or len(own) > 1:
        _transact(client, inside)
    else:
        run_write(client, {**write, "refresh": []}, filler, None)
    for r, members in after:
        size = int(r.get("batch") or TRANSACTION_LIMIT)
        for i in range(0, len(members), size):
            _transact(client, members[i:i + size])
    return counts


def _transact(client: Any, members: list[dict[str, Any]]) -> None:
    try:
        client.transact_write_items(TransactItems=members)
    except ClientError as exc:
        exc.add_note(f"TransactWriteItems {json.dumps(members, default=str)[:1500]}")
        raise


def _single(client: Any, member: Mapping[str, Any], split: Split) -> None:
    (kind, request), = member.items()
    op = split_op(kind, split, "refresh")
    method = {"PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item"}[op]
    getattr(client, method)(**request)
