"""The DynamoDB proof (issue 14): every example's design, carried out on both emulators, agrees with PostgreSQL.

For each example x emulator (dynalite, moto; tests/helpers/ddb_servers.py):

1. the table is created from table.json as it is (dynalite validates CreateTable as AWS does); the limits
   neither emulator enforces (INCLUDE without NonKeyAttributes, name lengths, index counts) are checked
   statically (:func:`tests.helpers.ddb_check.table_problems`);
2. the example's logical rows (tests/helpers/pg_answers.py: a small seeded PostgreSQL database read back)
   are written through writes.json's ``insert <Entity>`` templates, guard items and transactions included;
   a second row with an existing ``unique`` value is rejected;
3. every access pattern of access_patterns.json runs (key templates filled from parameters drawn from the
   rows, shards fanned out, follow-ups run) and its rows, by ``result.columns``, equal PostgreSQL's answer
   over the same rows: as lists when the pattern is ``ordered``, else as multisets;
4. no request anywhere is a Scan: every operation sent is recorded (a botocore hook) and the set asserted;
5. every declared write (enroll, place_order...) runs once with a live row's values, and may be refused only
   on a condition (a guard, a version), never as a malformed request.

Without a server: the CreateTable limits, template.yaml (the table of table.json, with its TTL), every
declared query is a pattern or a write (the unserved ones named in :data:`UNSERVED`, each with its reason),
and every write template uses only the parameters it lists.

What runs where (data, not branches: :data:`SPLIT`, :data:`TRANSACTIONS_ON` and :data:`TTL_ON`):

* Splitting a transaction means running its ``Put``/``Update``/``Delete`` members as the equivalent single
  ``PutItem``/``UpdateItem``/``DeleteItem`` requests with the same conditions (so the server still validates
  every expression and key); ``ConditionCheck`` members have no single-request equivalent and are then not
  run.
* dynalite has no ``TransactWriteItems`` (``UnknownOperationException``): every transaction is split there.
* moto runs whole ``TransactWriteItems`` for a sample: the first :data:`TRANSACTIONS_ON` ``["moto"]`` rows of
  every entity and every row they reference (``sample_closure``), written first, parents first, with their
  condition checks. The other rows are split on moto too, because moto 5.2.5 deep-copies the whole table
  for each member of each transaction (its rollback), so a transaction's cost grows with the table:
  measured 0.2 s per 3-member transaction at 1,000 items, where a ``PutItem`` takes 16 ms.
* A duplicate ``unique`` value is rejected on moto as a whole transaction (``TransactionCanceledException``
  with ``ConditionalCheckFailed`` among its reasons), on dynalite by the guard item's ``PutItem``
  (``ConditionalCheckFailedException``).
* ``UpdateTimeToLive`` (entities.json ``ttl_attribute``) runs on moto only: dynalite lacks it.

The PostgreSQL side is this module's own small seeded database (``load_pg_answers`` with
:data:`BIGGEST` rows in the biggest table, on a PostgreSQL server of its own, so that it never replaces the
MongoDB proof's bigger one): every row is written to both emulators through HTTP, about 10 ms a request,
the single requests of one entity's rows 4 at a time on dynalite, one at a time on moto (:data:`LOAD_WORKERS`).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from schemac.build import build
from schemac.compiler.model import Model
from tests.engines import PgServer, start_postgres
from tests.helpers.ddb_check import difference, table_problems
from tests.helpers.ddb_fill import ArtifactError, holes
from tests.helpers.ddb_load import LoadPlan, LoadReport, RowParams, insert_name, load_rows, sample_closure, write_for
from tests.helpers.ddb_patterns import result_rows, run_pattern
from tests.helpers.ddb_run import READ_OPERATIONS, DdbArtifacts, Split, recreate_table, run_write
from tests.helpers.ddb_servers import KINDS, DdbServer, Kind, server_of
from tests.helpers.pg_answers import EXAMPLES, PgAnswers, load_pg_answers

ROOT = Path(__file__).resolve().parent.parent
SPLIT = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}, frozenset({"ConditionCheck"}))
TRANSACTIONS_ON: dict[Kind, int] = {"dynalite": 0, "moto": 5}  # rows per entity written as whole transactions
# Rows in each example's biggest table: as few as still give every pattern rows (course_platform's courses
# need instructors and its enrollments students, which appear from about 3,000 rows; fewer leave them empty).
BIGGEST = {"course_platform": 3000, "commerce": 600, "helpdesk": 600}
# Patterns DynamoDB cannot serve without a Scan, by design: full-text search (SC0470, the workaround in the
# artifact's "unserved" text). Any other pattern without an operation fails.
UNSERVED: dict[str, set[str]] = {"helpdesk": {"search_tickets"}}
CONDITION_FAILURES = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})
TTL_ON: frozenset[Kind] = frozenset({"moto"})
# single requests sent at once while loading: moto 5.2.5 can lose one of two concurrent ADDs to one item (seen
# in tests/test_ddb_aggregate_moves.py: a quarterly_revenue group one order short after a 4-way load)
LOAD_WORKERS: dict[Kind, int] = {"dynalite": 4, "moto": 1}
DRAWS = 3
SETUP_OPERATIONS = frozenset({"ListTables", "DeleteTable", "CreateTable", "DescribeTable",
                              "UpdateTimeToLive", "DescribeTimeToLive"})
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
CASES = [(example, kind) for example in EXAMPLES for kind in KINDS]


@cache
def artifacts(example: str) -> DdbArtifacts:
    try:
        result = build(ROOT / "examples" / f"{example}.sdl", "dynamodb")
    except ValueError as exc:  # no such target registered
        raise ArtifactError(f"{example}: no dynamodb build: {exc}") from None
    errors = [str(d) for d in result.diagnostics if d.is_error]
    if not result.ok:
        raise ArtifactError(f"{example} does not build for dynamodb: {errors}")
    return DdbArtifacts.from_texts({a.path: a.text for a in result.artifacts})


@dataclass
class Proof:
    """One example loaded on one emulator."""

    example: str
    server: DdbServer
    client: Any
    art: DdbArtifacts
    pg: PgAnswers
    load: LoadReport

    @property
    def model(self) -> Model:
        return self.pg.model


@pytest.fixture(scope="module")
def small_pg() -> Iterator[Callable[[str], PgAnswers]]:
    """Each example seeded small, once, on a PostgreSQL server of this module's own."""
    server: PgServer = start_postgres()
    loaded: dict[str, PgAnswers] = {}

    def answers(example: str) -> PgAnswers:
        if example not in loaded:
            loaded[example] = load_pg_answers(server, example, biggest=BIGGEST[example])
        return loaded[example]

    try:
        yield answers
    finally:
        server.stop()


