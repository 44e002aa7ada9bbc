"""Writes that name a many-to-many's link (`insert TicketTags`, `delete TicketTags by (ticket, tag)`) on the
NoSQL targets: the IR keeps the relation (no junction entity), and each family's planner turns the write into
what it stores: an id array update on MongoDB (run here on mongomock), an edge item on DynamoDB."""

from __future__ import annotations

import json
import uuid
from typing import Any

import mongomock
from bson.binary import Binary, UuidRepresentation

from schemac.backends import BuildOptions
from schemac.build import emit_compiled
from schemac.compiler.pipeline import compile_text
from tests.helpers.m2m import TICKET_TAGS

SDL = TICKET_TAGS


def _artifact(target: str, name: str) -> Any:
    comp = compile_text(SDL, "t.sdl")
    result = emit_compiled(comp, target, BuildOptions())
    assert result.ok, [d.message for d in result.diagnostics if d.is_error]
    return json.loads(next(a.text for a in result.artifacts if a.path == name))


def _fill(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$param"}:
            return params[value["$param"]]
        return {k: _fill(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, params) for v in value]
    return value


def test_mongodb_link_writes_add_and_pull_the_target_id() -> None:
    writes = {w["name"]: w for w in _artifact("mongodb", "writes.json")["writes"]}
    tag, untag = writes["tag_ticket"], writes["untag_ticket"]
    assert [p["name"] for p in tag["params"]] == ["org_id", "ticket_id", "tag_id"]
    (add,) = tag["steps"]
    (pull,) = untag["steps"]
    assert add["collection"] == pull["collection"] == "tickets"
    assert add["update"] == {"$addToSet": {"tag_ids": {"$param": "tag_id"}}}
    assert pull["update"] == {"$pull": {"tag_ids": {"$param": "tag_id"}}}
    org, ticket, t1, t2 = (Binary.from_uuid(uuid.uuid4(), UuidRepresentation.STANDARD) for _ in range(4))
    coll = mongomock.MongoClient().db.tickets
    coll.insert_one({"_id": ticket, "org_id": org, "subject": "s", "tag_ids": []})
    for tag_id in (t1, t2, t1):  # linking twice stores the pair once
        p = {"org_id": org, "ticket_id": ticket, "tag_id": tag_id}
        coll.update_one(_fill(add["filter"], p), _fill(add["update"], p))
    assert coll.find_one({"_id": ticket})["tag_ids"] == [t1, t2]
    p = {"org_id": org, "ticket_id": ticket, "tag_id": t1}
    coll.update_one(_fill(pull["filter"], p), _fill(pull["update"], p))
    assert coll.find_one({"_id": ticket})["tag_ids"] == [t2]
    other = {"org_id": Binary.from_uuid(uuid.uuid4(), UuidRepresentation.STANDARD), "ticket_id": ticket, "tag_id": t2}
    assert coll.update_one(_fill(pull["filter"], other), _fill(pull["update"], other)).matched_count == 0


def test_dynamodb_link_writes_are_edge_items() -> None:
    writes = {w["name"]: w for w in _artifact("dynamodb", "writes.json")["writes"]}
    assert {"tag_ticket", "untag_ticket"} <= set(writes)
    assert json.dumps(writes["tag_ticket"]["items"]).count("Put") >= 1
    assert json.dumps(writes["untag_ticket"]["items"]).count("Delete") >= 1
