"""Throwaway database servers for the tests: PostgreSQL 15 and MariaDB 10.11, on loopback.

Each server lives in its own temporary directory (data, unix socket, logs), listens on a free port of
127.0.0.1, trusts local connections and is tuned for speed, not durability. ``stop()`` waits until the
server process has really exited, then deletes the directory.

As root, PostgreSQL runs as the ``postgres`` OS user (``runuser``) and MariaDB drops to ``mysql``
(``--user=mysql``); both users are created with ``useradd --system`` if missing. As any other user the
servers run as that user.

A missing server binary raises :class:`EngineUnavailable`, whose message names the script that installs
it: the fixtures in ``conftest.py`` turn it into a test failure, never a skip, so CI cannot pass without
the real engines.

Usage outside pytest (e.g. in a REPL)::

    from tests.engines import start_postgres
    pg = start_postgres()
    dsn = pg.fresh_database("scratch")
    ...
    pg.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pymysql.cursors
from psycopg import sql

from tests.sqlsplit import split_statements

__all__ = [
    "ENGINE_NAMES",
    "MYSQL8_DEFAULT_SQL_MODE",
    "EngineError",
    "EngineStartError",
    "EngineUnavailable",
    "MariaDbServer",
    "PgServer",
    "apply_mysql_script",
    "apply_pg_script",
    "database_name",
    "execute_checked",
    "start_mariadb",
    "start_postgres",
]

INSTALL_SCRIPT = "scripts/test.sh"
PG_VERSION = "15"
DEFAULT_PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
# MySQL 8.0/8.4's default sql_mode; MariaDB 10.11's own default lacks ONLY_FULL_GROUP_BY and NO_ZERO_*.
MYSQL8_DEFAULT_SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
APP_ROLE = "app"
# the engines of the engine suite (the `engine` fixture): the keys of tests/helpers/engine.py ENGINES
ENGINE_NAMES = ("postgres", "mariadb")
DEFAULT_DB = "schemac"
LOOPBACK = "127.0.0.1"


class EngineError(RuntimeError):
    """A test database server could not be provided."""


class EngineUnavailable(EngineError):
    """A server binary is not installed."""


class EngineStartError(EngineError):
    """The server is installed but did not start; the message carries its log."""


# --- process and OS helpers ---------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """True while ``pid`` runs. A zombie (exited, not yet reaped by its parent) counts as gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for line in status.splitlines():
        if line.startswith("State:"):
            return line.split()[1] != "Z"
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(name)


