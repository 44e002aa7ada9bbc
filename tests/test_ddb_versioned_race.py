"""@versioned on DynamoDB (DDB-K07): an update of v0 and the Put of its `#v<n+1>` copy are one write, and two
writers racing from the same version cannot both succeed or leave a gap.

commerce's `set_regional_price` (an upsert of the versioned ProductPrice) runs as the application runs it
(tests/helpers/ddb_apply.py): GetItem v0, then one TransactWriteItems of the UpdateItem (version = n + 1, on
the condition that v0 still holds n, or has no version when it read none) and the Put of `#v<n+1>`
(attribute_not_exists). Racers read first, wait at a barrier, then send.

Where it runs (data, as in tests/test_ddb_proof_examples.py): moto runs the real TransactWriteItems; dynalite
has none, so the members run split as single requests with the same conditions, the conditional UpdateItems
first (tests/helpers/ddb_run.py ``split_order``): a racer whose condition fails sends no Put (what the
transaction guarantees is then kept by the order: a version item is put only by the writer whose update
committed).

moto's sends are serialised (:data:`ONE_AT_A_TIME`): moto 5.2.5 rolls a cancelled transaction back by
restoring the copy of the whole table it took before, which undoes a racing transaction that committed in
between (seen here: the winner's update and version item vanished). The race that matters is kept: every
racer reads the same version before any racer sends.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from schemac.build import build
from schemac.compiler.model import Model
from tests.helpers.ddb_apply import apply_write, read_first, refused_on_condition, with_values
from tests.helpers.ddb_load import RowParams
from tests.helpers.ddb_run import DdbArtifacts, Split, recreate_table, run_write
from tests.helpers.ddb_servers import KINDS, Kind, server_of

ROOT = Path(__file__).resolve().parent.parent
SPLIT = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}, frozenset({"ConditionCheck"}))
SPLIT_ON: dict[Kind, Split | None] = {"dynalite": SPLIT, "moto": None}
PRODUCT = 7
ROUNDS = 4
ONE_AT_A_TIME: frozenset[Kind] = frozenset({"moto"})  # sends serialised: moto's rollback is not thread-safe


@cache
def commerce() -> tuple[DdbArtifacts, Model]:
    result = build(ROOT / "examples" / "commerce.sdl", "dynamodb")
    assert result.ok and result.design is not None
    return DdbArtifacts.from_texts({a.path: a.text for a in result.artifacts}), result.design.model


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Prices:
    """ProductPrice rows written through writes.json on one emulator."""

    def __init__(self, client: Any, kind: Kind) -> None:
        self.art, self.model = commerce()
        self.client, self.split = client, SPLIT_ON[kind]
        self.lock = threading.Lock() if kind in ONE_AT_A_TIME else None
        self.entity = self.model.entity("ProductPrice")
        self.mapper = RowParams(self.model, self.art, {})
        self.ids = iter(range(1000, 10**6))

    def row(self, region: str, amount: str, version: int | None = None) -> dict[str, Any]:
        now = _now()
        return {"id": next(self.ids), "product": PRODUCT, "region": region, "amount": Decimal(amount),
                "version": version, "created_at": now, "updated_at": now}

    def insert(self, region: str, amount: str) -> None:
        write = self.art.write("insert ProductPrice")
        run_write(self.client, write, self.mapper.filler(write, self.entity, self.row(region, amount, 1)),
                  self.split)

    def prepared(self, client: Any, region: str, amount: str) -> Callable[[], bool]:
        """Read first now; the returned call sends the write and says whether it committed."""
        write = self.art.write("set_regional_price")
        filler = self.mapper.filler(write, self.entity, self.row(region, amount))
        filler = with_values(filler, read_first(client, self.art, write, filler))

        def send() -> bool:
            try:
                if self.lock is None:
                    run_write(client, write, filler, self.split)
                else:
                    with self.lock:
                        run_write(client, write, filler, self.split)
            except ClientError as exc:
                if refused_on_condition(exc):
                    return False
                raise
            return True

        return send

    def set(self, region: str, amount: str) -> None:
        write = self.art.write("set_regional_price")
        apply_write(self.client, self.art, write, self.mapper.filler(write, self.entity, self.row(region, amount)),
                    self.split)

    def items(self, region: str) -> dict[str, dict[str, Any]]:
        """SK suffix (`v0`, `v<n>` as written) -> (version, amount) of every item of the region."""
        answer = self.client.query(
            TableName=self.art.table_name, ConsistentRead=True,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": {"S": f"PRODUCT#{PRODUCT}"}, ":sk": {"S": f"PRODUCT_PRICE#{region}#v"}})
        return {i["SK"]["S"].rsplit("#v", 1)[1]: {"version": int(i["version"]["N"]),
                                                  "amount": Decimal(i["amount"]["N"])} for i in answer["Items"]}


@pytest.fixture(params=KINDS)
def prices(request: pytest.FixtureRequest) -> tuple[Prices, Any]:
    server = server_of(request, request.param)
    client = server.client()
    recreate_table(client, commerce()[0].table)
    return Prices(client, request.param), server


def _race(prices: Prices, server: Any, region: str, amounts: tuple[str, str]) -> list[bool]:
    """Both racers read the same v0, then send at once; returns who committed."""
    sends = [prices.prepared(server.client(), region, a) for a in amounts]
    barrier = threading.Barrier(len(sends))
    results: list[bool | BaseException] = [False] * len(sends)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = sends[i]()
        except BaseException as exc:  # re-raised below, in the test thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return [bool(r) for r in results]


def _versions(items: dict[str, dict[str, Any]]) -> list[int]:
    return sorted(v["version"] for k, v in items.items() if k != "0")


def _assert_whole(items: dict[str, dict[str, Any]]) -> None:
    """v0 is the newest version; every version 1..n has exactly its item, with v0's values for n."""
    current = items["0"]
    assert _versions(items) == list(range(1, current["version"] + 1)), items
    newest = [v for k, v in items.items() if k != "0" and v["version"] == current["version"]]
    assert newest == [current], items


