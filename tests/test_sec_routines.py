"""The generated triggers and routines attacked as the application: temporary tables named like the tables
they write, calls of the erasure routines, erasures across tenants or of nothing, and counter updates
passing for edits. One test body per attack, over PostgreSQL (owned by a superuser, or by a plain role)
and MariaDB."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pymysql
import pytest
from psycopg import sql

from tests.engines import MariaDbServer, PgServer
from tests.helpers.secure_db import MySecureDb, PgSecureDb, SecureDb, build_schema

ENGINES = ["postgres-superuser-owner", "postgres-role-owner", "mysql"]


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("secure")
    return {target: build_schema(tmp, target) for target in ("postgres", "mysql")}


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, schemas: dict[str, str]) -> Iterator[SecureDb]:
    name = f"sec_{request.node.originalname}_{request.param}".replace("-", "_")
    out: SecureDb
    if request.param == "mysql":
        server: MariaDbServer = request.getfixturevalue("mariadb_server")
        out = MySecureDb(server, name, schemas["mysql"])
    else:
        pg: PgServer = request.getfixturevalue("pg_server")
        out = PgSecureDb(pg, name, schemas["postgres"], superuser_owner=request.param.endswith("superuser-owner"))
    try:
        out.seed()
        yield out
    finally:
        out.close()


def _set_tenant(db: SecureDb, cur: Any, tenant: uuid.UUID) -> None:
    """What the header recommends: the tenant for this transaction only (MySQL has no session tenant)."""
    if db.engine == "postgres":
        cur.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant)])


def _account(db: SecureDb, account: uuid.UUID, *columns: str) -> tuple[Any, ...]:
    return db.owner(f"SELECT {', '.join(columns)} FROM accounts WHERE id = %s", db.key(account))[0]


def _audit_rows(db: SecureDb, account: uuid.UUID) -> list[Any]:
    row_id = str(account)
    rows = db.owner("SELECT old_values, new_values FROM audit_log WHERE table_name = 'accounts' AND row_id = %s",
                    row_id)
    return [json.loads(v) if isinstance(v, str) else v for r in rows for v in r if v is not None]


# --- 1. temporary tables named like the tables the triggers write -------------------------------------

def test_temporary_tables_do_not_capture_trigger_writes(db: SecureDb) -> None:
    """The app creates TEMP tables named audit_log, accounts (the counters' parent) and accounts_history,
    then inserts, edits and adds a child: every row still lands in the real tables."""
    tenant, account = db.tenants[0], uuid.uuid4()
    with db.app() as conn, conn.cursor() as cur:
        if db.engine == "mysql":  # the header's grants leave out CREATE TEMPORARY TABLES
            with pytest.raises(pymysql.err.OperationalError, match="denied"):
                cur.execute("CREATE TEMPORARY TABLE audit_log (v INT)")
            return
        _set_tenant(db, cur, tenant)
        for table in ("audit_log", "accounts", "accounts_history"):
            cur.execute(f"CREATE TEMP TABLE {table} (LIKE public.{table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
        cur.execute("INSERT INTO public.accounts (id, org_id, email, name) VALUES (%s, %s, 'n@example.com', 'n')",
                    [account, tenant])
        cur.execute("UPDATE public.accounts SET name = 'edited' WHERE id = %s", [account])
        cur.execute("INSERT INTO public.cards (org_id, account_id, points) VALUES (%s, %s, 5)", [tenant, account])
        cur.execute("INSERT INTO public.cards (org_id, account_id, points) VALUES (%s, %s, 7)", [tenant, account])
        captured = {t: cur.execute(f"SELECT count(*) FROM pg_temp.{t}").fetchone()[0]
                    for t in ("audit_log", "accounts", "accounts_history")}
        conn.commit()
    assert captured == {"audit_log": 0, "accounts": 0, "accounts_history": 0}
    assert _account(db, account, "card_count", "points", "version") == (2, 12, 2)
    assert [a for a in _audit_rows(db, account) if a.get("name") == "edited"]
    assert db.owner("SELECT count(*) FROM accounts_history WHERE id = %s", account) == [(1,)]


def test_mariadb_temporary_tables_shadow_trigger_tables(mariadb_server: MariaDbServer) -> None:
    """Why the MySQL header withholds CREATE TEMPORARY TABLES: a session's temporary table hides the table
    of the same name from the session's triggers, and qualifying the name does not help."""
    db = mariadb_server.fresh_database("sec_shadow")["database"]
    conn = mariadb_server.connect(db)
    try:
        with conn.cursor() as cur:
            for sql in ("CREATE TABLE t (id INT)", "CREATE TABLE log (v INT)",
                        f"CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO {db}.log VALUES (NEW.id)",
                        f"CREATE TEMPORARY TABLE {db}.log (v INT)", "INSERT INTO t VALUES (1)"):
                cur.execute(sql)
            cur.execute(f"SELECT count(*) FROM {db}.log")
            in_temporary = cur.fetchone()[0]
            cur.execute("DROP TEMPORARY TABLE log")
            cur.execute("SELECT count(*) FROM log")
            assert (in_temporary, cur.fetchone()[0]) == (1, 0)
            cur.execute(f"DROP DATABASE {db}")
    finally:
        conn.close()


# --- 2. erasure -----------------------------------------------------------------------------------------

def _erase(db: SecureDb, conn: Any, tenant: uuid.UUID, account: uuid.UUID) -> None:
    with conn.cursor() as cur:
        cur.execute(db.erase_sql(), [db.key(tenant), db.key(account)])
    conn.commit()


def test_app_cannot_run_erasure(db: SecureDb) -> None:
    denied = psycopg.errors.InsufficientPrivilege if db.engine == "postgres" else pymysql.err.OperationalError
    with db.app() as conn, pytest.raises(denied, match="denied"):
        _erase(db, conn, db.tenants[0], db.accounts[0])
    assert _account(db, db.accounts[0], "email") == ("person0@example.com",)


def _not_found(db: SecureDb) -> Any:
    """What an erasure of no row raises: SQLSTATE P0002."""
    if db.engine == "postgres":
        return pytest.raises(psycopg.errors.NoDataFound, match="no such accounts row")
    return pytest.raises(pymysql.err.OperationalError, match="no such accounts row")


def test_erasure_cannot_cross_tenants(db: SecureDb) -> None:
    """Tenant A's id with tenant B's account: an error, and B's account keeps its data (the PostgreSQL
    owner may be a superuser, whom row-level security does not bind)."""
    with db.privacy() as conn, _not_found(db):
        _erase(db, conn, db.tenants[0], db.accounts[1])
    assert _account(db, db.accounts[1], "email", "deleted_at") == ("person1@example.com", None)


def test_privacy_job_erases_without_a_tenant_setting(db: SecureDb) -> None:
    tenant, account = db.tenants[1], db.accounts[1]
    db.owner("UPDATE accounts SET name = 'renamed' WHERE id = %s", db.key(account), tenant=tenant)  # audited
    with db.privacy() as conn:
        _erase(db, conn, tenant, account)
        if db.engine == "postgres":  # the routine's tenant does not outlive it
            assert conn.execute("SELECT current_setting('app.tenant_id', true)").fetchone()[0] in (None, "")
    email, deleted = _account(db, account, "email", "deleted_at")
    assert email.startswith("erased+") and deleted is not None
    audit = _audit_rows(db, account)
    assert audit and not [a for a in audit if "email" in a]
    history = db.owner("SELECT email FROM accounts_history WHERE id = %s", db.key(account))
    assert history and all(h[0].startswith("erased+") for h in history)
    assert _account(db, db.accounts[0], "email") == ("person0@example.com",)
    with db.privacy() as conn, _not_found(db):
        _erase(db, conn, tenant, uuid.uuid4())


def test_audit_scrub_reads_through_the_index(db: SecureDb) -> None:
    """With 4,000 audit rows of other rows, the scrub of one row's entries reads the index, not the log."""
    tenant, account = db.tenants[0], db.accounts[0]
    filler = "INSERT INTO audit_log (action, table_name, row_id, org_id) VALUES ('update', 'accounts', %s, %s)"
    db.owner_many(filler, [(f"other-{i}", db.key(db.tenants[i % 2])) for i in range(4000)])
    if db.engine == "postgres":
        plans = _pg_nested_plans(db, tenant, account)
        scrub = next(p for p in plans if "audit_log" in p and "Update" in p)
        assert "audit_log_org_id_table_name_row_id_idx" in scrub and "Seq Scan" not in scrub, scrub
        return
    read = _mysql_rows_read(db, tenant, account)
    assert read < 100, f"the erasure read {read} rows by scanning"


def _pg_nested_plans(db: SecureDb, tenant: uuid.UUID, account: uuid.UUID) -> list[str]:
    """The plans of the statements inside the erasure function, by auto_explain (as the superuser)."""
    assert isinstance(db, PgSecureDb)
    notices: list[str] = []
    with db.server.connect(db.db) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute("ANALYZE audit_log")
        for setting in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                        "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_level = notice"):
            conn.execute(setting)
        conn.execute(db.erase_sql(), [tenant, account])
    return notices


