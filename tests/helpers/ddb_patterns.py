"""Run one access pattern of access_patterns.json as a client would, and shape its rows like PostgreSQL's.

A pattern is a root request (``key_values`` filled from the parameters with ``param_encodings``; an ``in ?``
list expanded; once per shard when ``shards`` > 1, merged in key order), whose items are kept when their
type attribute is one of ``types``, then its ``follow_ups`` in order: each reads, for the items of the step
it comes ``after`` (``""``: the root), either one request per item (``per_item``: a Query or GetItem keyed
from that item) or one ``BatchGetItem`` for all of them (deduplicated keys), its ``keys_from`` holes being
attribute names of those items. Every item is a :class:`Node` that keeps its follow-up items per step.

``result.columns`` maps each PostgreSQL column to: an attribute path on the root item (``a.b`` into a map),
``step/attr`` (the first item of that follow-up step), ``{"list": step, "object": {...}}`` (a JSON array
column: one object per item of the step, members by attribute, nested ``{"object": ..., "from": step}``),
or ``$entity`` (the entity of the item, from its type). A ``group`` pattern groups the items read (by fields,
with count/min/max/sum aggregates) as the client does; an ``aggregate`` pattern reads aggregate items.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.helpers.ddb_fill import ArtifactError, Filler, expand_lists
from tests.helpers.ddb_run import DdbArtifacts, PatternRun, key_schema, need, python_item, run_read

SHARD_PARAM = "shard"  # the key-template hole of a write-sharded key: #0 .. #shards-1
BATCH_KEYS = 100


@dataclass
class Node:
    """One item read, as Python values, with the items each follow-up step read for it."""

    raw: dict[str, Any]
    item: dict[str, Any]
    children: dict[str, list[Node]] = field(default_factory=dict)
    parent: Node | None = None
    step: str = ""

    @property
    def type(self) -> Any:
        return self.item.get("type")


def _encoding_of(pattern: Mapping[str, Any], where: str) -> Any:
    encodings = pattern.get("param_encodings")
    if encodings is None:
        raise ArtifactError(f"{where} has no param_encodings")

    def encoding(hole: str) -> str:
        if hole == SHARD_PARAM:
            return "plain"
        if hole not in encodings:
            raise ArtifactError(f"{where}: no encoding for hole {hole!r} (param_encodings {sorted(encodings)})")
        return str(encodings[hole])

    return encoding


def _keep(items: list[dict[str, Any]], types: list[str] | None, type_attribute: str) -> list[dict[str, Any]]:
    if not types:
        return items
    return [i for i in items if i.get(type_attribute, {}).get("S") in types]


def run_pattern(client: Any, pattern: Mapping[str, Any], params: Mapping[str, Any], art: DdbArtifacts) -> tuple[
        dict[str, list[Node]], PatternRun]:
    """Run the pattern; the items of every step as Nodes (``""``: the root; follow-ups attached to the items
    they were read for) and what was sent."""
    where = f"access_patterns.json {pattern.get('name')!r}"
    operation = need(pattern, "operation", where)
    shards = int(pattern.get("shards", 1))
    type_attribute = art.entities.get("type_attribute", "type")
    run = PatternRun()
    raw: list[dict[str, Any]] = []
    for shard in range(shards):
        given = dict(params) if shards == 1 else {**params, SHARD_PARAM: shard}
        filler = Filler(given, _encoding_of(pattern, where), pattern.get("key_values") or {})
        request = expand_lists(filler.fill(need(pattern, "request", where)), filler)
        raw.extend(run_read(client, operation, request, art.table_name, run))
    if shards > 1:
        _merge_shards(raw, pattern, art.table)
    roots = [Node(i, python_item(i)) for i in _keep(raw, pattern.get("types"), type_attribute)]
    steps: dict[str, list[Node]] = {"": roots}
    for follow in pattern.get("follow_ups") or []:
        _follow(client, follow, steps, art, run, f"{where} follow-up {follow.get('name')!r}")
    return steps, run


def _merge_shards(items: list[dict[str, Any]], pattern: Mapping[str, Any], table: Mapping[str, Any]) -> None:
    request = pattern["request"]
    sort_key = key_schema(table, request.get("IndexName")).get("RANGE")
    if sort_key is not None:
        items.sort(key=lambda item: item[sort_key]["S" if "S" in item[sort_key] else "N"],
                   reverse=request.get("ScanIndexForward") is False)
    limit = request.get("Limit")
    if limit is not None:
        del items[limit:]


def _hole_encoding(follow: Mapping[str, Any], art: DdbArtifacts, source: Node, where: str) -> Any:
    declared = follow.get("hole_encodings") or {}
    entity = art.entity_of_type(source.item.get(art.entities.get("type_attribute", "type")))
    key_encodings = art.encodings(entity) if entity else {}

    def encoding(hole: str) -> str:
        if hole in declared:
            return str(declared[hole])
        if hole in key_encodings:
            return key_encodings[hole]
        return "plain"

    return encoding


def _follow(client: Any, follow: Mapping[str, Any], steps: dict[str, list[Node]], art: DdbArtifacts,
            run: PatternRun, where: str) -> None:
    name, after = need(follow, "name", where), need(follow, "after", where)
    if after not in steps:
        raise ArtifactError(f"{where}: comes after {after!r}, which has not run (steps {sorted(steps)})")
    sources = steps[after]
    operation = need(follow, "operation", where)
    types = follow.get("types")
    type_attribute = art.entities.get("type_attribute", "type")
    keys_from = need(follow, "keys_from", where)
    steps[name] = []
    if follow.get("per_item"):
        for source in sources:
            filler = Filler(source.item, _hole_encoding(follow, art, source, where), keys_from)
            request = filler.fill(need(follow, "request", where))
            items = _keep(run_read(client, operation, request, art.table_name, run), types, type_attribute)
            source.children[name] = [Node(i, python_item(i), parent=source, step=name) for i in items]
            steps[name].extend(source.children[name])
        return
    if operation != "BatchGetItem":
        raise ArtifactError(f"{where}: a follow-up for all items at once must be BatchGetItem, not {operation}")
    wanted: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    per_source: list[tuple[Node, tuple[tuple[str, str], ...] | None]] = []
    for source in sources:
        filler = Filler(source.item, _hole_encoding(follow, art, source, where), keys_from)
        key = filler.fill(need(need(follow, "request", where), "Key", where))
        if set(key) != set(keys_from):  # a NULL reference: nothing to read for this item
            per_source.append((source, None))
            continue
        identity = _identity(key)
        wanted[identity] = key
        per_source.append((source, identity))
    found: dict[tuple[tuple[str, str], ...], Node] = {}
    keys = list(wanted.values())
    for start in range(0, len(keys), BATCH_KEYS):
        request = {"RequestItems": {art.table_name: {"Keys": keys[start:start + BATCH_KEYS]}}}
        for item in _keep(run_read(client, operation, request, art.table_name, run), types, type_attribute):
            found[_identity({k: item[k] for k in keys_from})] = Node(item, python_item(item), step=name)
    for source, identity in per_source:
        source.children[name] = [found[identity]] if identity in found else []
        steps[name].extend(source.children[name])


def _identity(key: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in key.items()))


# --- rows -------------------------------------------------------------------------------------------------


def _path(item: Mapping[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _chain(node: Node, step: str, follow_ups: Mapping[str, Mapping[str, Any]]) -> list[Node]:
    """The items of ``step`` reached from ``node`` through the chain of steps it comes after."""
    if step not in follow_ups:
        raise ArtifactError(f"result names step {step!r}, which no follow-up reads")
    after = follow_ups[step].get("after", "")
    parents = [node] if after in ("", node.step) else _chain(node, after, follow_ups)
    return [child for parent in parents for child in parent.children.get(step, [])]


def _value(node: Node, spec: Any, follow_ups: Mapping[str, Mapping[str, Any]], art: DdbArtifacts) -> Any:
    if isinstance(spec, str):
        if spec == "$entity":
            return art.entity_of_type(node.item.get(art.entities.get("type_attribute", "type")))
        if "/" in spec:
            step, _, attr = spec.partition("/")
            found = _chain(node, step, follow_ups)
            return _path(found[0].item, attr) if found else None
        return _decoded(node, spec, _path(node.item, spec), art)
    if isinstance(spec, Mapping) and "list" in spec:
        if "type" in spec and node.step == spec["list"] and node.parent is not None:
            # the row's siblings of that type: read in the same request (one item collection)
            members = [n for n in node.parent.children.get(node.step, []) if n.type == spec["type"]]
        else:
            members = [n for n in _chain(node, spec["list"], follow_ups) if n.type == spec.get("type", n.type)]
        return [_object(child, spec["object"], follow_ups, art) for child in members]
    if isinstance(spec, Mapping) and "object" in spec:
        target = _chain(node, spec["from"], follow_ups) if "from" in spec else [node]
        return _object(target[0], spec["object"], follow_ups, art) if target else None
    raise ArtifactError(f"a result column the proof does not understand: {spec!r}")


def _decoded(node: Node, attribute: str, value: Any, art: DdbArtifacts) -> Any:
    """A JSON field's value, parsed from its JSON text (value encoding ``json``)."""
    entity = art.entity_of_type(node.item.get(art.entities.get("type_attribute", "type")))
    spec = art.entities.get("entities", {}).get(entity or "", {}).get("attributes", {}).get(attribute, {})
    if spec.get("encoding") == "json" and isinstance(value, str):
        return json.loads(value)
    if spec.get("encoding") == "epoch" and isinstance(value, Decimal):  # the TTL attribute: epoch seconds
        return dt.datetime.fromtimestamp(0, dt.UTC) + dt.timedelta(microseconds=int(value * 10**6))
    return value


