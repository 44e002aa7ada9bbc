"""A bounded include ("the five newest reviews") reads about five reviews, however many the product has
(issue 10, item 11). PostgreSQL orders and limits them inside the statement's JSON aggregate; MySQL 8 and
MariaDB 10.11 share neither LATERAL nor outer references in derived tables, so schemac emits a statement run
once per parent, ORDER BY ... LIMIT 5 over the reviews' index, instead of ranking every review of the
listed parents with ROW_NUMBER(). Counted as rows read (EXPLAIN ANALYZE on PostgreSQL, Handler_read_* on
MariaDB), never timed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.sqlrun import ENGINES, Db, engine_db, handler_reads

MODEL = """
model shop {
  ids bigint
}
entity Product @hard_delete {
  slug  string(40)  @unique
  name  string(40)
}
entity Review @hard_delete {
  product  Product
  stars    int
  volume 20k
}
query product_page {
  from    Product
  where   slug = ?
  include Review (order created_at desc, limit 5)
}
"""
REVIEWS = 20_000


@pytest.fixture(params=ENGINES, scope="module")
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
       tmp_path_factory: pytest.TempPathFactory) -> Db:
    db = engine_db(request, pg_server, mariadb_server, tmp_path_factory.mktemp("bounded"), MODEL, "bounded")
    engine = db.engine
    db.sql("INSERT INTO products (id, slug, name) VALUES (1, 'lamp', 'Lamp'), (2, 'desk', 'Desk')")
    series = f"generate_series(1, {REVIEWS}) AS s(seq)" if engine == "postgres" else f"seq_1_to_{REVIEWS}"
    stamp = ("timestamp '2026-01-01' + seq * interval '1 second'" if engine == "postgres"
             else "TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND")
    db.sql(f"INSERT INTO reviews (product_id, stars, created_at) SELECT 1 + seq % 2, seq % 5, {stamp} FROM {series}")
    db.sql("ANALYZE reviews" if engine == "postgres" else "ANALYZE TABLE reviews")
    return db


def _pg_review_rows(db: Db) -> tuple[list[Any], int]:
    stmt = db.statements["ProductPage"]
    plan = db.sql("EXPLAIN (ANALYZE, FORMAT JSON) " + stmt.sql.replace("$1", "%s"), "lamp")[0]["QUERY PLAN"]
    read = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal read
        if node.get("Relation Name") == "reviews":
            read += (int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))) * \
                int(node.get("Actual Loops", 1))
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    reviews = db.run("ProductPage", slug="lamp")[0]["reviews"]
    return list(reviews if isinstance(reviews, list) else json.loads(reviews)), read


def _mariadb_review_rows(db: Db) -> tuple[list[Any], int]:
    product = db.run("ProductPage", slug="lamp")[0]
    reviews: list[Any] = []
    read = handler_reads(db, lambda: reviews.extend(db.run("ProductPageReview", product_id=product["id"])))
    return reviews, read


def test_five_newest_reviews_read_about_five_rows(db: Db) -> None:
    reviews, read = _pg_review_rows(db) if db.engine == "postgres" else _mariadb_review_rows(db)
    stamps = [r["created_at"] for r in reviews]
    assert len(reviews) == 5 and stamps == sorted(stamps, reverse=True)
    assert read <= 5 + 10, f"{db.engine}: {read} rows read to show 5 of {REVIEWS // 2} reviews"