@pytest.fixture(scope="module", params=CASES, ids=[f"{e}-{k}" for e, k in CASES])
def proof(request: pytest.FixtureRequest, small_pg: Callable[[str], PgAnswers]) -> Proof:
    example, kind = request.param
    server = server_of(request, kind)
    client = server.client()
    art = artifacts(example)
    pg = small_pg(example)
    recreate_table(client, art.table)
    if kind in TTL_ON and art.entities.get("ttl_attribute"):
        spec = {"Enabled": True, "AttributeName": art.entities["ttl_attribute"]}
        client.update_time_to_live(TableName=art.table_name, TimeToLiveSpecification=spec)
    first = sample_closure(pg.with_links, pg.data.rows, TRANSACTIONS_ON[kind]) if TRANSACTIONS_ON[kind] else set()
    load = load_rows(client, art, pg.with_links, pg.data.rows,
                     LoadPlan(SPLIT, frozenset(first), workers=LOAD_WORKERS[kind]))
    return Proof(example, server, client, art, pg, load)


# --- without a server -------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_table_json_is_within_the_limits_no_emulator_enforces(example: str) -> None:
    assert table_problems(artifacts(example).table) == []


class _CloudFormation(yaml.SafeLoader):
    """safe_load, plus CloudFormation's short-form tags (!Ref, !Sub, !GetAtt...) read as plain values."""


_CloudFormation.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
    else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_mapping(node)))


