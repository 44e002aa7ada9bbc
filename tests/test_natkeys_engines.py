"""Issue 10, item 12 (SC-KEY-05) on PostgreSQL 15 and MariaDB: a like and a sensor reading are keyed by their
unique, without id; a bookmark read by id keeps its surrogate. The DDL applies, the generated upsert, delete,
keyset pages and insert use the natural key, a duplicate is refused, the audit log names the row by its key,
and the application's role does what its patterns need, in its own tenant only."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from tests.engines import MariaDbServer, PgServer
from tests.helpers.natkeys import SOCIAL_SDL, columns, primary_key, unique_keys
from tests.helpers.sqlrun import ENGINES, Db, engine_db

DUPLICATE = (psycopg.errors.UniqueViolation, pymysql.err.IntegrityError)
REFUSED = (psycopg.errors.ForeignKeyViolation, psycopg.errors.InsufficientPrivilege, pymysql.err.IntegrityError)
MY_APP = "natkeys_app"


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
       tmp_path: Path) -> Iterator[Db]:
    d = engine_db(request, pg_server, mariadb_server, tmp_path, SOCIAL_SDL, "natkeys")
    yield d
    d.conn.close()


class Tenant:
    def __init__(self, db: Db) -> None:
        self.org, self.member, self.post, self.sensor = (uuid.uuid4() for _ in range(4))
        db.sql("INSERT INTO orgs (id, name) VALUES (%s, 'o')", self.org)
        db.sql("INSERT INTO members (id, org_id, handle) VALUES (%s, %s, %s)", self.member, self.org,
               f"m{self.member.hex[:8]}")
        db.sql("INSERT INTO posts (id, org_id, author_id, title) VALUES (%s, %s, %s, 't')", self.post, self.org,
               self.member)
        db.sql("INSERT INTO sensors (id, org_id, label) VALUES (%s, %s, 's')", self.sensor, self.org)

    def member_of(self, db: Db) -> uuid.UUID:
        m = uuid.uuid4()
        db.sql("INSERT INTO members (id, org_id, handle) VALUES (%s, %s, %s)", m, self.org, f"m{m.hex[:8]}")
        return m


def test_catalog(db: Db) -> None:
    assert primary_key(db, "likes") == ("org_id", "post_id", "member_id")
    assert primary_key(db, "readings") == ("org_id", "sensor_id", "recorded_at")
    assert columns(db, "likes") == {"org_id", "member_id", "post_id", "created_at"}  # no id, no updated_at
    assert columns(db, "readings") == {"org_id", "sensor_id", "recorded_at", "value", "created_at"}
    # the unique is the primary key, not a second index beside it
    assert unique_keys(db, "likes") == [frozenset({"org_id", "post_id", "member_id"})]
    assert unique_keys(db, "readings") == [frozenset({"org_id", "sensor_id", "recorded_at"})]
    # read by id: the surrogate stays, with the unique beside it
    assert primary_key(db, "bookmarks") == ("id",)
    assert frozenset({"org_id", "member_id", "post_id"}) in unique_keys(db, "bookmarks")
    assert primary_key(db, "visits") == ("id",)  # no unique: no natural key is invented
    if db.engine == "postgres":  # never updated: no updated_at trigger on likes or readings
        triggers = {r["tgname"] for r in db.sql("SELECT tgname FROM pg_trigger t JOIN pg_class c ON "
                                                "c.oid = t.tgrelid WHERE c.relname IN ('likes', 'readings')")}
        assert not any("updated_at" in t for t in triggers)


def test_upsert_delete_and_duplicate(db: Db) -> None:
    t = Tenant(db)
    like = {"org_id": t.org, "member_id": t.member, "post_id": t.post}
    db.run("LikePost", **like)
    db.run("LikePost", **like)  # the upsert's conflict target is the primary key: a second like is no error
    assert db.sql("SELECT count(*) AS n FROM likes")[0]["n"] == 1
    assert db.sql("SELECT like_count FROM posts")[0]["like_count"] == 1  # the maintained count follows
    with pytest.raises(DUPLICATE):
        db.sql("INSERT INTO likes (org_id, member_id, post_id) VALUES (%s, %s, %s)", t.org, t.member, t.post)
    if db.engine == "mariadb":
        db.conn.rollback()
    db.run("UnlikePost", **like)
    assert db.rowcount == 1 and db.sql("SELECT count(*) AS n FROM likes")[0]["n"] == 0
    assert db.sql("SELECT like_count FROM posts")[0]["like_count"] == 0


def test_keyset_pages_through_the_natural_key(db: Db) -> None:
    t = Tenant(db)
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    members = [t.member_of(db) for _ in range(45)]
    for i, m in enumerate(members):  # three groups of equal created_at: the tiebreak is member_id
        db.sql("INSERT INTO likes (org_id, member_id, post_id, created_at) VALUES (%s, %s, %s, %s)",
               t.org, m, t.post, (at + dt.timedelta(seconds=i // 15)).replace(tzinfo=None)
               if db.engine == "mariadb" else at + dt.timedelta(seconds=i // 15))
    page = db.run("PostLikes", org_id=t.org, post_id=t.post)
    seen = [db.key(r["member_id"]) for r in page]
    while len(page) == 20:
        last = page[-1]
        page = db.run("PostLikesNext", org_id=t.org, post_id=t.post, after_created_at=last["created_at"],
                      after_member_id=db.key(last["member_id"]))
        seen += [db.key(r["member_id"]) for r in page]
    assert len(seen) == 45 and set(seen) == set(members)


def test_readings_insert_refuse_a_duplicate_and_are_audited(db: Db) -> None:
    t = Tenant(db)
    at = dt.datetime(2026, 3, 1, 12, 0, 0)
    at = at.replace(tzinfo=dt.UTC) if db.engine == "postgres" else at
    reading = {"org_id": t.org, "sensor_id": t.sensor, "recorded_at": at, "value": 1.5}
    db.run("Record", **reading)
    with pytest.raises(DUPLICATE):
        db.run("Record", **{**reading, "value": 2.5})
    if db.engine == "mariadb":
        db.conn.rollback()
    rows = db.run("SensorReadings", org_id=t.org, sensor_id=t.sensor, recorded_at_from=at, recorded_at_to=at)
    assert [r["value"] for r in rows] == [1.5]
    audit = db.sql("SELECT action, row_id FROM audit_log WHERE table_name = 'readings'")
    # the row's key after the tenant, joined by ':' in key order (no id to name it by), the same text on
    # both engines whatever the session's time zone
    assert [(r["action"], r["row_id"]) for r in audit] == [("insert", f"{t.sensor}:2026-03-01T12:00:00.000000Z")]


@contextlib.contextmanager
def _app(db: Db, pg: PgServer, maria: MariaDbServer, tenant: uuid.UUID) -> Iterator[Db]:
    """The application's role, granted what the schema header recommends, in a transaction of `tenant`."""
    if db.engine == "postgres":
        db.sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app")
        db.sql("REVOKE INSERT, UPDATE, DELETE ON audit_log FROM app")
        name = db.conn.info.dbname
        with pg.connect(name, user=pg.app_user, autocommit=False) as conn:
            conn.row_factory = psycopg.rows.dict_row  # type: ignore[assignment]
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant)])
            yield Db(db.engine, conn, db.result, db.statements)
        return
    database = db.sql("SELECT DATABASE() AS d")[0]["d"]
    db.sql(f"CREATE USER IF NOT EXISTS '{MY_APP}'@'127.0.0.1'")
    db.sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{database}`.* TO '{MY_APP}'@'127.0.0.1'")
    kwargs: dict[str, Any] = {**maria.connect_kwargs(database), "user": MY_APP, "password": "",
                              "autocommit": False, "cursorclass": pymysql.cursors.DictCursor}
    with contextlib.closing(pymysql.connect(**kwargs)) as conn:
        yield Db(db.engine, conn, db.result, db.statements)


def test_app_role_in_its_tenant(db: Db, pg_server: PgServer, mariadb_server: MariaDbServer) -> None:
    a, b = Tenant(db), Tenant(db)
    with _app(db, pg_server, mariadb_server, a.org) as app:
        like = {"org_id": a.org, "member_id": a.member, "post_id": a.post}
        app.run("LikePost", **like)
        app.run("LikePost", **like)
        assert len(app.run("PostLikes", org_id=a.org, post_id=a.post)) == 1
        app.conn.commit()
        # a like that points into another tenant is refused (its composite foreign keys; RLS on PostgreSQL)
        with pytest.raises(REFUSED):
            app.run("LikePost", org_id=a.org, member_id=a.member, post_id=b.post)
        app.conn.rollback()
    with _app(db, pg_server, mariadb_server, b.org) as app:
        if db.engine == "postgres":  # tenant B sees none of A's likes, and cannot write a row of A
            assert app.sql("SELECT count(*) AS n FROM likes")[0]["n"] == 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.run("LikePost", org_id=a.org, member_id=a.member, post_id=a.post)
            app.conn.rollback()
        app.run("UnlikePost", org_id=b.org, member_id=a.member, post_id=a.post)
        assert app.rowcount == 0  # B's delete cannot reach A's like
        app.conn.commit()
    assert db.sql("SELECT count(*) AS n FROM likes")[0]["n"] == 1


ERASURE_SDL = """\
model erasure {
  tenant      Org
  compliance  gdpr
  deletes     hard
}
entity Org {
  name  string(40)
}
entity Member {
  email  email  @pii
}
entity Post {
  title  string(80)
}
entity Like {
  member  Member
  post    Post
  unique (member, post)
}
"""


@pytest.fixture(params=ENGINES)
def gdpr_db(request: pytest.FixtureRequest, pg_server: PgServer, mariadb_server: MariaDbServer,
            tmp_path: Path) -> Iterator[Db]:
    d = engine_db(request, pg_server, mariadb_server, tmp_path, ERASURE_SDL, "natkeys_gdpr")
    yield d
    d.conn.close()


def test_erasure_of_a_referenced_person_works_per_tenant(gdpr_db: Db) -> None:
    """A member that naturally keyed likes reference is anonymised in its tenant; the likes stay; the wrong
    tenant finds no such row."""
    db = gdpr_db
    assert primary_key(db, "likes") == ("org_id", "member_id", "post_id")
    org, other, member, post = (uuid.uuid4() for _ in range(4))
    for o in (org, other):
        db.sql("INSERT INTO orgs (id, name) VALUES (%s, 'o')", o)
    db.sql("INSERT INTO members (id, org_id, email) VALUES (%s, %s, 'a@example.com')", member, org)
    db.sql("INSERT INTO posts (id, org_id, title) VALUES (%s, %s, 't')", post, org)
    db.sql("INSERT INTO likes (org_id, member_id, post_id) VALUES (%s, %s, %s)", org, member, post)
    call = "SELECT erase_member(%s, %s)" if db.engine == "postgres" else "CALL erase_member(%s, %s)"
    with pytest.raises((psycopg.errors.NoDataFound, pymysql.err.OperationalError, pymysql.err.InternalError)):
        db.sql(call, other, member)
    db.sql(call, org, member)
    assert db.sql("SELECT email FROM members")[0]["email"] != "a@example.com"
    assert db.sql("SELECT count(*) AS n FROM likes")[0]["n"] == 1
