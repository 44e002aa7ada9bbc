"""An update that moves an item between the groups of an ADD-maintained aggregate (DDB-A06; SC0476 before).

The write reads the item first, then one TransactWriteItems updates it on the condition that it still holds
the values read, ADDs minus its numbers to the old group's aggregate item and plus to the new group's (no ADD
when the group did not change). The proof, on dynalite and on moto as local HTTP servers, over an example's
seeded rows loaded through writes.json: a sequence of moving updates runs on DynamoDB and, with the same
values, on PostgreSQL (its generated statements: SetTicketStatus, UpdateTicket, UpdateOrderStatus, whose
triggers keep its counters and summary tables); two of them race on one item (both read, then both send: one
commits, the loser's condition fails and PostgreSQL gets only the winner's). Then every pattern that reads
the aggregates (helpdesk agent_profile's open_assigned and weekly_intake; commerce quarterly_revenue)
returns, for every group touched, what PostgreSQL returns.

moto runs the transactions, its sends one at a time (moto 5.2.5's rollback of a cancelled transaction
restores a whole-table copy, undoing a racing commit; the race that matters, both reads before either send,
is kept). dynalite has no transactions: the members run split, the item's conditional UpdateItem first, so
a loser's ADDs are never sent.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from schemac.backends.sql.naming import column_name
from schemac.build import build
from tests.engines import PgServer, start_postgres
from tests.helpers.ddb_apply import read_first, refused_on_condition, with_values
from tests.helpers.ddb_check import difference
from tests.helpers.ddb_load import LoadPlan, RowParams, load_rows
from tests.helpers.ddb_patterns import result_rows, run_pattern
from tests.helpers.ddb_pg_model import run_statement
from tests.helpers.ddb_run import DdbArtifacts, Split, recreate_table, run_write
from tests.helpers.ddb_servers import KINDS, Kind, server_of
from tests.helpers.pg_answers import PgAnswers, bucket_start, load_pg_answers

ROOT = Path(__file__).resolve().parent.parent
SPLIT = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}, frozenset({"ConditionCheck"}))
SPLIT_ON: dict[Kind, Split | None] = {"dynalite": SPLIT, "moto": None}
ONE_AT_A_TIME: frozenset[Kind] = frozenset({"moto"})
LOAD_WORKERS: dict[Kind, int] = {"dynalite": 4, "moto": 1}  # moto can lose one of two concurrent ADDs
BIGGEST = {"helpdesk": 600, "commerce": 600}
Row = dict[str, Any]


@cache
def artifacts(example: str) -> DdbArtifacts:
    result = build(ROOT / "examples" / f"{example}.sdl", "dynamodb")
    assert result.ok
    return DdbArtifacts.from_texts({a.path: a.text for a in result.artifacts})


@pytest.fixture(scope="module")
def pg_of() -> Iterator[Callable[[str], PgAnswers]]:
    """A fresh seeded database of the example per call: each test updates its rows."""
    server: PgServer = start_postgres()
    try:
        yield lambda example: load_pg_answers(server, example, biggest=BIGGEST[example])
    finally:
        server.stop()


class Run:
    """One example on one emulator and on PostgreSQL: the same updates, applied to both."""

    def __init__(self, kind: Kind, client: Any, server: Any, pg: PgAnswers, example: str) -> None:
        self.kind, self.client, self.server, self.pg = kind, client, server, pg
        self.art = artifacts(example)
        self.mapper = RowParams(pg.model, self.art, {n: pg.data.by_id(n) for n in pg.data.rows})
        self.lock = threading.Lock() if kind in ONE_AT_A_TIME else None
        self.rows: dict[str, dict[Any, Row]] = {}

    def row(self, entity: str, id_: Any) -> Row:
        return self.rows.setdefault(entity, {}).setdefault(id_, dict(self.pg.data.by_id(entity)[id_]))

    def prepare(self, client: Any, write: str, entity: str, row: Row) -> Callable[[], bool]:
        """Read first now; the call sends the write and says whether it committed."""
        w = self.art.write(write)
        filler = self.mapper.filler(w, self.pg.model.entity(entity), row)
        filler = with_values(filler, read_first(client, self.art, w, filler))

        def send() -> bool:
            try:
                if self.lock is None:
                    run_write(client, w, filler, SPLIT_ON[self.kind])
                else:
                    with self.lock:
                        run_write(client, w, filler, SPLIT_ON[self.kind])
            except ClientError as exc:
                if refused_on_condition(exc):
                    return False
                raise
            return True

        return send

    def update(self, write: str, statement: str, entity: str, id_: Any, changes: Row) -> None:
        new = {**self.row(entity, id_), **changes, "updated_at": dt.datetime.now(dt.UTC)}
        assert self.prepare(self.client, write, entity, new)(), f"{write} {id_} refused"
        self.commit(statement, entity, new)

    def commit(self, statement: str, entity: str, new: Row) -> None:
        """The same update on PostgreSQL, and the row as both now hold it."""
        e = self.pg.model.entity(entity)
        params = {column_name(f): new.get(f.name) for f in e.stored_fields} | self.mapper.flattened(e, new)
        tenant = new.get(e.tenant_field.name) if e.tenant_field is not None else None
        table = {"Ticket": "tickets", "Order": "orders"}.get(entity)
        if table is not None:  # an update: only if the row is still as read (PostgreSQL's optimistic check)
            with self.pg.server.connect(self.pg.database) as conn:
                params["expected_updated_at"] = conn.execute(f"SELECT updated_at FROM {table} WHERE id = %s",
                                                             [new["id"]]).fetchone()[0]
        assert run_statement(self.pg, statement, params, tenant), f"{statement} {new['id']}: no row written"
        self.rows.setdefault(entity, {})[new["id"]] = new

    def race(self, write: str, statement: str, entity: str, id_: Any, changes: tuple[Row, Row]) -> list[bool]:
        """Two updaters of one item: both read, then both send; PostgreSQL gets the winner's values."""
        news = [{**self.row(entity, id_), **c, "updated_at": dt.datetime.now(dt.UTC)} for c in changes]
        won = self.both([self.prepare(self.server.client(), write, entity, n) for n in news])
        assert sorted(won) == [False, True], f"{write} race on {id_}: {won}"
        self.commit(statement, entity, news[won.index(True)])
        return won

    def both(self, sends: list[Callable[[], bool]]) -> list[bool]:
        """Two prepared writes (both have read) sent at once: whether each committed."""
        barrier = threading.Barrier(2)
        won: list[Any] = [None, None]

        def go(i: int) -> None:
            barrier.wait()
            try:
                won[i] = sends[i]()
            except BaseException as exc:  # re-raised in the test's thread
                won[i] = exc

        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in won:
            if isinstance(w, BaseException):
                raise w
        return [bool(w) for w in won]

    def disagreements(self, calls: list[tuple[str, Row]]) -> list[str]:
        out = []
        for pattern, params in calls:
            spec = self.art.pattern(pattern)
            steps, _ = run_pattern(self.client, spec, params, self.art)
            theirs = self.pg.pg_answer(pattern, params)
            problem = difference(result_rows(spec, steps, self.art), theirs, list(spec["result"]["columns"]),
                                 ordered=bool(spec.get("ordered")))
            if problem:
                out.append(f"{pattern} {params}: {problem}"[:900])
        return out


