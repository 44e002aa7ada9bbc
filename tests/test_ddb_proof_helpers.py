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

from tests.helpers.ddb_check import canon, difference, table_problems
from tests.helpers.ddb_fill import ABSENT, ArtifactError, Encoder, Filler, encoder_for, fill, holes
from tests.helpers.ddb_run import (
    DdbArtifacts,
    PatternRun,
    Split,
    recreate_table,
    result_rows,
    run_pattern,
    run_write,
)
from tests.helpers.ddb_servers import KINDS, SENT, DdbServer, Kind, server_of

MINI = Path(__file__).resolve().parent / "fixtures" / "ddb_mini"
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
             "expires_at": None} for i in range(5)]


@pytest.fixture(scope="module", params=KINDS)
def loaded(request: pytest.FixtureRequest) -> Loaded:
    kind: Kind = request.param
    server = server_of(request, kind)
    client = server.client()
    art = _mini()
    recreate_table(client, art.table)
    split = DYNALITE_SPLIT if kind == "dynalite" else None
    run_write(client, art.write("insert Organization"), {"id": ORG}, art.entities)
    for user in _users():
        run_write(client, art.write("insert User"), user, art.entities, split)
    return server, client, art


def test_items_land_with_padded_sortable_keys_and_no_attribute_for_null(loaded: Loaded) -> None:
    _, client, art = loaded
    user = _users()[4]  # no team: its GSI1PK is absent (sparse), and expires_at too
    key = {"PK": {"S": f"ORG#{ORG}#USER#{user['id']}"}, "SK": {"S": f"USER#{user['id']}"}}
    item = client.get_item(TableName=art.table_name, Key=key, ConsistentRead=True)["Item"]
    assert "GSI1PK" not in item and "expires_at" not in item and "team_id" not in item
    assert item["GSI1SK"] == {"S": f"RANK#{user['rank']:010d}#USER#{user['id']}"}
    assert item["joined_at"] == {"S": "2026-03-01T16:00:00.000000Z"}


def test_patterns_answer_as_expected(loaded: Loaded) -> None:
    server, client, art = loaded
    users = _users()
    before = dict(server.sent)
    one = run_pattern(client, art.pattern("UserById"), {"organization_id": ORG, "user_id": users[2]["id"]}, art)
    assert result_rows(art.pattern("UserById"), one.items) == [{"id": str(users[2]["id"]), "email": "u2@example.com",
                                                                "rank": Decimal(702)}]
    ranking = art.pattern("TeamRanking")
    top = run_pattern(client, ranking, {"organization_id": ORG, "team_id": TEAM}, art)
    expected = sorted(users[:4], key=lambda u: -u["rank"])[:2]  # numeric order, not text order (702 > 71 > 12)
    assert difference(result_rows(ranking, top.items), expected, ["id", "rank", "joined_at"], ordered=True) is None
    active = art.pattern("ActiveTeam")
    found = run_pattern(client, active, {"organization_id": ORG, "team_id": TEAM, "min_rank": 100}, art)
    assert [r["id"] for r in result_rows(active, found.items)] == [str(users[2]["id"])]
    assert found.operations.count("Query") >= 2, "Limit 1 with a filter pages until one item matches"
    sent = {op for op, n in server.sent.items() if n > before.get(op, 0)}
    assert sent <= {"GetItem", "Query"}