def _object(node: Node, members: Mapping[str, Any], follow_ups: Mapping[str, Mapping[str, Any]],
            art: DdbArtifacts) -> dict[str, Any]:
    return {k: _value(node, v, follow_ups, art) for k, v in members.items()}


def result_rows(pattern: Mapping[str, Any], steps: dict[str, list[Node]], art: DdbArtifacts) -> list[dict[str, Any]]:
    """The pattern's rows keyed by the queries.sql columns of ``result.columns``: one per item of the step and
    types ``result.rows`` names (default: the root items), grouped or ordered in the client when it says so."""
    where = f"access_patterns.json {pattern.get('name')!r}"
    result = need(pattern, "result", where)
    columns: Mapping[str, Any] = need(result, "columns", f"{where} result")
    follow_ups = {f["name"]: f for f in pattern.get("follow_ups") or []}
    chosen = result.get("rows") or {"step": ""}
    if chosen["step"] not in steps:
        raise ArtifactError(f"{where}: result rows from step {chosen['step']!r}, which did not run")
    nodes = [n for n in steps[chosen["step"]] if not chosen.get("types") or n.type in chosen["types"]]
    if pattern.get("group"):
        nodes = [Node({}, row) for row in group_rows(pattern["group"], [n.item for n in nodes], where)]
    if pattern.get("client_order"):
        nodes = client_order(pattern["client_order"], nodes, where)
    return [{c: _value(node, spec, follow_ups, art) for c, spec in columns.items()} for node in nodes]