@pytest.mark.parametrize("example", EXAMPLES)
def test_template_yaml_declares_the_table_of_table_json_with_its_ttl(example: str) -> None:
    art = artifacts(example)
    doc = yaml.load(art.template, Loader=_CloudFormation)  # a SafeLoader subclass
    tables = [r for r in doc.get("Resources", {}).values() if r.get("Type") == "AWS::DynamoDB::Table"]
    assert len(tables) == 1, f"{example}: template.yaml has {len(tables)} AWS::DynamoDB::Table resources"
    props = tables[0]["Properties"]
    for key in ("TableName", "KeySchema", "AttributeDefinitions", "BillingMode"):
        assert props.get(key) == art.table.get(key), f"{example}: template.yaml {key} differs from table.json"
    names = lambda d, k: sorted(i["IndexName"] for i in d.get(k, []))  # noqa: E731
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        assert names(props, key) == names(art.table, key), f"{example}: template.yaml {key} differ"
    ttl = art.entities.get("ttl_attribute")
    expires = [e.expires for e in _model(example).entities if e.expires]
    assert bool(ttl) == bool(expires), f"{example}: ttl_attribute {ttl!r}; the model's @expires: {expires}"
    if ttl:
        assert props.get("TimeToLiveSpecification") == {"AttributeName": ttl, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props


@cache
def _model(example: str) -> Model:
    result = build(ROOT / "examples" / f"{example}.sdl", "postgres")
    assert result.design is not None
    return result.design.model


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_declared_query_is_a_pattern_or_a_write(example: str) -> None:
    art = artifacts(example)
    patterns = {p.get("name") for p in art.patterns}
    writes = {w.get("name") for w in art.writes}
    missing = [q.name for q in _model(example).queries if q.name not in patterns | writes]
    assert not missing, f"{example}: queries neither in access_patterns.json nor writes.json: {missing}"
    for entity in _model(example).entities:
        write_for(_model(example), art, entity)  # an insert write, or a link write for a junction
    unserved = {p["name"] for p in art.patterns if p.get("operation") is None}
    assert unserved == UNSERVED.get(example, set()), f"{example}: unserved patterns {unserved}"
    for p in art.patterns:
        if p["name"] in unserved:
            assert p.get("unserved"), f"{example} {p['name']}: no operation and no reason"


@pytest.mark.parametrize("example", EXAMPLES)
def test_write_templates_use_only_their_params(example: str) -> None:
    art = artifacts(example)
    wrong = {}
    for w in art.writes:
        given = {p["name"] for p in w.get("params", [])} | {c["param"] for c in w.get("copies", [])}
        given |= {r["param"] for r in w.get("reads", []) if isinstance(r, dict) and "param" in r}
        # a 'then' with values_from takes its values from the item the write returned (ReturnValues ALL_NEW)
        used = holes([w.get("items"), [t for t in w.get("then", []) if "values_from" not in t]])
        flat = {u for u in used if any(u.startswith(f"{g}_") for g in given)}  # a value object's members
        if used - given - flat:
            wrong[w["name"]] = sorted(used - given - flat)
    assert not wrong, f"{example}: write templates use parameters their params do not list: {wrong}"


# --- on the emulators -------------------------------------------------------------------------------------


def test_table_is_created_as_table_json_says(proof: Proof) -> None:
    table = proof.client.describe_table(TableName=proof.art.table_name)["Table"]
    assert table["KeySchema"] == proof.art.table["KeySchema"]
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        got = {i["IndexName"]: i["KeySchema"] for i in table.get(key, [])}
        assert got == {i["IndexName"]: i["KeySchema"] for i in proof.art.table.get(key, [])}, key
    if proof.server.kind in TTL_ON and proof.art.entities.get("ttl_attribute"):
        ttl = proof.client.describe_time_to_live(TableName=proof.art.table_name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": proof.art.entities["ttl_attribute"]}


def test_every_logical_row_was_written(proof: Proof) -> None:
    expected = Counter({name: len(rows) for name, rows in proof.pg.data.rows.items() if rows})
    assert proof.load.rows == expected
    assert set(proof.load.operations) <= WRITE_OPERATIONS
    sample = TRANSACTIONS_ON[proof.server.kind]
    transactional = {w["entity"] for w in proof.art.writes if w.get("transaction") and w["name"].startswith("insert ")}
    for entity, n in expected.items():
        wanted = min(sample, n) if entity in transactional else 0
        assert proof.load.transactions[entity] >= wanted, (entity, proof.load.transactions[entity], wanted)
    if not sample:
        assert "TransactWriteItems" not in proof.load.operations


def test_every_pattern_agrees_with_postgres(proof: Proof) -> None:
    failures: list[str] = []
    compared = 0
    rows_seen: Counter[str] = Counter()
    for pattern in proof.art.patterns:
        name = pattern["name"]
        if name in UNSERVED.get(proof.example, set()):
            continue
        drawn = proof.pg.draw(name, DRAWS)
        for params in [p for i, p in enumerate(drawn) if p not in drawn[:i]]:
            problem, seen = _compare(proof, pattern, params)
            rows_seen[name] += seen
            compared += 1
            if problem:
                failures.append(f"{name} {params}: {problem}"[:1200])
    assert compared >= len(proof.art.patterns) - len(UNSERVED.get(proof.example, set()))
    empty = [p["name"] for p in proof.art.patterns if p.get("operation") and not rows_seen[p["name"]]]
    assert not empty, f"{proof.example}: patterns that returned no row for any drawn parameters: {empty}"
    assert not failures, f"{proof.example} on {proof.server.kind}: {len(failures)} disagreements\n" + "\n".join(
        failures[:8])


def _compare(proof: Proof, pattern: dict[str, Any], params: dict[str, Any]) -> tuple[str | None, int]:
    """Why DynamoDB's rows differ from PostgreSQL's (None: they agree), and how many rows PostgreSQL gave."""
    declared = [pattern["operation"], *(f.get("operation") for f in pattern.get("follow_ups") or [])]
    steps, run = run_pattern(proof.client, pattern, params, proof.art)
    if not set(run.operations) <= set(declared) or not set(declared) <= READ_OPERATIONS:
        return f"sent {run.operations}, declared {declared}", 0
    theirs = proof.pg.pg_answer(pattern["name"], params)
    ours = result_rows(pattern, steps, proof.art)
    columns = list(pattern["result"]["columns"])
    if theirs:
        known = set(theirs[0])
        omitted = set(pattern["result"].get("omitted", []))
        if not set(columns) <= known or known - set(columns) - omitted:
            return (f"result columns {sorted(columns)} + omitted {sorted(omitted)} do not cover PostgreSQL's "
                    f"{sorted(known)}"), len(theirs)
    return difference(ours, theirs, columns, ordered=bool(pattern.get("ordered"))), len(theirs)


def test_no_request_is_a_scan(proof: Proof) -> None:
    sent = set(proof.server.sent)
    assert "Scan" not in sent
    assert sent <= SETUP_OPERATIONS | WRITE_OPERATIONS | READ_OPERATIONS, sorted(sent)


def test_a_duplicate_unique_value_is_rejected(proof: Proof) -> None:
    """Runs last for its case: on dynalite the entity's own PutItem lands before its guard's fails."""
    guards = proof.art.entities.get("guards")
    if guards is None:
        raise ArtifactError("entities.json has no 'guards'")
    model = proof.model
    with_unique = {e.name for e in model.entities if e.uniques}
    assert guards or not with_unique, f"{proof.example}: no guard items, but {sorted(with_unique)} declare unique"
    for guard in guards:
        entity = model.entity(guard["entity"])
        live = [r for r in proof.pg.data.of(entity.name) if r.get("deleted_at") is None]
        assert live, f"no live {entity.name} row to duplicate"
        ids = [r["id"] for r in proof.pg.data.of(entity.name) if "id" in r]
        fresh = max(ids) + 1000 if ids and isinstance(ids[0], int) else uuid.uuid4()
        twin = {**live[0], "id": fresh}  # another row, the guarded fields of an existing one
        write = proof.art.write(insert_name(entity.name))
        mapper = RowParams(model, proof.art, {n: proof.pg.data.by_id(n) for n in proof.pg.data.rows})
        with pytest.raises(ClientError) as caught:
            run_write(proof.client, write, mapper.filler(write, entity, twin),
                      None if TRANSACTIONS_ON[proof.server.kind] else SPLIT)
        _assert_conditional_rejection(proof.server.kind, caught.value, guard)


def _assert_conditional_rejection(kind: Kind, error: ClientError, guard: dict[str, Any]) -> None:
    code = error.response["Error"]["Code"]
    if TRANSACTIONS_ON[kind]:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        assert code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons, (guard, code, reasons)
    else:
        assert code == "ConditionalCheckFailedException", (guard, code)
    assert re.search(r"condition", str(error), re.I), str(error)


def test_every_declared_write_is_well_formed(proof: Proof) -> None:
    """Each declared write (not the inserts the load used), once with the values of a live row of its entity:
    the server may refuse it only on a condition (a guard, a version); any other error is a bad request."""
    model = proof.model
    mapper = RowParams(model, proof.art, {n: proof.pg.data.by_id(n) for n in proof.pg.data.rows})
    declared = {w.name for w in model.writes}
    problems = []
    for write in proof.art.writes:
        if write["name"] not in declared:
            continue
        entity = model.entity(write["entity"])
        live = [r for r in proof.pg.data.of(entity.name) if r.get("deleted_at") is None]
        try:
            run_write(proof.client, write, mapper.filler(write, entity, live[-1]),
                      None if TRANSACTIONS_ON[proof.server.kind] else SPLIT)
        except ClientError as exc:
            reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
            if exc.response["Error"]["Code"] not in CONDITION_FAILURES or reasons - {"None", "ConditionalCheckFailed"}:
                problems.append(f"{write['name']}: {exc} {sorted(reasons - {'None'})}"[:600])
    assert not problems, f"{proof.example} on {proof.server.kind}:\n" + "\n".join(problems)