def _loaded(kind: Kind, request: pytest.FixtureRequest, pg: PgAnswers, example: str) -> Run:
    server = server_of(request, kind)
    client = server.client()
    art = artifacts(example)
    recreate_table(client, art.table)
    load_rows(client, art, pg.with_links, pg.data.rows, LoadPlan(SPLIT, workers=LOAD_WORKERS[kind]))
    run = Run(kind, client, server, pg, example)
    before = run.disagreements(AGGREGATE_READS[example](pg))
    assert not before, f"{example} on {kind} disagrees before any update:\n" + "\n".join(before)
    return run


def _weeks(rows: list[Row]) -> tuple[dt.datetime, dt.datetime]:
    times = [r["created_at"] for r in rows]
    return bucket_start(min(times), "week"), bucket_start(max(times), "week")


def _quarters(pg: PgAnswers) -> list[tuple[str, Row]]:
    times = [o["created_at"] for o in pg.data.of("Order")]
    return [("quarterly_revenue", {"created_at_quarter_from": bucket_start(min(times), "quarter"),
                                   "created_at_quarter_to": bucket_start(max(times), "quarter")})]


def _workspace(pg: PgAnswers) -> tuple[Any, list[Row]]:
    """The workspace with the most assigned tickets in a team, and those tickets."""
    by_ws: dict[Any, list[Row]] = {}
    for t in pg.data.live("Ticket"):
        if t["assignee"] and t["team"]:
            by_ws.setdefault(t["workspace"], []).append(t)
    return max(by_ws.items(), key=lambda kv: len(kv[1]))


def _helpdesk_reads(pg: PgAnswers) -> list[tuple[str, Row]]:
    ws, mine = _workspace(pg)
    start, end = _weeks([t for t in pg.data.of("Ticket") if t["workspace"] == ws])
    calls = [("agent_profile", {"workspace_id": ws, "id": a}) for a in sorted({t["assignee"] for t in mine})]
    return calls + [("weekly_intake", {"workspace_id": ws, "team_id": team, "created_at_week_from": start,
                                       "created_at_week_to": end}) for team in sorted({t["team"] for t in mine})]


AGGREGATE_READS: dict[str, Callable[[PgAnswers], list[tuple[str, Row]]]] = {
    "helpdesk": _helpdesk_reads, "commerce": _quarters}


