"""Copied attributes follow their source (DDB-R02, DDB-T04): a write that changes a copied field also updates
every item holding the copy, found by a Query of a key that already exists (never a Scan).

tests/fixtures/ddb_library.sdl copies Author.name into Book (about 10 per author: the updates join the
rename's TransactWriteItems) and into Quote (about 150 per author: more than a transaction holds, so they
follow in transactions of at most 100, eventually consistent, as decisions.md says). The proof, on dynalite
and on moto as local HTTP servers: the seeded PostgreSQL rows are loaded through writes.json; some authors
are renamed on PostgreSQL (its RenameAuthor statement) and on DynamoDB (rename_author with its refreshes,
tests/helpers/ddb_refresh.py); then every pattern that reads the copy (author_books, book_page,
author_quotes) returns, for every renamed author, what PostgreSQL returns. moto runs the transactions;
dynalite, which has none, runs every member as its single request in the same order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.engines import PgServer, start_postgres
from tests.helpers.ddb_check import difference
from tests.helpers.ddb_load import LoadPlan, RowParams, load_rows
from tests.helpers.ddb_patterns import result_rows, run_pattern
from tests.helpers.ddb_pg_model import built, pg_answers_of, run_statement
from tests.helpers.ddb_refresh import bind_item, found_items, run_with_refreshes
from tests.helpers.ddb_run import DdbArtifacts, Split, recreate_table
from tests.helpers.ddb_servers import KINDS, Kind, server_of
from tests.helpers.pg_answers import PgAnswers

MODEL = Path(__file__).resolve().parent / "fixtures" / "ddb_library.sdl"
SPLIT = Split({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}, frozenset({"ConditionCheck"}))
SPLIT_ON: dict[Kind, Split | None] = {"dynalite": SPLIT, "moto": None}
BIGGEST = 1500  # quotes: 10 authors, about 150 quotes and 10 books each
RENAMED = 3
READERS = ("author_books", "book_page", "author_quotes")


@cache
def artifacts() -> DdbArtifacts:
    return DdbArtifacts.from_texts({a.path: a.text for a in built(MODEL, "dynamodb").artifacts})


@pytest.fixture(scope="module")
def pg() -> Iterator[PgAnswers]:
    server: PgServer = start_postgres()
    try:
        yield pg_answers_of(server, MODEL, biggest=BIGGEST)
    finally:
        server.stop()


def _compare(client: Any, pg: PgAnswers, pattern: str, params: dict[str, Any]) -> str | None:
    art = artifacts()
    spec = art.pattern(pattern)
    steps, _run = run_pattern(client, spec, params, art)
    theirs = pg.pg_answer(pattern, params)
    assert theirs, f"{pattern} {params}: PostgreSQL returns no row"
    return difference(result_rows(spec, steps, art), theirs, list(spec["result"]["columns"]),
                      ordered=bool(spec.get("ordered")))


def test_the_rename_carries_its_refreshes() -> None:
    write = artifacts().write("rename_author")
    refresh = {r["entity"]: r for r in write["refresh"]}
    assert set(refresh) == {"Book", "Quote"}
    assert refresh["Book"]["in_transaction"] and write["transaction"]
    assert not refresh["Quote"]["in_transaction"] and refresh["Quote"]["batch"] == 100
    for r in refresh.values():
        assert r["query"]["IndexName"] == "GSI1" and "KeyConditionExpression" in r["query"]
    decisions = artifacts().decisions
    assert "DDB-T04" in decisions and "150 + 11 > 100" in decisions.replace("150 + 1 ", "150 + 11 ")


@pytest.mark.parametrize("kind", KINDS)
def test_after_a_rename_every_reader_of_the_copy_agrees_with_postgres(kind: Kind, pg: PgAnswers,
                                                                       request: pytest.FixtureRequest) -> None:
    server = server_of(request, kind)
    client = server.client()
    art = artifacts()
    recreate_table(client, art.table)
    load_rows(client, art, pg.with_links, pg.data.rows, LoadPlan(SPLIT))
    authors = sorted(pg.data.live("Author"), key=lambda a: -sum(q["author"] == a["id"] for q in pg.data.of("Quote")))
    write = art.write("rename_author")
    mapper = RowParams(pg.model, art, {n: pg.data.by_id(n) for n in pg.data.rows})
    renamed = authors[:RENAMED]
    for i, author in enumerate(renamed):
        name = f"{author['name'][:80]} ({kind} {i})"
        run_statement(pg, "RenameAuthor", {"name": name, "id": author["id"]})
        row = {**author, "name": name, "updated_at": dt.datetime.now(dt.UTC)}
        counts = run_with_refreshes(client, write, mapper.filler(write, pg.model.entity("Author"), row),
                                    SPLIT_ON[kind])
        quotes = sum(q["author"] == author["id"] and q.get("deleted_at") is None for q in pg.data.of("Quote"))
        assert counts["Quote"] >= quotes > 100 if i == 0 else counts["Quote"] >= quotes, (counts, quotes)
    problems = []
    for author in renamed:
        books = [b for b in pg.data.live("Book") if b["author"] == author["id"]]
        calls = [("author_books", {"author_id": author["id"]}), ("author_quotes", {"author_id": author["id"]}),
                 *(("book_page", {"id": b["id"]}) for b in books[:3])]
        for pattern, params in calls:
            problem = _compare(client, pg, pattern, params)
            if problem:
                problems.append(f"{pattern} {params}: {problem}"[:800])
    assert not problems, "\n".join(problems)
    assert {p for p, _ in calls} == set(READERS)


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_on_an_item_that_changed_its_reference_is_not_overwritten(kind: Kind, pg: PgAnswers,
                                                                          request: pytest.FixtureRequest) -> None:
    """Attacker: a book moved to another author after the Query found it: its refresh is refused on the
    reference condition, so it never gets the old author's new name."""
    client = server_of(request, kind).client()
    art = artifacts()
    recreate_table(client, art.table)
    authors = pg.data.live("Author")[:2]
    books = [b for b in pg.data.live("Book") if b["author"] == authors[0]["id"]][:1]
    load_rows(client, art, pg.with_links, {"Author": authors, "Book": books, "Quote": []}, LoadPlan(SPLIT))
    write = art.write("rename_author")
    mapper = RowParams(pg.model, art, {n: pg.data.by_id(n) for n in pg.data.rows})
    filler = mapper.filler(write, pg.model.entity("Author"), {**authors[0], "name": "Renamed"})
    book = next(r for r in write["refresh"] if r["entity"] == "Book")
    found = found_items(client, book, filler)
    assert len(found) == 1
    key = {k: found[0][k] for k in ("PK", "SK")}
    client.update_item(TableName=art.table_name, Key=key, UpdateExpression="SET #a = :a",
                       ExpressionAttributeNames={"#a": "author"},
                       ExpressionAttributeValues={":a": {"S": str(authors[1]["id"])}})
    update = filler.fill(bind_item(book["update"], found[0]))["Update"]
    with pytest.raises(ClientError) as caught:
        client.update_item(**update)
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    item = client.get_item(TableName=art.table_name, Key=key)["Item"]
    assert item["author_name"]["S"] == authors[0]["name"]