def client_order(order: Mapping[str, Any], nodes: list[Node], where: str) -> list[Node]:
    """Sort in the client (``by``: [attribute, "asc"|"desc"], last key first) and cut to ``limit``."""
    out = list(nodes)
    for attribute, direction in reversed(need(order, "by", where)):
        present = [n for n in out if n.item.get(attribute) is not None]
        missing = [n for n in out if n.item.get(attribute) is None]
        present.sort(key=lambda n, a=attribute: n.item[a], reverse=direction == "desc")
        out = present + missing
    limit = order.get("limit")
    return out[:limit] if limit is not None else out


AGGREGATES = {
    "count": lambda values: sum(1 for v in values if v is not None),
    "min": lambda values: min((v for v in values if v is not None), default=None),
    "max": lambda values: max((v for v in values if v is not None), default=None),
    "sum": lambda values: sum((v for v in values if v is not None), start=0),
}


def group_rows(group: Mapping[str, Any], items: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """The client-side grouping a ``group`` pattern asks for: one row per distinct ``by`` tuple."""
    by = need(group, "by", where)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(tuple(item.get(f) for f in by), []).append(item)
    rows = []
    for values, members in groups.items():
        row = dict(zip(by, values, strict=True))
        for alias, func, fld in need(group, "aggregates", where):
            if func not in AGGREGATES:
                raise ArtifactError(f"{where}: unknown aggregate {func!r}")
            row[alias] = AGGREGATES[func]([m.get(fld) if fld else 1 for m in members])
        rows.append(row)
    return rows
