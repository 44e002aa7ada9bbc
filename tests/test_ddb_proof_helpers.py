"""The DynamoDB proof's own machinery, on a small hand-written design (tests/fixtures/ddb_mini, shaped as
/work/wt/_notes/contract-dynamodb.md says), on both emulators: the servers, the request filler, the write
runner (transactions on moto; on dynalite split into single requests where a test says so), the pattern
runner, the CreateTable limits neither emulator enforces, and the operation recorder behind the Scan guard.

Split on dynalite (:data:`DYNALITE_SPLIT`): a transaction's ``Put``/``Update``/``Delete`` run as
``PutItem``/``UpdateItem``/``DeleteItem`` with the same conditions; ``ConditionCheck`` has no single-request
equivalent and runs on moto only.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from schemac.build import build
from tests.helpers.ddb_check import canon, difference, table_problems
from tests.helpers.ddb_fill import ArtifactError, Filler, encode, expand_lists, holes
from tests.helpers.ddb_load import parents_first, sample_closure
from tests.helpers.ddb_patterns import result_rows, run_pattern
from tests.helpers.ddb_run import DdbArtifacts, Split, holds, recreate_table, run_write, write_requests
from tests.helpers.ddb_servers import KINDS, SENT, DdbServer, Kind, server_of

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "ddb_mini"
DYNALITE_SPLIT = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"},
                       frozenset({"ConditionCheck"}))
ORG = uuid.UUID("0190a000-0000-7000-8000-000000000001")
TEAM = uuid.UUID("0190a000-0000-7000-8000-0000000000aa")
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
Loaded = tuple[DdbServer, Any, DdbArtifacts]


def _mini() -> DdbArtifacts:
    texts = {p.name: p.read_text() for p in MINI.iterdir()}
    texts |= {"template.yaml": "Resources: {}\n", "decisions.md": "# mini\n"}
    return DdbArtifacts.from_texts(texts)


def _users() -> list[dict[str, Any]]:
    return [{"organization_id": ORG, "id": uuid.UUID(int=i + 1), "team_id": TEAM if i < 4 else None,
             "email": f"u{i}@example.com", "rank": [7, 70, 700, 9][i % 4] + i, "joined_at": T0 + dt.timedelta(hours=i),
             "expires_at": T0 + dt.timedelta(days=30) if i == 0 else None} for i in range(5)]


def _filler(write: dict[str, Any], params: dict[str, Any]) -> Filler:
    declared = write.get("hole_encodings", {})
    return Filler(params, lambda hole: declared.get(hole, "plain"))


@pytest.fixture(scope="module", params=KINDS)
def loaded(request: pytest.FixtureRequest) -> Loaded:
    kind: Kind = request.param
    server = server_of(request, kind)
    client = server.client()
    art = _mini()
    recreate_table(client, art.table)
    split = DYNALITE_SPLIT if kind == "dynalite" else None
    run_write(client, art.write("insert Organization"), _filler(art.write("insert Organization"), {"id": ORG}))
    for user in _users():
        run_write(client, art.write("insert User"), _filler(art.write("insert User"), user), split)
    return server, client, art


def test_items_land_with_padded_sortable_keys_and_no_attribute_for_null(loaded: Loaded) -> None:
    _, client, art = loaded
    user = _users()[4]  # no team: its GSI1 keys are absent (sparse), and expires_at too
    key = {"PK": {"S": f"ORG#{ORG}#USER#{user['id']}"}, "SK": {"S": f"USER#{user['id']}"}}
    item = client.get_item(TableName=art.table_name, Key=key, ConsistentRead=True)["Item"]
    assert "GSI1PK" not in item and "GSI1SK" not in item and "expires_at" not in item and "team" not in item
    first = _users()[0]
    key = {"PK": {"S": f"ORG#{ORG}#USER#{first['id']}"}, "SK": {"S": f"USER#{first['id']}"}}
    item = client.get_item(TableName=art.table_name, Key=key, ConsistentRead=True)["Item"]
    assert item["GSI1SK"] == {"S": f"RANK#{first['rank']:010d}#USER#{first['id']}"}
    assert item["joined_at"] == {"S": "2026-03-01T12:00:00.000000Z"}
    assert Decimal(item["expires_at"]["N"]) == 1774958400  # the TTL attribute: epoch seconds


def test_patterns_answer_as_expected(loaded: Loaded) -> None:
    server, client, art = loaded
    users = _users()
    before = dict(server.sent)
    by_id = art.pattern("UserById")
    steps, run = run_pattern(client, by_id, {"organization_id": ORG, "user_id": users[2]["id"]}, art)
    assert result_rows(by_id, steps, art) == [{"id": str(users[2]["id"]), "email": "u2@example.com",
                                               "rank": Decimal(702), "org_id": str(ORG)}]
    assert run.operations == ["GetItem", "BatchGetItem"]
    ranking = art.pattern("TeamRanking")
    steps, _ = run_pattern(client, ranking, {"organization_id": ORG, "team_id": TEAM}, art)
    expected = sorted(users[:4], key=lambda u: -u["rank"])[:2]  # numeric order, not text order (702 > 71 > 12)
    got = result_rows(ranking, steps, art)
    assert difference(got, expected, ["id", "rank", "joined_at"], ordered=True) is None
    active = art.pattern("ActiveTeam")
    params = {"organization_id": ORG, "team_id": TEAM, "min_rank": 100, "emails": ["u2@example.com", "u0@x"]}
    steps, run = run_pattern(client, active, params, art)
    assert [r["id"] for r in result_rows(active, steps, art)] == [str(users[2]["id"])]
    assert run.operations.count("Query") >= 2, "Limit 1 with a filter pages until one item matches"
    sizes = art.pattern("TeamSizes")
    steps, _ = run_pattern(client, sizes, {"organization_id": ORG, "team_id": TEAM}, art)
    assert result_rows(sizes, steps, art) == [{"team_id": str(TEAM), "members": 4, "best": Decimal(702)}]
    sent = {op for op, n in server.sent.items() if n > before.get(op, 0)}
    assert sent <= {"GetItem", "Query", "BatchGetItem"}


def test_duplicate_unique_value_is_rejected(loaded: Loaded) -> None:
    server, client, art = loaded
    twin = {**_users()[1], "id": uuid.uuid4()}  # another user, the same email in the same organization
    split = DYNALITE_SPLIT if server.kind == "dynalite" else None
    with pytest.raises(ClientError) as caught:
        run_write(client, art.write("insert User"), _filler(art.write("insert User"), twin), split)
    error = caught.value.response
    if server.kind == "moto":
        assert error["Error"]["Code"] == "TransactionCanceledException"
        reasons = [r.get("Code") for r in error["CancellationReasons"]]
        assert reasons == ["None", "ConditionalCheckFailed", "None"]
    else:  # the guard item's PutItem, on its own
        assert error["Error"]["Code"] == "ConditionalCheckFailedException"


def test_a_transaction_against_a_missing_parent_is_rejected_on_moto(moto_server: DdbServer) -> None:
    client = moto_server.client()
    art = _mini()
    recreate_table(client, art.table)
    orphan = {**_users()[0], "organization_id": uuid.uuid4()}
    with pytest.raises(ClientError) as caught:
        run_write(client, art.write("insert User"), _filler(art.write("insert User"), orphan))
    assert [r.get("Code") for r in caught.value.response["CancellationReasons"]][-1] == "ConditionalCheckFailed"


def test_dynalite_rejects_what_aws_rejects_and_lacks_transactions(dynalite_server: DdbServer) -> None:
    client = dynalite_server.client()
    bad = {**_mini().table, "TableName": "ddb_bad", "LocalSecondaryIndexes": [
        {"IndexName": "LSI1", "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                            {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}]}
    with pytest.raises(ClientError, match="same leading hash key"):
        client.create_table(**bad)
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[])
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"


def test_every_operation_is_recorded_and_none_is_a_scan(dynalite_server: DdbServer) -> None:
    client = dynalite_server.client()
    client.list_tables()
    assert dynalite_server.sent["ListTables"] >= 1 and SENT[("dynalite", "ListTables")] >= 1
    assert not any(op == "Scan" for _, op in SENT)


# --- the filler, without a server -------------------------------------------------------------------------


def test_fill_encodes_by_type_tag_and_by_hole() -> None:
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    u = uuid.UUID(int=5)
    encodings = {"n": "uint", "i": "int", "at": "timestamp", "u": "plain", "d": "decimal"}
    template = {"K": {"S": {"$template": "A#<n>#<i>#<at>#<u>#<d>#<at|week>"}}, "N": {"N": {"$param": "n"}},
                "T": {"S": {"$param": "at"}}, "E": {"N": {"$param": "at"}}, "B": {"BOOL": True},
                "M": {"M": {"x": {"S": {"$param": "u"}}, "y": {"S": {"$param": "none"}}}},
                "J": {"S": {"$param": "j"}}, "Q": {"S": {"$param": "at|quarter"}}, "P": {"S": {"$key": "pk"}}}
    params = {"n": 42, "i": -1, "at": at, "u": u, "d": Decimal("12.50"), "none": None, "j": {"b": 1, "a": [2]}}
    out = Filler(params, encodings.__getitem__, {"pk": "X#<u>"}).fill(template)
    assert out == {"K": {"S": f"A#0000000042#09223372036854775807#2026-01-02T01:04:05.000006Z#{u}"
                              "#00000000000000012.50#2025-12-29T00:00:00.000000Z"},
                   "N": {"N": "42"}, "T": {"S": "2026-01-02T01:04:05.000006Z"}, "E": {"N": "1767315845.000006"},
                   "B": {"BOOL": True}, "M": {"M": {"x": {"S": str(u)}}}, "J": {"S": '{"a": [2], "b": 1}'},
                   "Q": {"S": "2026-01-01T00:00:00.000000Z"}, "P": {"S": f"X#{u}"}}
    assert holes(template) == {"n", "i", "at", "u", "d", "none", "j"}


def test_null_params_leave_attributes_out_but_stay_null_in_expression_values() -> None:
    filler = Filler({"t": None}, lambda hole: "plain")
    template = {"Item": {"K": {"S": {"$template": "X#<t>"}}, "A": {"S": {"$param": "t"}}, "B": {"S": "fixed"},
                         "M": {"M": {"a": {"S": {"$param": "t"}}}}},
                "ExpressionAttributeValues": {":t": {"S": {"$param": "t"}}}}
    assert filler.fill(template) == {"Item": {"B": {"S": "fixed"}}, "ExpressionAttributeValues": {":t": {"NULL": True}}}
    with pytest.raises(ArtifactError, match="key attribute 'PK'"):
        filler.fill({"Key": {"PK": {"S": {"$template": "X#<t>"}}}})


def test_in_lists_expand_to_one_placeholder_per_element() -> None:
    filler = Filler({"s": ["open", "pending"]}, lambda hole: "plain")
    request = {"FilterExpression": "#f IN (:f0) AND #g = :f00", "ExpressionAttributeValues": {
        ":f0": {"$param": "s", "expand": "list"}, ":f00": {"S": "x"}}}
    assert expand_lists(request, filler) == {"FilterExpression": "#f IN (:f0_0, :f0_1) AND #g = :f00",
                                             "ExpressionAttributeValues": {":f00": {"S": "x"}, ":f0_0": {"S": "open"},
                                                                           ":f0_1": {"S": "pending"}}}
    with pytest.raises(ArtifactError, match="non-empty list"):
        expand_lists({"ExpressionAttributeValues": {":f0": {"$param": "s", "expand": "list"}}},
                     Filler({"s": []}, lambda hole: "plain"))


@pytest.mark.parametrize(("template", "params", "message"), [
    ({"S": {"$param": "nope"}}, {"x": 1}, "parameter 'nope'"),
    ({"S": {"$template": "A#<nope>"}}, {}, "parameter 'nope'"),
    ({"S": {"$key": "nope"}}, {}, "no key template"),
    ({"BOOL": {"$param": "x"}}, {"x": "yes"}, "BOOL attribute"),
    ({"N": {"$param": "x"}}, {"x": "7"}, "N attribute"),
    ({"L": [{"S": {"$template": "<x>"}}]}, {"x": None}, "NULL value inside a list"),
    ({"S": {"$param": "x"}}, {"x": dt.datetime(2026, 1, 1)}, "without a time zone"),
    ({"S": {"$template": "<x>"}}, {"x": -1}, "negative"),
    ({"S": {"$template": "<x|fortnight>"}}, {"x": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, "fortnight"),
    ({"S": {"$param": "x"}}, {"x": object()}, "no DynamoDB text"),
    ({"$param": "x"}, {"x": 1}, "untyped"),
])
def test_fill_fails_clearly_on_what_it_cannot_carry_out(template: Any, params: dict[str, Any],
                                                       message: str) -> None:
    with pytest.raises(ArtifactError, match=message):
        Filler(params, lambda hole: "uint").fill(template)
    with pytest.raises(ArtifactError, match="unknown key encoding"):
        encode(1, "roman")


def test_artifacts_that_lack_what_the_contract_promises_fail_clearly() -> None:
    texts = {p.name: p.read_text() for p in MINI.iterdir()}
    with pytest.raises(ArtifactError, match="lacks"):
        DdbArtifacts.from_texts(texts)
    texts |= {"template.yaml": "", "decisions.md": ""}
    with pytest.raises(ArtifactError, match="format"):
        DdbArtifacts.from_texts({**texts, "writes.json": json.dumps({"writes": []})})
    art = DdbArtifacts.from_texts(texts)
    with pytest.raises(ArtifactError, match="no pattern"):
        art.pattern("Nope")
    with pytest.raises(ArtifactError, match="lacks 'result'"):
        result_rows({"name": "x"}, {"": []}, art)
    with pytest.raises(ArtifactError, match="cannot evaluate"):
        holds([{"op": "between", "on": "x"}], {"x": 1}, "here")
    assert holds([{"op": "=", "on": "s", "equals": "open"}, {"op": "is_null", "on": "d"}], {"s": "open", "d": None}, "")


def test_static_limits_neither_emulator_enforces() -> None:
    good = _mini().table
    assert table_problems(good) == []
    include = {**good, "GlobalSecondaryIndexes": [{**good["GlobalSecondaryIndexes"][0],
                                                   "Projection": {"ProjectionType": "INCLUDE"}}]}
    assert any("NonKeyAttributes is not specified" in p for p in table_problems(include))
    gsi = good["GlobalSecondaryIndexes"][0]
    many = {**good, "GlobalSecondaryIndexes": [{**gsi, "IndexName": f"GSI{i}"} for i in range(21)]}
    assert "21 GSIs, over the limit of 20" in table_problems(many)
    short = {**good, "TableName": "ab", "GlobalSecondaryIndexes": [{**gsi, "IndexName": "g1"}], "Extra": 1}
    problems = table_problems(short)
    assert any("table name 'ab'" in p for p in problems) and any("index name 'g1'" in p for p in problems)
    assert "unexpected key 'Extra'" in problems
    extra = {"AttributeName": "X", "AttributeType": "S"}
    unused = {**good, "AttributeDefinitions": [*good["AttributeDefinitions"], extra]}
    assert "AttributeDefinition 'X' is used by no key" in table_problems(unused)


def test_canon_makes_both_sides_comparable() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert canon(at) == canon("2026-01-01T00:00:00.000000Z")
    assert canon(Decimal("5.00")) == canon(5) == "5" and canon(Decimal("0.0")) == canon(0)
    assert canon(uuid.UUID(int=1)) == str(uuid.UUID(int=1))
    assert difference([{"a": 1}, {"a": 2}], [{"a": 2}, {"a": 1}], ["a"], ordered=False) is None
    assert "another order" in (difference([{"a": 1}, {"a": 2}], [{"a": 2}, {"a": 1}], ["a"], ordered=True) or "")
    assert "only in DynamoDB: 1 rows: [('3',)]" in (difference([{"a": 3}], [], ["a"], ordered=False) or "")


def test_the_transactional_sample_is_closed_under_references() -> None:
    result = build(ROOT / "examples" / "course_platform.sdl", "postgres")
    assert result.design is not None
    model = result.design.model
    orgs = [{"id": uuid.UUID(int=i)} for i in (1, 2)]
    users = [{"id": uuid.UUID(int=10 + i), "organization": orgs[1]["id"]} for i in range(3)]
    courses = [{"id": uuid.UUID(int=20), "organization": orgs[1]["id"], "instructor": users[2]["id"]}]
    rows = {"Organization": orgs, "User": users, "Course": courses}
    chosen = sample_closure(model, rows, 1)
    # the first row of each entity, and what they reference: org 2 (of user 1 and the course), user 3
    assert chosen == {("Organization", 0), ("Organization", 1), ("User", 0), ("User", 2), ("Course", 0)}
    assert [e.name for e in parents_first(model)].index("Organization") < [e.name for e in parents_first(model)].index(
        "Course")


def test_a_null_in_a_sort_key_is_tilde_and_in_a_partition_key_drops_the_pair() -> None:
    write = {"name": "w", "items": [{"Put": {"TableName": "t", "Item": {
        "PK": {"S": {"$template": "A#<a>"}}, "SK": {"S": {"$template": "B#<b>#<a>"}},
        "GSI1PK": {"S": {"$template": "C#<c>"}}, "GSI1SK": {"S": {"$template": "D#<a>"}}}}}]}
    filler = Filler({"a": 1, "b": None, "c": None}, lambda hole: "plain", sort_keys=frozenset({"SK", "GSI1SK"}),
                    key_pairs=(("GSI1PK", "GSI1SK"),))
    (put,) = write_requests(write, filler)
    assert put["Put"]["Item"] == {"PK": {"S": "A#1"}, "SK": {"S": "B#~#1"}}
