"""Prove the database fixtures: real engines, clean databases, RLS for ``app``, MariaDB's hidden notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from tests import engines
from tests.engines import (
    MYSQL8_DEFAULT_SQL_MODE,
    EngineUnavailable,
    MariaDbServer,
    PgServer,
    apply_mysql_script,
    apply_pg_script,
    database_name,
    execute_checked,
)

# --- PostgreSQL --------------------------------------------------------------------------------------------


def test_pg_version_is_15(pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    assert row is not None
    assert row[0].startswith("15."), row[0]


def test_pg_server_settings(pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.dsn) as conn:
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'listen_addresses', 'port')"
            ).fetchall()
        )
        encoding = conn.execute("SHOW server_encoding").fetchone()
    assert settings == {"fsync": "off", "listen_addresses": "127.0.0.1", "port": str(pg_server.port)}
    assert encoding == ("UTF8",)
    assert (pg_server.socket_dir / f".s.PGSQL.{pg_server.port}").exists()


def test_pg_app_role_is_not_privileged(pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.app_dsn) as conn:
        row = conn.execute(
            "SELECT current_user, rolsuper, rolbypassrls, rolcanlogin"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == ("app", False, False, True)


def test_pg_fresh_database_accepts_create_table(pg_server: PgServer) -> None:
    dsn = pg_server.fresh_database("fixture_check")
    assert dsn.endswith("/fixture_check")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL)"
        )
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (lower(email))")
        conn.execute("INSERT INTO t (email) VALUES ('a@example.com')")
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    # Asking again gives an empty database.
    assert pg_server.fresh_database("fixture_check") == dsn
    with psycopg.connect(dsn) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_pg_app_may_create_in_fresh_database(pg_server: PgServer) -> None:
    pg_server.fresh_database("app_creates")
    with psycopg.connect(pg_server.dsn_for("app_creates", user="app"), autocommit=True) as conn:
        conn.execute("CREATE TABLE mine (x int)")
        conn.execute("INSERT INTO mine VALUES (1)")


RLS_SCRIPT = """
CREATE TABLE notes (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant text NOT NULL,
  body text NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_tenant ON notes
  USING (tenant = current_setting('app.tenant'))
  WITH CHECK (tenant = current_setting('app.tenant'));
GRANT SELECT, INSERT ON notes TO app;
INSERT INTO notes (tenant, body) VALUES ('a', 'for a; only'), ('b', 'for b');
"""


def test_pg_rls_applies_to_app(pg_database: str, pg_server: PgServer) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        apply_pg_script(conn, RLS_SCRIPT)
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (2,)  # the superuser bypasses RLS
    db = pg_database.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.dsn_for(db, user="app"), autocommit=True) as conn:
        conn.execute("SET app.tenant = 'a'")
        assert conn.execute("SELECT tenant, body FROM notes").fetchall() == [("a", "for a; only")]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO notes (tenant, body) VALUES ('b', 'sneaky')")


def test_pg_script_with_dollar_quoted_function(pg_database: str) -> None:
    script = """
CREATE TABLE items (id int PRIMARY KEY, updated_at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated_at := now(); -- a comment; with a semicolon
  RETURN NEW;
END;
$fn$;
CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT a + b;
END;
INSERT INTO items (id) VALUES (1);
"""
    with psycopg.connect(pg_database, autocommit=True) as conn:
        apply_pg_script(conn, script)
        assert conn.execute("SELECT updated_at IS NOT NULL FROM items").fetchone() == (True,)
        assert conn.execute("SELECT add(2, 3)").fetchone() == (5,)


def test_pg_script_error_names_the_line(pg_database: str) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn, pytest.raises(psycopg.Error) as info:
        apply_pg_script(conn, "SELECT 1;\n\nCREATE TABLE t (x nosuchtype);")
    assert "line 3" in "\n".join(getattr(info.value, "__notes__", []))


def test_pg_start_and_stop_cleans_up() -> None:
    server = engines.start_postgres(dbname="other")
    base, pid = server.base_dir, server.pid
    try:
        assert base.is_dir()
        assert engines._alive(pid)
        with psycopg.connect(server.dsn) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("other",)
    finally:
        server.stop()
    assert not base.exists()
    assert not engines._alive(pid)
    server.stop()  # idempotent


# --- MariaDB -----------------------------------------------------------------------------------------------


def test_mariadb_version(mariadb_server: MariaDbServer) -> None:
    with mariadb_server.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT VERSION(), @@sql_mode, @@character_set_server, @@collation_server")
        row = cur.fetchone()
    assert row is not None
    version, sql_mode, charset, collation = row
    assert "MariaDB" in version
    assert version.startswith("10.11."), version
    assert sql_mode == MYSQL8_DEFAULT_SQL_MODE
    assert (charset, collation) == ("utf8mb4", "utf8mb4_unicode_ci")


def test_mariadb_server_settings(mariadb_server: MariaDbServer) -> None:
    with mariadb_server.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT @@bind_address, @@port, @@log_bin, @@performance_schema, @@socket")
        row = cur.fetchone()
    assert row is not None
    bind, port, log_bin, perf_schema, sock = row
    assert (bind, port, log_bin, perf_schema) == ("127.0.0.1", mariadb_server.port, 0, 0)
    assert Path(sock) == mariadb_server.socket


def test_mariadb_fresh_database(mariadb_server: MariaDbServer) -> None:
    kwargs = mariadb_server.fresh_database("fixture_check")
    assert kwargs["database"] == "fixture_check"
    with pymysql.connect(**kwargs) as conn:
        execute_checked(
            conn, "CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(255) NOT NULL)"
        )
        execute_checked(conn, "INSERT INTO t (email) VALUES (%s)", ("a@example.com",))
        assert execute_checked(conn, "SELECT email FROM t") == (("a@example.com",),)
        assert execute_checked(
            conn,
            "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
        ) == (("utf8mb4_unicode_ci",),)
    kwargs = mariadb_server.fresh_database("fixture_check")
    with pymysql.connect(**kwargs) as conn:
        assert execute_checked(conn, "SHOW TABLES") == ()


def test_mariadb_execute_checked_raises_on_note_1071(mariadb_database: dict[str, Any]) -> None:
    with pymysql.connect(**mariadb_database) as conn:
        execute_checked(conn, "CREATE TABLE t (x VARCHAR(1000)) CHARACTER SET utf8mb4")
        # MariaDB accepts this and silently makes a prefix key x(768); MySQL 8 raises ER 1071.
        with pytest.raises(AssertionError, match=r"Note 1071: Specified key was too long"):
            execute_checked(conn, "CREATE INDEX t_x ON t (x)")


def test_mariadb_execute_checked_ignores_stale_warnings(mariadb_database: dict[str, Any]) -> None:
    # MariaDB keeps the warning list across statements that use no table: SHOW WARNINGS after
    # `SELECT 1` still lists the 1071 note; execute_checked must not blame `SELECT 1` for it.
    with pymysql.connect(**mariadb_database) as conn:
        execute_checked(conn, "CREATE TABLE t (x VARCHAR(1000))")
        with pytest.raises(AssertionError, match="1071"):
            execute_checked(conn, "CREATE INDEX t_x ON t (x)")
        assert execute_checked(conn, "SELECT 1") == ((1,),)
        execute_checked(conn, "CREATE DATABASE IF NOT EXISTS another_db")
        with pytest.raises(AssertionError, match="Note 1007"):
            execute_checked(conn, "CREATE DATABASE IF NOT EXISTS another_db")
        execute_checked(conn, "CREATE DATABASE IF NOT EXISTS another_db", allow_notes=(1007,))
        execute_checked(conn, "DROP DATABASE another_db")


def test_mariadb_execute_checked_raises_on_warning(mariadb_database: dict[str, Any]) -> None:
    with pymysql.connect(**mariadb_database) as conn, pytest.raises(AssertionError, match=r"Warning 1292"):
        execute_checked(conn, "SELECT CAST('abc' AS DATE) + 0")


def test_mariadb_strict_mode_rejects_bad_data(mariadb_database: dict[str, Any]) -> None:
    with pymysql.connect(**mariadb_database) as conn:
        execute_checked(conn, "CREATE TABLE t (n TINYINT)")
        with pytest.raises(pymysql.err.DataError, match="Out of range"):
            execute_checked(conn, "INSERT INTO t VALUES (1000)")


TRIGGER_SCRIPT = """\
CREATE TABLE counters (id INT PRIMARY KEY, n INT, note VARCHAR(20));

DELIMITER //
CREATE TRIGGER counters_bi BEFORE INSERT ON counters FOR EACH ROW
BEGIN
  IF NEW.n IS NULL THEN
    SET NEW.n = 0; -- default; here
  END IF;
  SET NEW.note = 'a;b//c';
END//
DELIMITER ;

INSERT INTO counters (id) VALUES (1);
"""


def test_mariadb_trigger_script_with_delimiter(mariadb_database: dict[str, Any]) -> None:
    with pymysql.connect(**mariadb_database) as conn:
        apply_mysql_script(conn, TRIGGER_SCRIPT)
        assert execute_checked(conn, "SELECT n, note FROM counters") == ((0, "a;b//c"),)


def test_mariadb_script_note_names_the_line(mariadb_database: dict[str, Any]) -> None:
    script = "CREATE TABLE t (x VARCHAR(1000));\n\nCREATE INDEX t_x ON t (x);\n"
    with pymysql.connect(**mariadb_database) as conn, pytest.raises(AssertionError) as info:
        apply_mysql_script(conn, script)
    assert "1071" in str(info.value)
    assert "line 3" in "\n".join(getattr(info.value, "__notes__", []))


def test_mariadb_start_and_stop_cleans_up() -> None:
    server = engines.start_mariadb(dbname="other")
    base, pid = server.base_dir, server.pid
    try:
        assert engines._alive(pid)
        with server.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == ("other",)
    finally:
        server.stop()
    assert not base.exists()
    assert not engines._alive(pid)
    server.stop()  # idempotent


# --- helpers -------------------------------------------------------------------------------------------


def test_database_name() -> None:
    assert database_name("plain_name_1") == "plain_name_1"
    odd = database_name("test_x[pg-Users; DROP]")
    assert odd.startswith("test_x_pg_users_drop_")
    assert len(odd) == len("test_x_pg_users_drop_") + 8
    assert database_name("test_x[a-b]") != database_name("test_x[a_b]")
    assert len(database_name("t" * 200)) <= 63
    assert database_name("1abc")[0].isalpha()


def test_missing_postgres_fails_with_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCHEMAC_PG_BIN", str(tmp_path))
    with pytest.raises(EngineUnavailable, match=r"bash scripts/test\.sh.*postgresql-15"):
        engines.start_postgres()


def test_missing_mariadb_fails_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "_find_binary", lambda name, *dirs: None)
    with pytest.raises(EngineUnavailable, match=r"mariadbd.*bash scripts/test\.sh.*mariadb-server"):
        engines.start_mariadb()
