"""Carry out the DynamoDB artifacts on an emulator: create the table, write items, run access patterns.

Everything here reads the artifacts as JSON (an outside tool's view; /work/wt/_notes/contract-dynamodb.md)
and talks to a server through a boto3 client (tests/helpers/ddb_servers.py). A shape the contract promises
but an artifact lacks is an :class:`~tests.helpers.ddb_fill.ArtifactError`: the test fails and says what.

Transactions on dynalite, which has no ``TransactWriteItems``: :func:`run_write` runs a transaction's members
as the equivalent single requests only when the caller passes a :class:`Split` saying so; the members that
have no single-request equivalent (``ConditionCheck``) are then left to moto, and the split says which.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from tests.helpers.ddb_fill import ArtifactError, encoder_for, fill

FORMAT = "schemac.dynamodb/1"
ARTIFACTS = ("table.json", "template.yaml", "entities.json", "access_patterns.json", "writes.json", "decisions.md")
READ_OPERATIONS = frozenset({"GetItem", "Query", "BatchGetItem"})
_DESER = TypeDeserializer()


@dataclass(frozen=True)
class DdbArtifacts:
    """The parsed artifacts of one build for the dynamodb target."""

    table: dict[str, Any]
    entities: dict[str, Any]
    patterns: list[dict[str, Any]]
    writes: list[dict[str, Any]]
    template: str
    decisions: str

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> DdbArtifacts:
        missing = [a for a in ARTIFACTS if a not in texts]
        if missing:
            raise ArtifactError(f"the dynamodb build lacks {missing} (it made {sorted(texts)})")
        docs = {a: json.loads(texts[a]) for a in ("entities.json", "access_patterns.json", "writes.json")}
        for name, doc in docs.items():
            if doc.get("format") != FORMAT:
                raise ArtifactError(f"{name}: format {doc.get('format')!r}, expected {FORMAT!r}")
        return cls(json.loads(texts["table.json"]), docs["entities.json"], _list(docs, "access_patterns.json",
                   "patterns"), _list(docs, "writes.json", "writes"), texts["template.yaml"], texts["decisions.md"])

    @property
    def table_name(self) -> str:
        return str(self.table["TableName"])

    def pattern(self, name: str) -> dict[str, Any]:
        for p in self.patterns:
            if p.get("name") == name:
                return p
        raise ArtifactError(f"access_patterns.json has no pattern {name!r}")

    def write(self, name: str) -> dict[str, Any]:
        for w in self.writes:
            if w.get("name") == name:
                return w
        raise ArtifactError(f"writes.json has no write {name!r} (it has {[w.get('name') for w in self.writes]})")


def _list(docs: Mapping[str, Any], name: str, key: str) -> list[dict[str, Any]]:
    value = docs[name].get(key)
    if not isinstance(value, list):
        raise ArtifactError(f"{name} has no list {key!r}")
    return value


def need(obj: Mapping[str, Any], key: str, where: str) -> Any:
    """``obj[key]``, or an ArtifactError naming what lacks it."""
    if key not in obj:
        raise ArtifactError(f"{where} lacks {key!r} (it has {sorted(obj)})")
    return obj[key]


# --- the table --------------------------------------------------------------------------------------------


def recreate_table(client: Any, table: Mapping[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """Delete the table if a previous test left it, create it from table.json as it is, wait until it is
    ACTIVE (dynalite with ``--createTableMs 0`` still answers CREATING for a moment), return its description."""
    name = table["TableName"]
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
        _wait(lambda: name not in client.list_tables()["TableNames"], timeout, f"{name} deleted")
    client.create_table(**table)
    description: dict[str, Any] = {}

    def active() -> bool:
        description.update(client.describe_table(TableName=name)["Table"])
        return description["TableStatus"] == "ACTIVE"

    _wait(active, timeout, f"{name} ACTIVE")
    return description


def _wait(done: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout} s")
        time.sleep(0.02)


# --- writes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """How a transaction runs on a server without TransactWriteItems: member kind -> single operation."""

    single: Mapping[str, str]  # "Put" -> "PutItem", ...
    left_to_transactions: frozenset[str]  # members run only where transactions exist ("ConditionCheck")


SINGLE_METHOD = {"PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item"}
TRANSACTION_MEMBERS = frozenset({"Put", "Update", "Delete", "ConditionCheck"})


def write_requests(write: Mapping[str, Any], params: Mapping[str, Any], entities: Mapping[str, Any]) -> list[Any]:
    """The filled ``items`` of one write (TransactWriteItems members, or one single request)."""
    where = f"writes.json {write.get('name')!r}"
    encoder = encoder_for(entities, need(write, "params", where))
    items = need(write, "items", where)
    if not items:
        raise ArtifactError(f"{where} has no items")
    return [fill(item, params, encoder) for item in items]


def run_write(client: Any, write: Mapping[str, Any], params: Mapping[str, Any], entities: Mapping[str, Any],
              split: Split | None = None) -> list[str]:
    """Send one write; returns the operations sent. ``split``: run a transaction as single requests."""
    where = f"writes.json {write.get('name')!r}"
    requests = write_requests(write, params, entities)
    if not need(write, "transaction", where):
        if len(requests) != 1 or len(requests[0]) != 1:
            raise ArtifactError(f"{where}: a write outside a transaction is one request, not {requests}")
        (op, request), = requests[0].items()
        _single(client, op, request, where)
        return [op]
    for member in requests:
        if len(member) != 1 or next(iter(member)) not in TRANSACTION_MEMBERS:
            raise ArtifactError(f"{where}: not a TransactWriteItems member: {member}")
    if split is None:
        client.transact_write_items(TransactItems=requests)
        return ["TransactWriteItems"]
    sent = []
    for member in requests:
        (kind, request), = member.items()
        if kind in split.left_to_transactions:
            continue
        op = split.single[kind]
        _single(client, op, request, where)
        sent.append(op)
    return sent


def _single(client: Any, op: str, request: Mapping[str, Any], where: str) -> None:
    method = SINGLE_METHOD.get(op)
    if method is None:
        raise ArtifactError(f"{where}: unknown single write operation {op!r}")
    getattr(client, method)(**request)


# --- reads ------------------------------------------------------------------------------------------------


@dataclass
class PatternRun:
    """What one access pattern returned: items (DynamoDB JSON) and the operations sent for it."""

    items: list[dict[str, Any]] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)


def pattern_request(pattern: Mapping[str, Any], params: Mapping[str, Any],
                    entities: Mapping[str, Any]) -> dict[str, Any]:
    """The pattern's request with its params, key templates (``key_values``) included."""
    where = f"access_patterns.json {pattern.get('name')!r}"
    encoder = encoder_for(entities, need(pattern, "params", where))
    request: dict[str, Any] = fill(need(pattern, "request", where), params, encoder)
    for placeholder, template in (pattern.get("key_values") or {}).items():
        value = fill(template, params, encoder)
        values = request.setdefault("ExpressionAttributeValues", {})
        values[placeholder] = value if isinstance(value, dict) else {"S": value}
    return request