def test_the_update_and_its_version_item_are_one_write(prices: tuple[Prices, Any]) -> None:
    p, _ = prices
    p.insert("eu", "10.00")
    assert _versions(p.items("eu")) == [1]
    for n, amount in enumerate(("11.00", "12.50", "9.99"), start=2):
        p.set("eu", amount)
        items = p.items("eu")
        _assert_whole(items)
        assert items["0"] == {"version": n, "amount": Decimal(amount)}
    write = p.art.write("set_regional_price")
    assert write["transaction"] and not write.get("then"), "the version item is no longer a follow-up request"
    kinds = [next(iter(m)) for m in write["items"]]
    assert kinds == ["Update", "Put"], kinds


def test_two_racing_updaters_one_wins_per_version(prices: tuple[Prices, Any]) -> None:
    p, server = prices
    p.insert("eu", "10.00")
    for r in range(ROUNDS):
        won = _race(p, server, "eu", (f"{20 + r}.00", f"{30 + r}.00"))
        assert sorted(won) == [False, True], f"round {r}: {won}"
        items = p.items("eu")
        _assert_whole(items)
        winner = (f"{20 + r}.00", f"{30 + r}.00")[won.index(True)]
        assert items["0"] == {"version": r + 2, "amount": Decimal(winner)}


def test_racing_upserts_of_a_new_item_create_it_once(prices: tuple[Prices, Any]) -> None:
    p, server = prices
    won = _race(p, server, "uk", ("5.00", "6.00"))
    assert sorted(won) == [False, True], won
    items = p.items("uk")
    _assert_whole(items)
    assert items["0"]["version"] == 1


def test_a_crowd_retrying_on_conflict_leaves_no_gap(prices: tuple[Prices, Any]) -> None:
    """Three writers, three updates each, each retried after a lost race: nine versions on top of the first,
    no number skipped, no version item twice or without its update."""
    p, server = prices
    p.insert("us", "1.00")
    lost = [0]

    def writer(w: int) -> None:
        client = server.client()
        for i in range(3):
            while not p.prepared(client, "us", f"{w}{i}.00")():
                lost[0] += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(1, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = p.items("us")
    _assert_whole(items)
    assert items["0"]["version"] == 10
    assert sorted(v["amount"] for k, v in items.items() if k != "0" and v["version"] > 1) == sorted(
        Decimal(f"{w}{i}.00") for w in range(1, 4) for i in range(3))