@pytest.mark.parametrize("kind", KINDS)
def test_helpdesk_status_team_and_assignee_moves_keep_the_aggregates(kind: Kind, pg_of: Callable[[str], PgAnswers],
                                                                     request: pytest.FixtureRequest) -> None:
    pg = pg_of("helpdesk")
    run = _loaded(kind, request, pg, "helpdesk")
    _ws, mine = _workspace(pg)
    agents = sorted({t["assignee"] for t in mine})
    teams = sorted({t["team"] for t in mine})
    assert len(mine) >= 6 and len(agents) >= 2 and len(teams) >= 2, (len(mine), agents, teams)
    statuses = ["solved", "open", "pending", "open", "closed", "open"]
    for i, t in enumerate(mine[:6]):  # status moves in and out of open_assigned's `status = open`
        status = statuses[i] if run.row("Ticket", t["id"])["status"] != statuses[i] else "pending"
        run.update("set_ticket_status", "SetTicketStatus", "Ticket", t["id"], {"status": status, "solved_at": None})
    for t in mine[6:9]:  # a full update moving the ticket to another team and agent (weekly_intake, open_assigned)
        row = run.row("Ticket", t["id"])
        other_team = next(x for x in teams if x != row["team"])
        other_agent = next(x for x in agents if x != row["assignee"])
        run.update("update_ticket", "UpdateTicket", "Ticket", t["id"],
                   {"team": other_team, "assignee": other_agent, "status": "open"})
    racer = mine[0]["id"]
    run.update("set_ticket_status", "SetTicketStatus", "Ticket", racer, {"status": "open", "solved_at": None})
    run.race("set_ticket_status", "SetTicketStatus", "Ticket", racer, ({"status": "solved"}, {"status": "pending"}))
    row = run.row("Ticket", mine[1]["id"])  # one racer moves the agent, the other the team: one must lose
    run.race("update_ticket", "UpdateTicket", "Ticket", mine[1]["id"],
             ({"assignee": next(a for a in agents if a != row["assignee"])},
              {"team": next(t for t in teams if t != row["team"])}))
    problems = run.disagreements(_helpdesk_reads(pg))
    assert not problems, f"helpdesk on {kind}:\n" + "\n".join(problems)


@pytest.mark.parametrize("kind", KINDS)
def test_commerce_status_moves_keep_quarterly_revenue(kind: Kind, pg_of: Callable[[str], PgAnswers],
                                                      request: pytest.FixtureRequest) -> None:
    pg = pg_of("commerce")
    run = _loaded(kind, request, pg, "commerce")
    orders = sorted(pg.data.of("Order"), key=lambda o: -(o.get("total") or 0))[:8]
    cycle = ["paid", "shipped", "closed", "open", "cancelled"]
    for i, o in enumerate(orders):
        status = cycle[i % len(cycle)]
        if run.row("Order", o["id"])["status"] == status:
            status = "paid" if status != "paid" else "open"
        run.update("update_order_status", "UpdateOrderStatus", "Order", o["id"], {"status": status})
    run.race("update_order_status", "UpdateOrderStatus", "Order", orders[0]["id"],
             ({"status": "closed"}, {"status": "cancelled"}))
    _line_item_against_a_move(run, orders[1])
    problems = run.disagreements(_quarters(pg))
    assert not problems, f"commerce on {kind}:\n" + "\n".join(problems)


def _line_item_against_a_move(run: Run, order: Row) -> None:
    """A line item added while its order moves to another status: its ADD to the group it read holds on the
    order's status, and the move holds on the order's total, so one of the two is refused and retried."""
    oid = order["id"]
    taken = {li["product"] for li in run.pg.data.of("LineItem") if li["order"] == oid}
    product = next(p for p in run.pg.data.of("Product") if p["id"] not in taken)
    now = dt.datetime.now(dt.UTC)
    item = {"id": 10**9, "order": oid, "product": product["id"], "quantity": 2, "unit_price": product["price"],
            "amount": product["price"] * 2, "created_at": now, "updated_at": now}
    status = "shipped" if run.row("Order", oid)["status"] != "shipped" else "closed"
    moved = {**run.row("Order", oid), "status": status, "updated_at": now}
    writes = [("update_order_status", "Order", moved), ("add_line_item", "LineItem", item)]
    won = run.both([run.prepare(run.server.client(), w, e, r) for w, e, r in writes])
    assert sorted(won) == [False, True], f"a line item against a move: {won}"
    loser = writes[won.index(False)]
    assert run.prepare(run.client, *loser)(), f"{loser[0]} refused again after a fresh read"
    run.commit("AddLineItem", "LineItem", item)
    run.commit("UpdateOrderStatus", "Order", {**moved, "updated_at": dt.datetime.now(dt.UTC)})


def test_sc0476_is_gone_from_the_examples_and_kept_where_a_move_cannot_be_written() -> None:
    for example in ("commerce", "course_platform", "helpdesk"):
        result = build(ROOT / "examples" / f"{example}.sdl", "dynamodb")
        assert not [d for d in result.diagnostics if d.code == "SC0476"], example
        writes = {w["name"]: w for w in DdbArtifacts.from_texts({a.path: a.text for a in result.artifacts}).writes}
        moving = {"commerce": ["update_order_status"], "course_platform": ["record_progress"],
                  "helpdesk": ["update_ticket", "set_ticket_status"]}[example]
        for name in moving:
            w = writes[name]
            assert w["transaction"] and w.get("moves"), name
            assert "#e0 = :e0" in w["items"][0]["Update"]["ConditionExpression"], name