def run_read(client: Any, operation: str, request: dict[str, Any], table: str) -> PatternRun:
    """One read request (Query pages until Limit is met, as a client would with a filter)."""
    run = PatternRun()
    if operation == "GetItem":
        run.operations.append(operation)
        item = client.get_item(**request).get("Item")
        run.items.extend([item] if item else [])
    elif operation == "Query":
        limit = request.get("Limit")
        page = dict(request)
        while True:
            run.operations.append(operation)
            answer = client.query(**page)
            run.items.extend(answer.get("Items", []))
            more = answer.get("LastEvaluatedKey")
            if not more or (limit is not None and len(run.items) >= limit):
                break
            page["ExclusiveStartKey"] = more
        if limit is not None:
            del run.items[limit:]
    elif operation == "BatchGetItem":
        pending = request["RequestItems"]
        while pending:
            run.operations.append(operation)
            answer = client.batch_get_item(RequestItems=pending)
            run.items.extend(answer.get("Responses", {}).get(table, []))
            pending = answer.get("UnprocessedKeys") or {}
    else:
        raise ArtifactError(f"{operation!r} is not a read the proof accepts ({sorted(READ_OPERATIONS)})")
    return run


def python_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as Python values (numbers as Decimal, sets as sets)."""
    return {k: _DESER.deserialize(v) for k, v in item.items()}


def result_rows(pattern: Mapping[str, Any], items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items as rows keyed by the queries.sql columns of ``result.columns`` (a missing attribute is None)."""
    where = f"access_patterns.json {pattern.get('name')!r}"
    columns: Mapping[str, str] = need(need(pattern, "result", where), "columns", f"{where} result")
    rows = []
    for item in items:
        values = python_item(item)
        rows.append({column: values.get(attribute) for column, attribute in columns.items()})
    return rows


SHARD_PARAM = "shard"  # the key-template hole of a write-sharded key: #0 .. #shards-1


def key_schema(table: Mapping[str, Any], index: str | None) -> dict[str, str]:
    """{"HASH": attribute, "RANGE": attribute} of the table or one of its indexes, from table.json."""
    schema = table["KeySchema"]
    if index is not None:
        indexes = [*table.get("GlobalSecondaryIndexes", []), *table.get("LocalSecondaryIndexes", [])]
        found = [i for i in indexes if i["IndexName"] == index]
        if not found:
            raise ArtifactError(f"index {index!r} is not in table.json")
        schema = found[0]["KeySchema"]
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def run_pattern(client: Any, pattern: Mapping[str, Any], params: Mapping[str, Any], art: DdbArtifacts) -> PatternRun:
    """Run one access pattern: its request per shard (merged in key order), then its follow-ups."""
    where = f"access_patterns.json {pattern.get('name')!r}"
    operation = need(pattern, "operation", where)
    shards = int(pattern.get("shards", 1))
    if shards < 1:
        raise ArtifactError(f"{where}: shards {shards}")
    total = PatternRun()
    for shard in range(shards):
        given = dict(params) if shards == 1 else {**params, SHARD_PARAM: shard}
        one = run_read(client, operation, pattern_request(pattern, given, art.entities), art.table_name)
        total.items.extend(one.items)
        total.operations.extend(one.operations)
    if shards > 1:
        _merge_shards(total, pattern, art.table)
    for follow in pattern.get("follow_ups") or []:
        run_follow_up(client, follow, total, params, art, where)
    return total


def _merge_shards(run: PatternRun, pattern: Mapping[str, Any], table: Mapping[str, Any]) -> None:
    """The shards' items in the index's sort-key order (the pattern's direction), cut to its Limit."""
    request = pattern["request"]
    sort_key = key_schema(table, request.get("IndexName")).get("RANGE")
    if sort_key is not None:
        run.items.sort(key=lambda item: _DESER.deserialize(item[sort_key]),
                       reverse=request.get("ScanIndexForward") is False)
    limit = request.get("Limit")
    if limit is not None:
        del run.items[limit:]


def run_follow_up(client: Any, follow: Mapping[str, Any], run: PatternRun, params: Mapping[str, Any],
                  art: DdbArtifacts, where: str) -> None:
    """A follow-up read: its keys filled from each item the pattern returned, its items joined back."""
    raise ArtifactError(f"{where}: follow-up {follow} is not in a shape the proof understands yet")