def _mysql_rows_read(db: SecureDb, tenant: uuid.UUID, account: uuid.UUID) -> int:
    """Rows the erasure call read by scanning a table (Handler_read_rnd_next of the session)."""
    assert isinstance(db, MySecureDb)
    with db._as("root") as conn, conn.cursor() as cur:
        cur.execute("ANALYZE TABLE audit_log")
        cur.fetchall()
        cur.execute("SHOW SESSION STATUS LIKE 'Handler_read_rnd_next'")
        before = int(cur.fetchone()[1])
        cur.execute(db.erase_sql(), [db.key(tenant), db.key(account)])
        cur.execute("SHOW SESSION STATUS LIKE 'Handler_read_rnd_next'")
        after = int(cur.fetchone()[1])
        conn.commit()
    return after - before - 2  # each SHOW STATUS reads its own rows


# --- 3. the tenant of a pooled connection ---------------------------------------------------------------

def test_set_local_tenant_ends_with_its_transaction(db: SecureDb, schemas: dict[str, str]) -> None:
    """On one (pooled) connection: a transaction with SET LOCAL sees its tenant's rows, the next one, which
    forgot to set a tenant, sees none. The header recommends it and no session-level SET."""
    if db.engine != "postgres":
        return
    header = [line for line in schemas["postgres"].splitlines() if line.startswith("--")][:20]
    assert any("SET LOCAL app.tenant_id" in line for line in header)
    with db.app() as conn:
        conn.execute(sql.SQL("SET LOCAL app.tenant_id = {}").format(sql.Literal(str(db.tenants[0]))))
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1
        conn.commit()
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
        conn.commit()


