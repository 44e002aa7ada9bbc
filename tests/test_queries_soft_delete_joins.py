"""Reads through references to soft-deleted rows (SC-DEL-02), on both engines with one test body.

A follower list must not return a row whose follower columns are all NULL once the follower is
soft-deleted (Follow.follower cascades: the follow disappears, as a hard delete would have removed it).
An order line keeps its product's name once the product is soft-deleted (LineItem.product restricts: the
line is history). An optional SET NULL reference reads as absent, and the row stays."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.sqlrun import ENGINES, Db, engine_db

MODEL = """
model social {
  ids uuid7
}
entity User {
  name  string(80)
}
entity Follow {
  follower  User  @owner
  followee  User
  unique (follower, followee)
}
entity Product {
  name  string(80)
}
entity Order {
  buyer  User
  note   string(40)?
}
entity LineItem {
  order    Order  @owner
  product  Product
  coupon_owner  User?  @on_delete(set_null)
  quantity int
}
query followers {
  from    Follow
  where   followee = ?
  include follower (name)
}
query order_lines {
  from    LineItem
  where   order = ?
  include product (name), coupon_owner (name)
}
write remove_user {
  delete  User by (id)
}
write remove_product {
  delete  Product by (id)
}
"""


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer, tmp_path: Path) -> Db:
    return engine_db(request, pg_server, mariadb_server, tmp_path, MODEL, "softjoin")


def _add(db: Db, table: str, **values: object) -> uuid.UUID:
    key = uuid.uuid4()
    columns = ", ".join(["id", *values])
    marks = ", ".join(["%s"] * (len(values) + 1))
    db.sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", key, *values.values())
    return key


def test_cascading_reference_hides_the_row_restricting_one_keeps_history(db: Db) -> None:
    alice, bob, carol = (_add(db, "users", name=n) for n in ("alice", "bob", "carol"))
    _add(db, "follows", follower_id=bob, followee_id=alice)
    _add(db, "follows", follower_id=carol, followee_id=alice)
    lamp = _add(db, "products", name="lamp")
    order = _add(db, "orders", buyer_id=bob)
    _add(db, "line_items", order_id=order, product_id=lamp, coupon_owner_id=carol, quantity=2)

    assert sorted(r["follower_name"] for r in db.run("Followers", followee_id=alice)) == ["bob", "carol"]
    db.run("RemoveUser", id=carol)
    db.run("RemoveProduct", id=lamp)

    rows = db.run("Followers", followee_id=alice)
    assert [r["follower_name"] for r in rows] == ["bob"], "a follow of a soft-deleted follower must go, not turn NULL"
    lines = db.run("OrderLines", order_id=order)
    assert len(lines) == 1
    assert lines[0]["product_name"] == "lamp", "an order line keeps its product's name (historical lookup)"
    assert lines[0]["coupon_owner_name"] is None, "an optional SET NULL reference reads as absent"

    db.run("RemoveUser", id=bob)  # the buyer is gone: the order stays (restrict), its lines too
    assert len(db.run("OrderLines", order_id=order)) == 1
