"""MySQL 8.0+ and MariaDB 10.11+: the dialect's data and procedural spelling and its capabilities.

The output stays within what both engines accept: no functional key parts, no INVISIBLE indexes, no
`uuid_to_bin()` defaults, no utf8mb4_0900_* collations, no `VALUES()` in ON DUPLICATE KEY UPDATE
(deprecated in MySQL 8.0.20) and no row alias (unknown to MariaDB). What MariaDB accepts but MySQL 8
rejects is checked at compile time (SC0410-SC0413) because the tests can only run MariaDB.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects.mysql import match
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from schemac.backends.mysql.capabilities import CAPABILITIES
from schemac.backends.sql.dialect import RoutineSpec, SqlDialect, TriggerSpec
from schemac.backends.sql.types import MYSQL_MAX_ROW_BYTES, MYSQL_TYPES, mysql_list_type

COLLATION = "utf8mb4_unicode_ci"
_EVENT_SUFFIX = {"insert": "ins", "update": "upd", "delete": "del"}


def _is_uuid(type_: TypeEngine) -> bool:
    return isinstance(type_, mysql.BINARY) and type_.length == 16


def uuid_text_sql(expr: str) -> str:
    """BINARY(16) as the canonical 8-4-4-4-12 text (MariaDB has no BIN_TO_UUID)."""
    return (f"LOWER(INSERT(INSERT(INSERT(INSERT(HEX({expr}), 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), "
            f"24, 0, '-'))")


@dataclass(frozen=True)
class MySqlDialect(SqlDialect):
    def _block(self, comment: str, bodies: list[str]) -> list[str]:
        lead = [f"-- {comment}"] if comment else []
        return ["\n".join([*lead, "DELIMITER //", "\n\n".join(bodies), "DELIMITER ;"])]

    def render_trigger(self, spec: TriggerSpec) -> list[str]:
        bodies = []
        for event, body in spec.events.items():
            name = self.quote(self.trigger_names(replace(spec, events={event: body}))[0])
            lines = [f"  {line}" for text in body for line in text.splitlines()]
            bodies.append("\n".join([f"CREATE TRIGGER {name} {spec.timing.upper()} {event.upper()} ON "
                                     f"{self.quote(spec.table)} FOR EACH ROW", "BEGIN", *lines, "END//"]))
        return self._block(spec.comment, bodies)

    def trigger_names(self, spec: TriggerSpec) -> list[str]:
        return [self.fit(f"{spec.name}_{_EVENT_SUFFIX[e]}") for e in spec.events]

    def render_routine(self, spec: RoutineSpec) -> list[str]:
        params = ", ".join(f"IN {self.quote(n)} {t}" for n, t in spec.params)
        lines = [f"  {line}" for text in spec.body for line in text.splitlines()]
        body = "\n".join([f"CREATE PROCEDURE {self.quote(spec.name)}({params})", "SQL SECURITY DEFINER",
                          "BEGIN", *lines, "END//"])
        return self._block(spec.comment, [body])

    def raise_error(self, sqlstate: str, message: str) -> str:
        state, text = self.literal(sqlstate, sa.Text()), self.literal(message, sa.Text())
        return f"SIGNAL SQLSTATE {state} SET MESSAGE_TEXT = {text};"

    def assign(self, target: str, value: str) -> str:
        return f"SET {target} = {value};"

    def session_flag(self, name: str) -> str:
        return "@" + self.quote(self.fit(name))

    def clear_on_error(self, flag: str, body: list[str]) -> list[str]:
        handler = ["DECLARE EXIT HANDLER FOR SQLEXCEPTION", "BEGIN", f"  SET {flag} = NULL;", "  RESIGNAL;",
                   "END;"]
        return handler + body

    def row_json(self, row: str, columns: list[tuple[str, TypeEngine]]) -> str:
        pairs = ", ".join(f"{self.literal(name, sa.Text())}, {self._json_sql(f'{row}.{self.quote(name)}', t)}"
                          for name, t in columns)
        return f"JSON_OBJECT({pairs})"

    def _json_sql(self, expr: str, type_: TypeEngine) -> str:
        if _is_uuid(type_):
            return uuid_text_sql(expr)
        if isinstance(type_, sa.LargeBinary | mysql.LONGBLOB):
            return f"TO_BASE64({expr})"
        return expr

    def json_remove_keys(self, expr: str, keys: list[str]) -> str:
        paths = ", ".join(self.literal(f"$.{k}", sa.Text()) for k in keys)
        return f"JSON_REMOVE({expr}, {paths})"

    def uuid_literal(self, text: str) -> str:
        return f"UNHEX(REPLACE({self.literal(text, sa.Text())}, '-', ''))"

    def as_text(self, expr: str, type_: TypeEngine) -> str:
        if _is_uuid(type_):
            return uuid_text_sql(expr)
        # the collation of the columns it is compared with, whatever the session's is
        return f"CAST({expr} AS CHAR CHARACTER SET utf8mb4) COLLATE {COLLATION}"

    def key_text(self, expr: str, type_: TypeEngine) -> str:
        if isinstance(type_, sa.DateTime):  # as PostgreSQL writes it (the application stores UTC)
            return f"DATE_FORMAT({expr}, '%Y-%m-%dT%H:%i:%s.%fZ')"
        return self.as_text(expr, type_)

    def null_safe_equal(self, left: str, right: str) -> str:
        return f"{left} <=> {right}"

    def index_options(self, *, where: ColumnElement[bool] | None, include: list[str],
                      lengths: dict[str, int]) -> dict[str, Any]:
        return {"mysql_length": lengths} if lengths else {}

    def fulltext_index(self, name: str, table: sa.Table, columns: list[str],
                       where: ColumnElement[bool] | None = None) -> sa.Index:
        return sa.Index(name, *(table.c[c] for c in columns), mysql_prefix="FULLTEXT")

    def fulltext_match(self, columns: list[ColumnElement[Any]], param: ColumnElement[Any]) -> ColumnElement[bool]:
        return match(*columns, against=param).in_natural_language_mode()  # type: ignore[no-any-return]

    def json_object(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        args = [x for key, value in pairs for x in (sa.literal_column(self.literal(key, sa.Text())), value)]
        return sa.func.JSON_OBJECT(*args)

    def json_array(self, element: ColumnElement[Any], order_by: list[Any]) -> ColumnElement[Any]:
        return sa.func.coalesce(sa.func.JSON_ARRAYAGG(element), sa.func.JSON_ARRAY())

    def json_value(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if _is_uuid(column.type):
            return uuid_text_expr(column)
        return column

    def bucket_start(self, column: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """The bucket's first day from DATE(f) (the DATETIME(6) columns hold UTC), built from functions
        both MySQL 8 and MariaDB have: WEEKDAY() is 0 on Monday (ISO weeks), MAKEDATE(year, 1) is 1 January."""
        day = sa.func.date(column, type_=sa.Date())
        year = sa.func.makedate(sa.func.year(column), sa.literal_column("1"), type_=sa.Date())
        start = {
            "day": day,
            "week": _date_sub(day, sa.func.weekday(column)),
            "month": _date_sub(day, sa.func.dayofmonth(column) - sa.literal_column("1")),
            "quarter": _date_add(year, (sa.func.quarter(column) - sa.literal_column("1")) *
                                 sa.literal_column("3"), "MONTH"),
            "year": year,
        }[bucket]
        if isinstance(column.type, sa.DateTime):
            return sa.cast(start, column.type)
        return start

    def bucket_next(self, start: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """`DATE_ADD(start, INTERVAL 1 QUARTER)` (no time zone to mind: the columns hold UTC)."""
        return _date_add(start, sa.literal_column("1"), bucket.upper(), start.type)

    def purge(self, table: sa.Table, column: str, batch: int) -> Any:
        """`DELETE ... WHERE f < NOW(6) ORDER BY f LIMIT n` (a single-table DELETE takes ORDER BY/LIMIT)."""
        name, col = self.quote(table.name), self.quote(column)
        return sa.text(f"DELETE FROM {name} WHERE {col} < {self.now} ORDER BY {col} LIMIT {batch}")

    def list_param_type(self, element: TypeEngine) -> TypeEngine:
        return mysql.JSON()

    def in_list(self, column: ColumnElement[Any], param: Any) -> ColumnElement[bool]:
        """`column IN (the values of a JSON array parameter)`, through JSON_TABLE (MySQL 8, MariaDB 10.6)."""
        if _is_uuid(column.type):
            kind, value = "CHAR(36)", "UNHEX(REPLACE(jt.v, '-', ''))"
        elif isinstance(column.type, sa.String):  # compared in the column's own collation: its index serves
            collation = getattr(column.type, "collation", None) or COLLATION
            kind, value = self.type_sql(column.type), f"jt.v COLLATE {collation}"
        else:
            kind, value = self.type_sql(column.type), "jt.v"
        source = sa.text(f"SELECT {value} FROM JSON_TABLE(:{param.key}, '$[*]' COLUMNS (v {kind} PATH '$')) AS jt")
        return column.in_(source.bindparams(param).columns(sa.column("v")))

    def upsert(self, table: sa.Table, values: dict[str, Any], conflict: list[str],
               where: ColumnElement[bool] | None, update: list[str]) -> Any:
        stmt = mysql.insert(table).values(values)
        sets = {c: values[c] for c in update} or {conflict[-1]: table.c[conflict[-1]]}
        return stmt.on_duplicate_key_update(sets)


class _Interval(ColumnElement[Any]):
    """`INTERVAL <amount> <unit>`, the second argument of DATE_ADD/DATE_SUB."""

    inherit_cache = False

    def __init__(self, amount: Any, unit: str) -> None:
        self.amount, self.unit = amount, unit


@compiles(_Interval)
def _compile_interval(element: _Interval, compiler: Any, **kw: Any) -> str:
    return f"INTERVAL {compiler.process(element.amount, **kw)} {element.unit}"


def _date_add(start: Any, amount: Any, unit: str, type_: TypeEngine | None = None) -> ColumnElement[Any]:
    return sa.func.date_add(start, _Interval(amount, unit), type_=type_ if type_ is not None else sa.Date())


def _date_sub(start: Any, days: Any) -> ColumnElement[Any]:
    return sa.func.date_sub(start, _Interval(days, "DAY"), type_=sa.Date())


def uuid_text_expr(column: ColumnElement[Any]) -> ColumnElement[Any]:
    hexed: ColumnElement[Any] = sa.func.hex(column)
    for position in (9, 14, 19, 24):
        hexed = sa.func.insert(hexed, sa.literal_column(str(position)), sa.literal_column("0"),
                               sa.literal_column("'-'"))
    return sa.func.lower(hexed)


DIALECT = MySqlDialect(
    name="mysql",
    ddl_dialect=mysql.dialect(),
    query_dialect=mysql.dialect(paramstyle="pyformat"),
    types=MYSQL_TYPES,
    capabilities=CAPABILITIES,
    list_type=mysql_list_type,
    returning=False,
    self_updating_triggers=False,
    numbered_params=False,  # %(name)s
    ordered_json_agg=False,
    name_primary_key=False,
    row_value_keyset=False,
    nulls_sort_high=False,
    max_keys_per_table=64,  # ER 1069, measured on MariaDB 10.11: the primary key counts
    max_row_bytes=MYSQL_MAX_ROW_BYTES,  # ER 1118
    now="CURRENT_TIMESTAMP(6)",
    regex_op="REGEXP",
    text_default_as_expression=True,
    session_actor="@app_actor",
    title="MySQL 8.0+ and MariaDB 10.11+",
    header_notes=(
        "UUID keys are BINARY(16) without a default: the application supplies time-ordered UUIDv7 bytes",
        "(MariaDB rejects uuid_to_bin() defaults, and UUID()/uuid_to_bin(uuid(), 1) is version 1, not 7).",
        "DATETIME(6) columns hold UTC.",
        "The application's user gets SELECT, INSERT, UPDATE, DELETE table by table (on audit_log and the",
        "history tables SELECT only) and nothing more: no CREATE TEMPORARY TABLES (a session's temporary",
        "table hides the table of the same name, qualified or not, from the triggers too: audit_log,",
        "history tables, counted parents), no EXECUTE, no ALL. Triggers and procedures run as their definer.",
    ),
    audit_notes=("The audit log records the session's actor: SET @app_actor = '<user id>';",),
    privacy_notes=(
        "GDPR erasure: CALL erase_<entity>({args}) is for the privacy job's user only: GRANT EXECUTE ON",
        "PROCEDURE <database>.erase_<entity> TO that user (or to a role {role}). Each raises",
        "SQLSTATE P0002 when {rows} no such row.",
    ),
    tenant_notes=(
        "No row-level security: every generated statement filters by the tenant; hand-written SQL must too.",
    ),
    query_notes=(
        "Placeholders are %(name)s, PyMySQL's and mysqlclient's pyformat style: pass a dict (cursor.execute(sql,",
        "{'name': value})); a name may occur several times. Each params line names every parameter once, in the",
        "same order as the PostgreSQL statement's $1, $2, ... (a driver that takes only ? binds each occurrence",
        "in turn). NULL after a parameter's type means it may be NULL; list parameters are JSON arrays.",
    ),
    binary_collation="utf8mb4_bin",
    table_options={"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": COLLATION},
    partition_by_option="mysql_partition_by",
    partition_in_place=True,
)
