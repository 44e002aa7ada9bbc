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
from botocore.exceptions import ClientError

from tests.helpers.ddb_fill import NULL_IN_SORT_KEY, ArtifactError, Filler, null_terms

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

    def encodings(self, entity: str) -> dict[str, str]:
        """An entity's key_encodings (hole -> encoding name)."""
        found = self.entities.get("entities", {}).get(entity)
        if found is None:
            raise ArtifactError(f"entities.json has no entity {entity!r}")
        return dict(found.get("key_encodings", {}))

    def entity_of_type(self, type_value: Any) -> str | None:
        """The entity whose items carry this type attribute value (None for guard, edge or aggregate items)."""
        for name, spec in self.entities.get("entities", {}).items():
            if spec.get("type") == type_value:
                return str(name)
        return None

    def key_pairs(self) -> tuple[tuple[str, str], ...]:
        """(partition, sort) attributes of the table's secondary indexes that have a sort key."""
        pairs = []
        for index in (*self.table.get("GlobalSecondaryIndexes", []), *self.table.get("LocalSecondaryIndexes", [])):
            keys = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
            if "RANGE" in keys:
                pairs.append((keys["HASH"], keys["RANGE"]))
        return tuple(pairs)

    def sort_keys(self) -> frozenset[str]:
        """Every sort-key attribute: the table's and its indexes'."""
        indexes = [*self.table.get("GlobalSecondaryIndexes", []), *self.table.get("LocalSecondaryIndexes", [])]
        schemas = [self.table["KeySchema"], *(i["KeySchema"] for i in indexes)]
        return frozenset(k["AttributeName"] for s in schemas for k in s if k["KeyType"] == "RANGE")

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
# a write that is no transaction: its one member (Put, Update, Delete) is that single request
OUTSIDE_TRANSACTIONS = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}, frozenset())
CONDITION_OPS = {
    "is_null": lambda v, c: v is None,
    "is_not_null": lambda v, c: v is not None,
    "=": lambda v, c: v is not None and _same(v, c.get("equals")),
    "!=": lambda v, c: v is None or not _same(v, c.get("equals")),
}


def _same(value: Any, expected: Any) -> bool:
    return str(getattr(value, "value", value)).lower() == str(expected).lower()


def holds(conditions: Iterable[Mapping[str, Any]], params: Mapping[str, Any], where: str) -> bool:
    """Whether every condition (``{"on": param, "op": ..., "equals": ...}``) holds for these params."""
    for c in conditions:
        op = CONDITION_OPS.get(c.get("op", ""))
        on = c.get("on", c.get("field"))
        if op is None or on not in params:
            raise ArtifactError(f"{where}: a condition the proof cannot evaluate: {c} (params {sorted(params)})")
        if not op(params[on], c):
            return False
    return True


def write_requests(write: Mapping[str, Any], filler: Filler) -> list[Any]:
    """The filled ``items`` of one write that apply to its params (``when``), sparse key attributes dropped
    where their conditions fail."""
    where = f"writes.json {write.get('name')!r}"
    items = need(write, "items", where)
    if not items:
        raise ArtifactError(f"{where} has no items")
    when = write.get("when") or {}
    sparse = {attr: spec.get("when", []) for attr, spec in (write.get("sparse") or {}).items()}
    applied = [i for i in range(len(items)) if holds(when.get(str(i), []), filler.params, f"{where} item {i}")]
    out = []
    for i, member in enumerate(items):
        if i not in applied or i in _unmoved(write, items, applied, filler):
            continue
        member = _sort_keys_filled(member, filler)
        filled = filler.fill(member)
        for kind, request in filled.items():
            null_terms(member[kind], request, filler)
            if kind == "Update":
                _nulls_removed(request, filler)
            item = request.get("Item") if isinstance(request, dict) else None
            for attr, conditions in sparse.items():
                if item is not None and attr in item and not holds(conditions, filler.params, f"{where} {attr}"):
                    del item[attr]
            for partition, sort in filler.key_pairs:  # a NULL partition key: the item is not in that index
                if item is not None and partition not in item:
                    item.pop(sort, None)
        out.append(filled)
    return out