def _make_server_dir(prefix: str, owner: str | None) -> Path:
    """A fresh temp dir (short path: unix sockets live in it), owned by ``owner`` when given."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("SCHEMAC_TEST_TMPDIR") or "/tmp"))
    if owner is not None:
        user = _ensure_os_user(owner)
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"({path} not readable)"
    return "\n".join(text.splitlines()[-lines:])


def _run_logged(cmd: Sequence[str], *, cwd: Path, log: Path, timeout: float, what: str,
                env: dict[str, str] | None = None) -> None:
    """Run ``cmd`` with its output in ``log`` (never a pipe: a daemon it forks could hold a pipe open)."""
    with log.open("ab") as out:
        try:
            proc = subprocess.run(
                list(cmd),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise EngineStartError(f"{what} timed out after {timeout:.0f} s:\n{_tail(log)}") from None
    if proc.returncode != 0:
        raise EngineStartError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{_tail(log)}")


_started: list[PgServer | MariaDbServer] = []


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_started):
        with contextlib.suppress(Exception):
            server.stop()


# --- names -----------------------------------------------------------------------------------------------

_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def database_name(name: str) -> str:
    """A safe database name for ``name`` (e.g. a test's node name), the same for both engines.

    A name that is already lower-case ``[a-z_][a-z0-9_]*`` of at most 63 characters is kept; any other
    gets its unsafe characters replaced and an 8-hex-digit hash of the original appended, so different
    names stay different.
    """
    if _PLAIN_NAME.fullmatch(name):
        return name
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "db"
    if cleaned[0].isdigit():
        cleaned = "db_" + cleaned
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{cleaned[:54]}_{digest}"


# --- PostgreSQL --------------------------------------------------------------------------------------------


@dataclass
class PgServer:
    """A running PostgreSQL cluster. ``dsn`` is the superuser ``postgres``; ``app_dsn`` the role ``app``.

    ``app`` is ``LOGIN NOSUPERUSER NOBYPASSRLS``: row-level security applies to it (not to the superuser).
    Authentication is ``trust``: no passwords.
    """

    base_dir: Path
    port: int
    bin_dir: Path
    os_user: str | None
    pid: int = 0
    host: str = LOOPBACK
    superuser: str = "postgres"
    app_user: str = APP_ROLE
    dbname: str = DEFAULT_DB
    start_seconds: float = 0.0
    stop_seconds: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @property
    def dsn(self) -> str:
        """Superuser DSN of the default database ``schemac``."""
        return self.dsn_for(self.dbname)

    @property
    def app_dsn(self) -> str:
        """DSN of the default database ``schemac`` as the non-superuser role ``app``."""
        return self.dsn_for(self.dbname, user=self.app_user)

    def dsn_for(self, dbname: str, user: str | None = None) -> str:
        """DSN of database ``dbname`` as ``user`` (default: the superuser), over TCP."""
        return f"postgresql://{user or self.superuser}@{self.host}:{self.port}/{dbname}"

    def connect(
        self, dbname: str | None = None, *, user: str | None = None, autocommit: bool = True
    ) -> psycopg.Connection[tuple[Any, ...]]:
        """A psycopg connection (autocommit by default); close it, or use it in a ``with`` block."""
        return psycopg.connect(self.dsn_for(dbname or self.dbname, user), autocommit=autocommit)

    def fresh_database(self, name: str, *, app_default_privileges: bool = False) -> str:
        """Drop and recreate an empty database; return its superuser DSN.

        ``name`` goes through :func:`database_name`. In the new database, ``app`` gets ALL on schema
        public. With ``app_default_privileges=True`` it also gets ALL on tables, sequences and functions
        that the superuser creates there later (otherwise grant what a test needs explicitly).
        The app-role DSN of the database is ``server.dsn_for(name, user=server.app_user)``.
        """
        db = database_name(name)
        ident = sql.Identifier(db)
        with self.connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
        with self.connect(db) as conn:
            app = sql.Identifier(self.app_user)
            conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(app))
            if app_default_privileges:
                for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
                    conn.execute(
                        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON {} TO {}").format(
                            sql.SQL(kind), app
                        )
                    )
        return self.dsn_for(db)

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", self.os_user, "--"] if self.os_user else []

    def stop(self) -> None:
        """Stop the postmaster (immediate mode), wait until it is gone, delete the directory."""
        if self._stopped:
            return
        self._stopped = True
        t0 = time.monotonic()
        if not self.pid:  # a start that failed half-way may still have left a postmaster behind
            with contextlib.suppress(OSError, ValueError, IndexError):
                self.pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        try:
            if self.pid and _alive(self.pid):
                with contextlib.suppress(subprocess.SubprocessError, OSError):
                    subprocess.run(
                        [
                            *self._as_owner(),
                            *(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir)),
                            *("-m", "immediate", "-w", "-t", "30", "stop"),
                        ],
                        cwd=self.base_dir,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        timeout=40,
                    )
                # pg_ctl -w returns when the pid file is gone; make sure the process is too.
                if not _wait_gone(self.pid, 10):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                    _wait_gone(self.pid, 5)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            with contextlib.suppress(ValueError):
                _started.remove(self)
            self.stop_seconds = time.monotonic() - t0


def _pg_bin_dir() -> Path:
    bin_dir = Path(os.environ.get("SCHEMAC_PG_BIN") or DEFAULT_PG_BIN)
    missing = [b for b in ("initdb", "pg_ctl", "postgres") if not os.access(bin_dir / b, os.X_OK)]
    if missing:
        raise EngineUnavailable(
            f"PostgreSQL {PG_VERSION} server binaries not found: {', '.join(missing)} missing in {bin_dir}. "
            f"Run `bash {INSTALL_SCRIPT}`: it installs them (apt-get install postgresql-{PG_VERSION}) "
            "and then runs the tests. Set SCHEMAC_PG_BIN to use binaries elsewhere."
        )
    return bin_dir


def start_postgres(*, dbname: str = DEFAULT_DB) -> PgServer:
    """initdb + ``pg_ctl start`` a fresh cluster; create database ``dbname`` and the role ``app``."""
    t0 = time.monotonic()
    bin_dir = _pg_bin_dir()
    os_user = "postgres" if _is_root() else None
    base = _make_server_dir("schemac-pg-", os_user)
    server = PgServer(base_dir=base, port=0, bin_dir=bin_dir, os_user=os_user, dbname=dbname)
    _started.append(server)
    try:
        as_owner = server._as_owner()
        _run_logged(
            [
                *as_owner,
                *(str(bin_dir / "initdb"), "-D", str(server.data_dir), "-U", server.superuser),
                *("--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"),
            ],
            cwd=base,  # runuser keeps the cwd, which must be readable by the server user
            log=base / "initdb.log",
            timeout=120,
            what="initdb",
        )
        for attempt in range(3):
            server.port = _free_port()
            opts = " ".join(
                [
                    f"-c listen_addresses={LOOPBACK}",
                    f"-c port={server.port}",
                    f"-c unix_socket_directories={base}",
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                    "-c max_connections=50",
                ]
            )
            try:
                _run_logged(
                    [
                        *as_owner,
                        *(str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l", str(server.log_file)),
                        *("-o", opts, "-w", "-t", "60", "start"),
                    ],
                    cwd=base,
                    log=base / "pg_ctl.log",
                    timeout=90,
                    what="pg_ctl start",
                )
                break
            except EngineStartError:
                port_taken = "could not bind" in _tail(server.log_file, 200)
                if not port_taken or attempt == 2:
                    raise
        server.pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        with server.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(
                    sql.Identifier(server.app_user)
                )
            )
        with server.connect(dbname) as conn:
            conn.execute(sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(server.app_user)))
    except BaseException:
        server.stop()
        raise
    server.start_seconds = time.monotonic() - t0
    return server


def apply_pg_script(conn: psycopg.Connection[Any], script: str) -> None:
    """Run each statement of ``script`` on ``conn``; an error names the statement's line.

    Use an autocommit connection for statements that cannot run in a transaction block
    (``CREATE INDEX CONCURRENTLY``).
    """
    for statement in split_statements(script, "postgres"):
        try:
            # bytes in the connection's encoding: psycopg sends them as they are (no placeholders).
            conn.execute(statement.text.encode(conn.info.encoding))
        except psycopg.Error as exc:
            exc.add_note(f"in the statement at line {statement.line}:\n{statement.text}")
            raise


# --- MariaDB -----------------------------------------------------------------------------------------------


@dataclass
class MariaDbServer:
    """A running MariaDB server; ``root`` (no password) may connect over TCP from 127.0.0.1."""

    base_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    host: str = LOOPBACK
    user: str = "root"
    password: str = ""
    dbname: str = DEFAULT_DB
    sql_mode: str = MYSQL8_DEFAULT_SQL_MODE
    start_seconds: float = 0.0
    stop_seconds: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def socket(self) -> Path:
        return self.base_dir / "mysqld.sock"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "error.log"

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def connect_kwargs(self, database: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``pymysql.connect`` (TCP, utf8mb4, autocommit)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": database or self.dbname,
            "charset": "utf8mb4",
            "autocommit": True,
        }

    def connect(self, database: str | None = None, **overrides: Any) -> pymysql.connections.Connection:
        """A PyMySQL connection; ``overrides`` replace entries of :meth:`connect_kwargs`."""
        return pymysql.connect(**{**self.connect_kwargs(database), **overrides})

    def fresh_database(self, name: str) -> dict[str, Any]:
        """Drop and recreate an empty utf8mb4 database; return ``pymysql.connect`` kwargs for it.

        ``name`` goes through :func:`database_name`.
        """
        db = database_name(name)
        conn = self.connect(database="mysql")
        try:
            execute_checked(conn, f"DROP DATABASE IF EXISTS `{db}`", allow_notes=(1008,))
            execute_checked(conn, f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            conn.close()
        return self.connect_kwargs(db)

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), wait until the process is gone, delete the directory."""
        if self._stopped:
            return
        self._stopped = True
        t0 = time.monotonic()
        try:
            proc = self.process
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            if proc is not None:
                _wait_gone(proc.pid, 5)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            with contextlib.suppress(ValueError):
                _started.remove(self)
            self.stop_seconds = time.monotonic() - t0


def _find_binary(name: str, *dirs: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for d in dirs:
        candidate = Path(d) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _mariadb_binaries() -> tuple[str, str]:
    mariadbd = _find_binary("mariadbd", "/usr/sbin", "/usr/local/sbin")
    install_db = _find_binary("mariadb-install-db", "/usr/bin", "/usr/sbin")
    missing = [n for n, p in (("mariadbd", mariadbd), ("mariadb-install-db", install_db)) if p is None]
    if mariadbd is None or install_db is None:
        raise EngineUnavailable(
            f"MariaDB server not found: {', '.join(missing)} missing. "
            f"Run `bash {INSTALL_SCRIPT}`: it installs it (apt-get install mariadb-server) "
            "and then runs the tests."
        )
    return mariadbd, install_db


def _ping(socket_path: Path) -> bool:
    try:
        conn = pymysql.connect(unix_socket=str(socket_path), user="root", password="", connect_timeout=2)
    except pymysql.err.OperationalError:
        return False
    try:
        conn.ping(reconnect=False)
        return True
    finally:
        conn.close()


def start_mariadb(*, dbname: str = DEFAULT_DB, sql_mode: str = MYSQL8_DEFAULT_SQL_MODE) -> MariaDbServer:
    """mariadb-install-db + mariadbd on a fresh datadir; create database ``dbname`` and root@127.0.0.1."""
    t0 = time.monotonic()
    mariadbd, install_db = _mariadb_binaries()
    os_user = "mysql" if _is_root() else None
    user_opt = [f"--user={os_user}"] if os_user else []
    base = _make_server_dir("schemac-mariadb-", os_user)
    server = MariaDbServer(base_dir=base, port=0, dbname=dbname, sql_mode=sql_mode)
    _started.append(server)
    try:
        # The server's temporary files (#sql-temptable-*) live in its own directory, not in a shared /tmp
        # that another process may clean while the server runs.
        _private_tmpdir(base, os_user)
        _run_logged(
            [
                *(install_db, "--no-defaults", *user_opt, f"--datadir={server.data_dir}"),
                *("--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"),
            ],
            cwd=base,
            log=base / "install-db.log",
            timeout=120,
            what="mariadb-install-db",
            env={**os.environ, "TMPDIR": str(base / "tmp")},
        )
        for attempt in range(3):
            server.port = _free_port()
            server.process = _launch_mariadbd(mariadbd, server, user_opt)
            if _wait_for_mariadb(server):
                break
            log = _tail(server.log_file, 200)
            server.process.wait(timeout=30)
            if "Address already in use" not in log or attempt == 2:
                raise EngineStartError(f"mariadbd did not start:\n{_tail(server.log_file)}")
        conn = pymysql.connect(unix_socket=str(server.socket), user="root", password="", autocommit=True)
        try:
            # With skip-name-resolve, TCP clients do not match root@localhost. (mariadb-install-db 10.11
            # with --skip-name-resolve already makes root@127.0.0.1: then Note 1973 "already exists".)
            execute_checked(
                conn, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''", allow_notes=(1973,)
            )
            execute_checked(conn, "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
            execute_checked(conn, f"CREATE DATABASE IF NOT EXISTS `{dbname}`")
        finally:
            conn.close()
    except BaseException:
        server.stop()
        raise
    server.start_seconds = time.monotonic() - t0
    return server


def _private_tmpdir(base: Path, owner: str | None) -> Path:
    path = base / "tmp"
    path.mkdir(exist_ok=True)
    if owner is not None:
        user = _ensure_os_user(owner)
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def _launch_mariadbd(mariadbd: str, server: MariaDbServer, user_opt: list[str]) -> subprocess.Popen[bytes]:
    base = server.base_dir
    cmd = [
        mariadbd,
        "--no-defaults",  # /etc/mysql is neither read nor touched
        *user_opt,
        f"--datadir={server.data_dir}",
        f"--socket={server.socket}",
        f"--port={server.port}",
        f"--bind-address={LOOPBACK}",
        "--skip-name-resolve",
        f"--pid-file={base / 'mariadbd.pid'}",
        f"--tmpdir={base / 'tmp'}",
        f"--log-error={server.log_file}",
        "--character-set-server=utf8mb4",  # 10.11's compiled-in default is latin1
        "--collation-server=utf8mb4_unicode_ci",
        f"--sql-mode={server.sql_mode}",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--innodb-buffer-pool-size=128M",
        "--skip-log-bin",
        "--performance-schema=OFF",
        "--max-connections=50",
    ]
    with (base / "mariadbd.stdout.log").open("ab") as out:
        # Own session: a Ctrl-C in the terminal reaches pytest, which then stops the server cleanly.
        return subprocess.Popen(
            cmd,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_mariadb(server: MariaDbServer, timeout: float = 60) -> bool:
    """Poll until the server answers a ping on its socket; False if the process exited first."""
    assert server.process is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if server.socket.exists() and _ping(server.socket):
            return True
        time.sleep(0.05)
    raise EngineStartError(
        f"mariadbd did not answer a ping within {timeout:.0f} s:\n{_tail(server.log_file)}"
    )


def _format_warning(row: Any) -> str:
    if isinstance(row, dict):
        return f"{row.get('Level')} {row.get('Code')}: {row.get('Message')}"
    level, code, message = row[0], row[1], row[2]
    return f"{level} {code}: {message}"


def execute_checked(
    conn: pymysql.connections.Connection,
    statement: str,
    args: Any = None,
    *,
    allow_notes: Sequence[int] = (),
    cursor: type[pymysql.cursors.Cursor] | None = None,
) -> tuple[Any, ...]:
    """Execute one statement, then ``SHOW WARNINGS``; raise AssertionError listing its rows, if any.

    MariaDB turns some errors that MySQL 8 raises into warnings or mere notes (a too-long key becomes a
    prefix key with ``Note 1071``), so every row counts as a failure, Notes included, except Notes whose
    codes are in ``allow_notes`` (e.g. 1008 for ``DROP DATABASE IF EXISTS`` of a missing database).

    MariaDB does not clear the warning list for statements that use no table (CREATE USER, GRANT,
    CREATE DATABASE, SELECT 1, ...): ``SHOW WARNINGS`` then still lists an earlier statement's
    warnings. So the warning count that the server sends with this statement's own result decides
    whether its rows belong to this statement: when it is 0, the rows are stale and ignored.

    Returns the statement's result rows (empty for DDL). ``args`` are PyMySQL parameters; with
    ``args=None`` the statement is sent as is (a ``%`` needs no escaping). ``cursor`` is the PyMySQL cursor
    class of the rows (default: the connection's); ``conn.affected_rows()`` is the statement's row count.
    """
    with conn.cursor(cursor) as cur:
        cur.execute(statement, args)
        rows = tuple(cur.fetchall())
        count = int(cur.warning_count)
        if count == 0:
            return rows
        cur.execute("SHOW WARNINGS")
        warnings = cur.fetchall()
    problems = [
        _format_warning(row)
        for row in warnings
        if not (_warning_code(row) in allow_notes and _warning_level(row) == "Note")
    ]
    if problems or not warnings:
        listed = "\n".join(f"  {p}" for p in problems) or "  (SHOW WARNINGS listed none)"
        raise AssertionError(f"MariaDB reported {count} warning(s) for:\n{statement}\n{listed}")
    return rows


def _warning_code(row: Any) -> int:
    return int(row["Code"] if isinstance(row, dict) else row[1])


def _warning_level(row: Any) -> str:
    return str(row["Level"] if isinstance(row, dict) else row[0])


def apply_mysql_script(conn: pymysql.connections.Connection, script: str) -> None:
    """Run each statement of ``script`` (``DELIMITER`` supported) with :func:`execute_checked`."""
    for statement in split_statements(script, "mysql"):
        try:
            execute_checked(conn, statement.text)
        except (AssertionError, pymysql.err.MySQLError) as exc:
            exc.add_note(f"in the statement at line {statement.line}")
            raise