# --- 5. maintained columns are not edits ----------------------------------------------------------------

def _add_card(db: SecureDb, tenant: uuid.UUID, account: uuid.UUID) -> None:
    with db.app() as conn, conn.cursor() as cur:
        _set_tenant(db, cur, tenant)
        cur.execute("INSERT INTO cards (id, org_id, account_id, points) VALUES (%s, %s, %s, 3)",
                    [db.key(uuid.uuid4()), db.key(tenant), db.key(account)])
        conn.commit()


def test_a_new_child_is_not_an_edit_of_its_parent(db: SecureDb) -> None:
    """Adding a card moves the account's counters, but writes no audit row and no new version; a real edit
    still does both."""
    tenant, account = db.tenants[0], db.accounts[0]
    audit = len(_audit_rows(db, account))
    _add_card(db, tenant, account)
    assert _account(db, account, "card_count", "points", "version") == (1, 3, 1)
    assert len(_audit_rows(db, account)) == audit
    db.owner("UPDATE accounts SET name = 'edited' WHERE id = %s", db.key(account), tenant=tenant)
    assert _account(db, account, "version") == (2,)
    assert len(_audit_rows(db, account)) == audit + 2  # old and new values of one audit row


def test_a_new_child_does_not_move_its_parents_updated_at(db: SecureDb) -> None:
    # MySQL: ON UPDATE CURRENT_TIMESTAMP would move it; the counter's UPDATE sets updated_at = updated_at
    tenant, account = db.tenants[0], db.accounts[0]
    before = _account(db, account, "updated_at")
    _add_card(db, tenant, account)
    assert _account(db, account, "updated_at") == before
    db.owner("UPDATE accounts SET name = 'edited' WHERE id = %s", db.key(account), tenant=tenant)
    assert _account(db, account, "updated_at") != before