def _sort_keys_filled(member: Mapping[str, Any], filler: Filler) -> Mapping[str, Any]:
    """An Update that SETs a sort-key attribute from a template: a NULL hole is written as the null-in-key
    marker (entities.json null_in_key), as a Put writes it."""
    if "Update" not in member:
        return member
    update = dict(member["Update"])
    values = dict(update.get("ExpressionAttributeValues") or {})
    for name, attr in (update.get("ExpressionAttributeNames") or {}).items():
        spec = values.get(":" + name[1:])
        inner = spec.get("S") if isinstance(spec, dict) else None
        if attr in filler.sort_keys and isinstance(inner, dict) and "$template" in inner:
            values[":" + name[1:]] = {"S": filler.template(inner["$template"], null=NULL_IN_SORT_KEY)}
    return {"Update": {**update, "ExpressionAttributeValues": values}}


def _nulls_removed(request: dict[str, Any], filler: Filler) -> None:
    """A NULL value SET by an Update means: REMOVE that attribute (and the sort key of an index whose
    partition key it is: the item leaves that index)."""
    values = request.get("ExpressionAttributeValues") or {}
    names = request.get("ExpressionAttributeNames") or {}
    expression = request["UpdateExpression"]
    removed = [n for n in names if values.get(":" + n[1:]) == {"NULL": True} and f"{n} = :{n[1:]}" in expression]
    partitions = {p: s for p, s in filler.key_pairs}
    for n in list(removed):
        sort = partitions.get(names[n])
        removed += [m for m, a in names.items() if a == sort and m not in removed]
    if not removed:
        return
    head, _, rest = expression.partition("SET ")
    tail = ""
    for clause in (" ADD ", " REMOVE "):
        if clause in rest:
            rest, _, more = rest.partition(clause)
            tail = f"{clause}{more}{tail}"
    kept = [t for t in rest.split(", ") if t.split(" = ")[0] not in removed]
    request["UpdateExpression"] = (head + ("SET " + ", ".join(kept) if kept else "")).strip() + tail
    extra = ", ".join(removed)
    if " REMOVE " in request["UpdateExpression"] or request["UpdateExpression"].startswith("REMOVE "):
        request["UpdateExpression"] = request["UpdateExpression"].replace("REMOVE ", f"REMOVE {extra}, ", 1)
    else:
        request["UpdateExpression"] = f"{request['UpdateExpression']} REMOVE {extra}".strip()
    for n in removed:
        values.pop(":" + n[1:], None)


def _unmoved(write: Mapping[str, Any], items: list[Any], applied: list[int], filler: Filler) -> set[int]:
    """``moves`` pairs [old group's ADD, new group's ADD] that both apply to the same item: the item stayed in
    its group, and neither is sent."""
    out: set[int] = set()
    for old, new in write.get("moves") or []:
        if old in applied and new in applied:
            keys = [filler.fill(next(iter(items[i].values()))["Key"]) for i in (old, new)]
            if keys[0] == keys[1]:
                out |= {old, new}
    return out


def run_write(client: Any, write: Mapping[str, Any], filler: Filler, split: Split | None = None) -> list[str]:
    """Send one write (and its ``then`` updates); returns the operations sent. ``split``: run a transaction's
    members as single requests."""
    where = f"writes.json {write.get('name')!r}"
    requests = write_requests(write, filler)
    sent: list[str] = []
    returned = None  # the item a single request returned (ReturnValues), for a 'then' that takes its values
    if not need(write, "transaction", where) or not requests:
        for member in requests:
            (kind, request), = member.items()
            op = split_op(kind, OUTSIDE_TRANSACTIONS, where)
            returned = _single(client, op, request, where).get("Attributes")
            sent.append(op)
    elif split is None:
        for member in requests:
            if len(member) != 1 or next(iter(member)) not in TRANSACTION_MEMBERS:
                raise ArtifactError(f"{where}: not a TransactWriteItems member: {member}")
        try:
            client.transact_write_items(TransactItems=requests)
        except ClientError as exc:
            exc.add_note(f"{where}: TransactWriteItems {json.dumps(requests, default=str)[:2500]}")
            raise
        sent.append("TransactWriteItems")
    else:
        for member in split_order(requests):
            (kind, request), = member.items()
            if kind in split.left_to_transactions:
                continue
            op = split_op(kind, split, where)
            _single(client, op, request, where)
            sent.append(op)
    for then in write.get("then") or []:
        sent += _then(client, then, filler, where, returned)
    return sent