def test_duplicate_unique_value_is_rejected(loaded: Loaded) -> None:
    server, client, art = loaded
    twin = {**_users()[1], "id": uuid.uuid4()}  # another user, the same email in the same organization
    split = DYNALITE_SPLIT if server.kind == "dynalite" else None
    with pytest.raises(ClientError) as caught:
        run_write(client, art.write("insert User"), twin, art.entities, split)
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
        run_write(client, art.write("insert User"), orphan, art.entities)
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
    enc = Encoder({"int_sort": "zero-padded to 6 digits"}, {"n": "int", "at": "timestamp", "u": "uuid"})
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    u = uuid.UUID(int=5)
    template = {"K": {"S": "A#<n>#<at>#<u>"}, "N": {"N": {"$param": "n"}}, "T": {"S": {"$param": "at"}},
                "B": {"BOOL": True}, "M": {"M": {"x": {"S": {"$param": "u"}}}}}
    out = fill(template, {"n": 42, "at": at, "u": u}, enc)
    assert out == {"K": {"S": f"A#000042#2026-01-02T01:04:05.000006Z#{u}"}, "N": {"N": "42"},
                   "T": {"S": "2026-01-02T01:04:05.000006Z"}, "B": {"BOOL": True}, "M": {"M": {"x": {"S": str(u)}}}}
    assert holes(template) == {"n", "at", "u"}


def test_null_params_leave_attributes_out_but_stay_null_in_expression_values() -> None:
    enc = Encoder({}, {})
    template = {"Item": {"K": {"S": "X#<t>"}, "A": {"S": {"$param": "t"}}, "B": {"S": "fixed"}},
                "ExpressionAttributeValues": {":t": {"S": {"$param": "t"}}}}
    assert fill(template, {"t": None}, enc) == {"Item": {"B": {"S": "fixed"}},
                                                "ExpressionAttributeValues": {":t": {"NULL": True}}}
    assert Filler({"t": None}, enc).fill({"$param": "t"}) is ABSENT


@pytest.mark.parametrize(("template", "params", "message"), [
    ({"S": {"$param": "nope"}}, {"x": 1}, "parameter 'nope'"),
    ("A#<nope>", {}, "parameter 'nope'"),
    ({"ZZ": {"$param": "x"}}, {"x": 1}, None),  # an unknown tag is not an attribute value: a plain map
    ({"BOOL": {"$param": "x"}}, {"x": "yes"}, "BOOL attribute"),
    ({"L": [{"S": "<x>"}]}, {"x": None}, "NULL parameter inside a list"),
    ({"S": {"$param": "x"}}, {"x": dt.datetime(2026, 1, 1)}, "without a time zone"),
    ({"S": "<x>"}, {"x": -1}, "negative"),
    ({"S": {"$param": "x"}}, {"x": object()}, "no DynamoDB text form"),
])
def test_fill_fails_clearly_on_what_it_cannot_carry_out(template: Any, params: dict[str, Any],
                                                       message: str | None) -> None:
    enc = Encoder({"int_sort": "zero-padded to 4 digits"}, {"x": "int"})
    if message is None:
        assert fill(template, params, enc) == {"ZZ": 1}
        return
    with pytest.raises(ArtifactError, match=message):
        fill(template, params, enc)


def test_artifacts_that_lack_what_the_contract_promises_fail_clearly() -> None:
    texts = {p.name: p.read_text() for p in MINI.iterdir()}
    with pytest.raises(ArtifactError, match="lacks"):
        DdbArtifacts.from_texts(texts)
    texts |= {"template.yaml": "", "decisions.md": ""}
    with pytest.raises(ArtifactError, match="format"):
        DdbArtifacts.from_texts({**texts, "writes.json": json.dumps({"writes": []})})
    with pytest.raises(ArtifactError, match="encodings"):
        encoder_for({}, [])
    with pytest.raises(ArtifactError, match="name or type"):
        encoder_for({"encodings": {}}, [{"name": "x"}])
    with pytest.raises(ArtifactError, match="int_sort has no width"):
        Encoder({"int_sort": "padded"}, {"x": "int"}).hole("x", 3)
    art = DdbArtifacts.from_texts(texts)
    with pytest.raises(ArtifactError, match="no pattern"):
        art.pattern("Nope")
    with pytest.raises(ArtifactError, match="lacks 'result'"):
        result_rows({"name": "x"}, [])
    assert isinstance(PatternRun().items, list)


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
    assert "only in DynamoDB: [('3',)]" in (difference([{"a": 3}], [], ["a"], ordered=False) or "")
