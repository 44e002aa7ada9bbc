"""The DynamoDB artifacts: table.json is exactly a CreateTable request, template.yaml a CloudFormation
table with TTL, and every request template is well-formed the way DynamoDB checks it (every expression
placeholder defined and every defined one used, no Scan, keys from the declared templates)."""

from __future__ import annotations

import json

import pytest

from schemac.compiler.design.keyvalue.encoding import holes
from tests.helpers.ddb import EXAMPLES, artifact, example, placeholders

CREATE_TABLE_KEYS = {"TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
                     "LocalSecondaryIndexes", "ProvisionedThroughput"}
REQUEST_KEYS = {"TableName", "IndexName", "Key", "KeyConditionExpression", "FilterExpression",
                "ExpressionAttributeNames", "ExpressionAttributeValues", "ScanIndexForward", "Limit",
                "ConsistentRead"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_table_json_is_a_create_table_request(name: str) -> None:
    table = artifact(example(name), "table.json")
    assert set(table) <= CREATE_TABLE_KEYS
    key_attrs = {k["AttributeName"] for k in table["KeySchema"]}
    for ix in table.get("GlobalSecondaryIndexes", []) + table.get("LocalSecondaryIndexes", []):
        assert 3 <= len(ix["IndexName"]) <= 255
        assert [k["KeyType"] for k in ix["KeySchema"]] in (["HASH"], ["HASH", "RANGE"])
        if ix["Projection"]["ProjectionType"] == "INCLUDE":
            assert ix["Projection"]["NonKeyAttributes"]
        key_attrs |= {k["AttributeName"] for k in ix["KeySchema"]}
    # DDB-X01: exactly the attributes some key schema names, all strings
    assert {a["AttributeName"] for a in table["AttributeDefinitions"]} == key_attrs
    assert len(table["AttributeDefinitions"]) == len(key_attrs)
    assert len(table.get("GlobalSecondaryIndexes", [])) <= 20
    assert len(table.get("LocalSecondaryIndexes", [])) <= 5


def test_template_has_the_table_and_its_ttl() -> None:
    text = next(a.text for a in example("helpdesk").artifacts if a.path == "template.yaml")
    doc = json.loads(text.split("\n", 1)[1])  # JSON is YAML: the first line is a comment
    props = doc["Resources"]["Table"]["Properties"]
    assert doc["Resources"]["Table"]["Type"] == "AWS::DynamoDB::Table"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["KeySchema"] == artifact(example("helpdesk"), "table.json")["KeySchema"]
    ents = artifact(example("helpdesk"), "entities.json")
    assert ents["ttl_attribute"] == "expires_at"
    assert ents["entities"]["Session"]["attributes"]["expires_at"] == {"name": "expires_at", "type": "N",
                                                                       "encoding": "epoch"}


def _check_expression_placeholders(req: dict) -> None:
    text = " ".join(str(req.get(k, "")) for k in ("KeyConditionExpression", "FilterExpression",
                                                  "UpdateExpression", "ConditionExpression"))
    names, values = req.get("ExpressionAttributeNames", {}), req.get("ExpressionAttributeValues", {})
    assert placeholders(text, "#") == set(names), (text, names)
    assert placeholders(text, ":") == set(values), (text, values)


def _requests(pattern: dict) -> list[dict]:
    return [pattern["request"], *(f["request"] for f in pattern["follow_ups"])] if pattern["operation"] else []


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_request_is_well_formed_and_never_a_scan(name: str) -> None:
    for p in artifact(example(name), "access_patterns.json")["patterns"]:
        if p["operation"] is None:
            assert p["unserved"]
            continue
        assert p["operation"] in ("GetItem", "Query", "BatchGetItem")
        for f in p["follow_ups"]:
            assert f["operation"] in ("GetItem", "Query", "BatchGetItem")
        for req in _requests(p):
            assert set(req) <= REQUEST_KEYS, set(req) - REQUEST_KEYS
            assert not {"Segment", "TotalSegments", "Select"} & set(req)
            _check_expression_placeholders(req)


@pytest.mark.parametrize("name", EXAMPLES)
def test_root_key_holes_are_the_patterns_params(name: str) -> None:
    for p in artifact(example(name), "access_patterns.json")["patterns"]:
        if p["operation"] is None:
            continue
        params = {x["name"] for x in p["params"]} | {"shard"}
        for template in p["key_values"].values():
            assert {h.split("|")[0] for h in holes(template)} <= params, (p["name"], template)
        assert set(p["param_encodings"]) == params - {"shard"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_write_is_well_formed(name: str) -> None:
    doc = artifact(example(name), "writes.json")
    entities = artifact(example(name), "entities.json")["entities"]
    for w in doc["writes"]:
        assert len(w["items"]) <= 100
        assert w["transaction"] == (len(w["items"]) > 1)
        params = {x["name"] for x in w["params"]} | {c["param"] for c in w["copies"]}
        params |= {r["param"] for r in w["reads"]}
        for member in w["items"]:
            (action, body), = member.items()
            assert action in ("Put", "Update", "Delete", "ConditionCheck")
            _check_expression_placeholders(body)
            text = json.dumps(body)
            used = {h.split("|")[0] for t in _templates(body) for h in holes(t)}
            used |= {x.split("|")[0] for x in _params(body)}
            assert used <= params | {"shard"}, (w["name"], used - params)
            assert "$template" in text
        if w["op"] == "insert":
            put = w["items"][0]["Put"]
            assert put["ConditionExpression"] == "attribute_not_exists(PK)"
            assert put["Item"]["type"]["S"] == entities[w["entity"]]["type"]


def _templates(node: object) -> list[str]:
    if isinstance(node, dict):
        if "$template" in node:
            return [node["$template"]]
        return [t for v in node.values() for t in _templates(v)]
    if isinstance(node, list):
        return [t for v in node for t in _templates(v)]
    return []


def _params(node: object) -> list[str]:
    if isinstance(node, dict):
        if "$param" in node:
            return [node["$param"]]
        return [t for v in node.values() for t in _params(v)]
    return []


def test_a_duplicate_unique_value_is_rejected_by_the_guard_items_condition() -> None:
    w = next(x for x in artifact(example("helpdesk"), "writes.json")["writes"] if x["name"] == "start_session")
    guards = [m["Put"] for m in w["items"] if "Put" in m and m["Put"]["Item"]["type"]["S"] == "GUARD"]
    assert guards and guards[0]["ConditionExpression"] == "attribute_not_exists(PK)"
    assert "UNIQUE#SESSION#TOKEN_HASH#<token_hash>" in guards[0]["Item"]["PK"]["S"]["$template"]
    assert w["transaction"]


def test_partial_update_sets_exactly_its_fields() -> None:
    w = next(x for x in artifact(example("helpdesk"), "writes.json")["writes"]
             if x["name"] == "edit_ticket_description")
    update = w["items"][0]["Update"]
    assert sorted(update["ExpressionAttributeNames"].values()) == ["description", "updated_at"]
    assert update["ConditionExpression"] == "attribute_exists(PK)"


def test_result_columns_name_the_postgres_columns() -> None:
    patterns = {p["name"]: p for p in artifact(example("course_platform"), "access_patterns.json")["patterns"]}
    cols = patterns["student_courses"]["result"]["columns"]
    assert cols["student_id"] == "student" and cols["course_id"] == "course"
    assert cols["course_title"] == "course/title"  # from the BatchGetItem follow-up named `course`
    assert patterns["instructor_courses"]["result"]["columns"] == {"title": "title",
                                                                  "students": "count_enrollment_by_course"}
    ticket = {p["name"]: p for p in artifact(example("helpdesk"), "access_patterns.json")["patterns"]}
    cols = ticket["ticket_detail"]["result"]["columns"]
    assert cols["requester_name"] == "requester_name"  # copied into the ticket item
    assert cols["comments"]["object"]["author"] == {"object": {"name": "author_name"}}


@pytest.mark.parametrize("name", EXAMPLES)
def test_artifacts_are_deterministic(name: str) -> None:
    from schemac.backends import BuildOptions
    from schemac.build import build
    from tests.helpers.ddb import ROOT

    again = build(ROOT / "examples" / f"{name}.sdl", "dynamodb", BuildOptions())
    assert [(a.path, a.text) for a in again.artifacts] == [(a.path, a.text) for a in example(name).artifacts]


TYPE_FIELD = """\
model m { ids uuid7 }
entity Vehicle {
  type enum(car, van)
  plate string(12) @unique
}
query by_plate {
  from Vehicle
  where plate = ?
  rate 10/s
}
"""


def test_a_field_named_type_keeps_its_own_attribute() -> None:
    from tests.helpers.ddb import from_text

    result = from_text(TYPE_FIELD)
    assert result.ok
    ents = artifact(result, "entities.json")
    assert ents["type_attribute"] == "_type"
    put = artifact(result, "writes.json")["writes"][0]["items"][0]["Put"]["Item"]
    assert put["_type"] == {"S": "VEHICLE"} and put["type"] == {"S": {"$param": "type"}}


def test_expired_items_are_filtered_until_ttl_deletes_them() -> None:
    p = next(x for x in artifact(example("helpdesk"), "access_patterns.json")["patterns"]
             if x["name"] == "session_by_token")
    names = p["request"]["ExpressionAttributeNames"]
    values = p["request"]["ExpressionAttributeValues"]
    placeholder = next(k for k, v in names.items() if v == "expires_at")
    assert f"{placeholder} > " in p["request"]["FilterExpression"]
    assert {"N": {"$now": "epoch"}} in values.values()


SELECTS = """\
model m { ids uuid7 }
entity Order {
  number string(20)
  status enum(open, paid) = open
  note text?
}
query open_numbers {
  from Order
  where status = open
  select number, created_at
  rate 1/s
}
"""


def test_an_index_whose_patterns_select_fields_projects_only_those() -> None:
    from tests.helpers.ddb import from_text

    result = from_text(SELECTS)
    assert result.ok, [d.message for d in result.diagnostics if d.is_error]
    gsi = artifact(result, "table.json")["GlobalSecondaryIndexes"][0]
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["created_at", "number", "type"]}