def split_order(requests: list[Any]) -> list[Any]:
    """A split transaction's members in the order they are sent: first the Updates that hold on values read
    before (a racing writer can make them fail: nothing else is sent then), then the others as listed."""
    def held(member: Any) -> bool:
        (kind, request), = member.items()
        return kind == "Update" and "ConditionExpression" in request
    return sorted(requests, key=lambda m: not held(m))


def split_op(kind: str, split: Split, where: str) -> str:
    if kind in SINGLE_METHOD:
        return kind
    if kind not in split.single:
        raise ArtifactError(f"{where}: unknown write member {kind!r}")
    return split.single[kind]


def _then(client: Any, then: Mapping[str, Any], filler: Filler, where: str, returned: Any) -> list[str]:
    """A conditional request after the write, outside its transaction: a failed condition is expected when
    it says so (a max aggregate); ``values_from``: its values are the write's returned item's (ALL_NEW)."""
    ops = [k for k in then if k in SINGLE_METHOD]
    if len(ops) != 1:
        raise ArtifactError(f"{where}: a 'then' entry without one single request: {sorted(then)}")
    if "values_from" in then:
        if not returned:
            raise ArtifactError(f"{where}: 'then' takes values from the write's returned item, which returned none")
        filler = Filler({**filler.params, **python_item(returned)}, filler.encoding, filler.keys)
    request = filler.fill(then[ops[0]])
    try:
        _single(client, ops[0], request, where)
    except client.exceptions.ConditionalCheckFailedException:
        if "ignore" not in str(then.get("on_condition_failure", "")):
            raise
    return [ops[0]]


def _single(client: Any, op: str, request: Mapping[str, Any], where: str) -> dict[str, Any]:
    method = SINGLE_METHOD.get(op)
    if method is None:
        raise ArtifactError(f"{where}: unknown single write operation {op!r}")
    try:
        answer: dict[str, Any] = getattr(client, method)(**request)
    except client.exceptions.ConditionalCheckFailedException:
        raise
    except ClientError as exc:
        exc.add_note(f"{where}: {op} {json.dumps(request, default=str)[:1500]}")
        raise
    return answer


# --- reads ------------------------------------------------------------------------------------------------


@dataclass
class PatternRun:
    """What one access pattern read: the root items, each step's items, and the operations sent for it."""

    items: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    operations: list[str] = field(default_factory=list)


def run_read(client: Any, operation: str, request: dict[str, Any], table: str, run: PatternRun) -> list[dict[str, Any]]:
    """One read request (a Query pages until its Limit is met, as a client does with a filter)."""
    items: list[dict[str, Any]] = []
    if operation == "GetItem":
        run.operations.append(operation)
        item = client.get_item(**request).get("Item")
        items.extend([item] if item else [])
    elif operation == "Query":
        limit = request.get("Limit")
        page = dict(request)
        while True:
            run.operations.append(operation)
            answer = client.query(**page)
            items.extend(answer.get("Items", []))
            more = answer.get("LastEvaluatedKey")
            if not more or (limit is not None and len(items) >= limit):
                break
            page["ExclusiveStartKey"] = more
        if limit is not None:
            del items[limit:]
    elif operation == "BatchGetItem":
        pending = request["RequestItems"]
        while pending:
            run.operations.append(operation)
            answer = client.batch_get_item(RequestItems=pending)
            items.extend(answer.get("Responses", {}).get(table, []))
            pending = answer.get("UnprocessedKeys") or {}
    else:
        raise ArtifactError(f"{operation!r} is not a read the proof accepts ({sorted(READ_OPERATIONS)})")
    return items


def python_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as Python values (numbers as Decimal, maps as dicts)."""
    return {k: _DESER.deserialize(v) for k, v in item.items()}


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
