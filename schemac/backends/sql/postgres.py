"""PostgreSQL 15+: the dialect's data and procedural spelling (plpgsql), and its capabilities."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.schema import SetColumnComment, SetTableComment
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from schemac.backends.postgres.capabilities import CAPABILITIES
from schemac.backends.sql.dialect import NEW_ROWS, OLD_ROWS, CollationSpec, RoutineSpec, SqlDialect, TriggerSpec
from schemac.backends.sql.types import PG_CASE_INSENSITIVE, PG_TYPES, pg_list_type

UUID7_FUNCTION = """\
-- UUIDv7 (RFC 9562) for PostgreSQL < 18: 48 bits of Unix time in milliseconds, the version 7,
-- and the random bits of gen_random_uuid() (built in since PostgreSQL 13: no extension needed).
CREATE OR REPLACE FUNCTION uuid_generate_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(
      set_bit(
        overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                FROM 1 FOR 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;"""

UPDATED_AT_FUNCTION = """\
-- One trigger function for every table with an updated_at column.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;"""

# emails (SC-KEY-04): the collation PG_TYPES gives them, created before the tables
EMAIL_COLLATION = CollationSpec(
    PG_CASE_INSENSITIVE, provider="icu", locale="und-u-ks-level2", deterministic=False,
    comment=("Emails compare case-insensitively and accent-sensitively (SC-KEY-04); its equality is LEAKPROOF,",
             "so unique indexes on it serve lookups under row-level security (citext's would not)."))

TENANT_GUC = "app.tenant_id"
PREVIOUS_TENANT = "previous_tenant"  # the session's tenant, restored when an erasure routine returns
TENANT_SETTING = f"NULLIF(current_setting('{TENANT_GUC}', true), '')"
_TRANSITION = {"insert": f"NEW TABLE AS {NEW_ROWS}", "delete": f"OLD TABLE AS {OLD_ROWS}",
               "update": f"OLD TABLE AS {OLD_ROWS} NEW TABLE AS {NEW_ROWS}"}


_PG_STEP = {"day": "1 day", "week": "7 days", "month": "1 month", "quarter": "3 months", "year": "1 year"}


def _is_date(type_: TypeEngine) -> bool:
    return isinstance(type_, sa.Date) and not isinstance(type_, sa.DateTime)


def _indent(lines: tuple[str, ...] | list[str], depth: int) -> list[str]:
    pad = "  " * depth
    return [pad + line for text in lines for line in text.splitlines()]


@dataclass(frozen=True)
class PostgresDialect(SqlDialect):
    pg_version: int = 15

    def configured(self, options: Any) -> PostgresDialect:
        return replace(self, pg_version=int(getattr(options, "pg_version", 15)))

    def routine_prelude(self, *, uuid7: bool, updated_at: bool) -> list[str]:
        out = [UUID7_FUNCTION] if uuid7 and self.pg_version < 18 else []
        return out + ([UPDATED_AT_FUNCTION] if updated_at else [])

    def collations(self, types: list[TypeEngine]) -> list[CollationSpec]:
        used = any(getattr(t, "collation", None) == EMAIL_COLLATION.name for t in types)
        return [EMAIL_COLLATION] if used else []

    def render_collation(self, spec: CollationSpec) -> list[str]:
        options = (f"provider = {spec.provider}, locale = {self.literal(spec.locale, sa.Text())}, "
                   f"deterministic = {'true' if spec.deterministic else 'false'}")
        return ["\n".join([*(f"-- {line}" for line in spec.comment),
                           f"CREATE COLLATION IF NOT EXISTS {self.quote(spec.name)} ({options});"])]

    def uuid_default(self, version: str) -> str | None:
        if version == "uuid4":
            return "gen_random_uuid()"
        return "uuidv7()" if self.pg_version >= 18 else "uuid_generate_v7()"

    @property
    def search_path(self) -> str:
        """What SECURITY DEFINER routines resolve names through: the catalog, the schema, temp last."""
        return f"pg_catalog, {self.quote(self.schema)}, pg_temp"

    def updated_at_trigger(self, name: str, table: str, column: str, compared: list[str] | None = None) -> list[str]:
        changed = "OLD.* IS DISTINCT FROM NEW.*"
        if compared is not None:
            old, new = (", ".join(f"{row}.{self.quote(c)}" for c in compared) for row in ("OLD", "NEW"))
            changed = f"({old}) IS DISTINCT FROM ({new})"
        return [f"CREATE TRIGGER {self.quote(name)} BEFORE UPDATE ON {self.quote(table)}\n"
                f"  FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION set_updated_at();"]

    def role_statements(self, role: str) -> list[str]:
        return ["\n".join([f"-- {role}: the role that may run the erase_* functions (see the header).",
                           "DO $$", "BEGIN",
                           f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
                           f"{self.literal(role, sa.Text())}) THEN",
                           f"    CREATE ROLE {self.quote(role)} NOLOGIN;", "  END IF;", "END", "$$;"])]

    def raise_error(self, sqlstate: str, message: str) -> str:
        return (f"RAISE EXCEPTION USING ERRCODE = {self.literal(sqlstate, sa.Text())}, "
                f"MESSAGE = {self.literal(message, sa.Text())};")

    def render_trigger(self, spec: TriggerSpec) -> list[str]:
        branches: list[str] = []
        for i, (event, body) in enumerate(spec.events.items()):
            keyword = "IF" if i == 0 else "ELSIF"
            branches += [f"  {keyword} TG_OP = '{event.upper()}' THEN", *_indent(body, 2)]
        returns = "RETURN NULL;" if spec.timing == "after" else \
            "IF TG_OP = 'DELETE' THEN\n    RETURN OLD;\n  END IF;\n  RETURN NEW;"
        name, events = self.quote(spec.name), " OR ".join(e.upper() for e in spec.events)
        comment = [f"-- {spec.comment}"] if spec.comment else []
        # SECURITY DEFINER: the trigger writes audit_log, history tables and counters as the schema's
        # owner, so the application role needs (and should get) no write access to audit_log or history.
        function = "\n".join([*comment, f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger",
                              f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {self.search_path} AS $$",
                              "BEGIN", *branches, "  END IF;",
                              f"  {returns}", "END;", "$$;"])
        if spec.per == "statement":
            return [function, *self._statement_triggers(spec)]
        trigger = (f"CREATE TRIGGER {name} {spec.timing.upper()} {events} ON {self.quote(spec.table)}\n"
                   f"  FOR EACH ROW EXECUTE FUNCTION {name}();")
        return [function, trigger]

    def trigger_names(self, spec: TriggerSpec) -> list[str]:
        if spec.per == "statement":
            return [self._statement_trigger_name(spec, event) for event in spec.events]
        return [spec.name]

    def _statement_trigger_name(self, spec: TriggerSpec, event: str) -> str:
        return self.fit(f"{spec.name}_{event[:3]}")

    def _statement_triggers(self, spec: TriggerSpec) -> list[str]:
        """One trigger per event: PostgreSQL allows transition tables only on a single-event trigger."""
        out = []
        for event in spec.events:
            tables = _TRANSITION[event]
            name = self._statement_trigger_name(spec, event)
            out.append(f"CREATE TRIGGER {self.quote(name)} {spec.timing.upper()} {event.upper()} "
                       f"ON {self.quote(spec.table)}\n  REFERENCING {tables}\n"
                       f"  FOR EACH STATEMENT EXECUTE FUNCTION {self.quote(spec.name)}();")
        return out

    def render_routine(self, spec: RoutineSpec) -> list[str]:
        params = ", ".join(f"{self.quote(n)} {t}" for n, t in spec.params)
        comment = [f"-- {spec.comment}"] if spec.comment else []
        declare, enter, leave = self._tenant_scope(spec)
        function = "\n".join([*comment, f"CREATE OR REPLACE FUNCTION {self.quote(spec.name)}({params}) "
                              "RETURNS void", "LANGUAGE plpgsql SECURITY DEFINER",
                              f"SET search_path = {self.search_path}", "AS $$", *declare,
                              "BEGIN", *_indent([*enter, *spec.body, *leave], 1),
                              "END;", "$$;"])
        signature = f"{self.quote(spec.name)}({', '.join(t for _, t in spec.params)})"
        grants = [f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC;"]
        executor = self.routine_executor(spec)
        grants += [f"GRANT EXECUTE ON FUNCTION {signature} TO {self.quote(executor)};"] if executor else []
        return [function, *grants]

    def routine_executor(self, spec: RoutineSpec) -> str:
        return spec.executor

    def _tenant_scope(self, spec: RoutineSpec) -> tuple[list[str], list[str], list[str]]:
        """Row-level security sees the routine's tenant (FORCEd policies bind the owner too), whatever the
        session's, until the routine returns: the declarations, the first and the last statements.
        (A SET clause would restore it by itself, but a custom setting in one needs a superuser.)"""
        if not spec.tenant:
            return [], [], []
        return (["DECLARE", f"  {PREVIOUS_TENANT} text := current_setting('{TENANT_GUC}', true);"],
                [f"PERFORM set_config('{TENANT_GUC}', {self.quote(spec.tenant)}::text, true);"],
                [f"PERFORM set_config('{TENANT_GUC}', COALESCE({PREVIOUS_TENANT}, ''), true);"])

    def assign(self, target: str, value: str) -> str:
        return f"{target} := {value};"

    def row_json(self, row: str, columns: list[tuple[str, TypeEngine]]) -> str:
        return f"to_jsonb({row})"

    def json_remove_keys(self, expr: str, keys: list[str]) -> str:
        quoted = ", ".join(self.literal(k, sa.Text()) for k in keys)
        return f"{expr} - ARRAY[{quoted}]::text[]"

    def uuid_literal(self, text: str) -> str:
        return f"{self.literal(text, sa.Text())}::uuid"

    def as_text(self, expr: str, type_: TypeEngine) -> str:
        return f"{expr}::text"

    def key_text(self, expr: str, type_: TypeEngine) -> str:
        if isinstance(type_, sa.DateTime) and type_.timezone:  # the same text whatever the session's TimeZone
            return f"to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        return self.as_text(expr, type_)

    def null_safe_equal(self, left: str, right: str) -> str:
        return f"{left} IS NOT DISTINCT FROM {right}"

    def index_options(self, *, where: ColumnElement[bool] | None, include: list[str],
                      lengths: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if where is not None:
            out["postgresql_where"] = where
        if include:
            out["postgresql_include"] = include
        return out

    # what a full-text index covers and a full-text query searches (PostgreSQL only: MySQL lists columns)
    def fulltext_document(self, columns: list[ColumnElement[Any]]) -> ColumnElement[Any]:
        text: ColumnElement[Any] = columns[0]
        if len(columns) > 1:  # || is immutable (concat_ws is not): usable in an index expression
            parts = [sa.func.coalesce(c, sa.literal_column("''")) for c in columns]
            text = parts[0]
            for part in parts[1:]:
                text = text.op("||")(sa.literal_column("' '")).op("||")(part)
        return sa.func.to_tsvector(sa.text("'simple'"), text)

    def fulltext_index(self, name: str, table: sa.Table, columns: list[str],
                       where: ColumnElement[bool] | None = None) -> sa.Index:
        document = self.fulltext_document([table.c[c] for c in columns])
        options = {"postgresql_where": where} if where is not None else {}
        return sa.Index(name, document, postgresql_using="gin", **options)

    def fulltext_match(self, columns: list[ColumnElement[Any]], param: ColumnElement[Any]) -> ColumnElement[bool]:
        query = sa.func.plainto_tsquery(sa.text("'simple'"), param)
        return self.fulltext_document(columns).bool_op("@@")(query)

    def json_object(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        args = [x for key, value in pairs for x in (sa.literal_column(self.literal(key, sa.Text())), value)]
        return sa.func.json_build_object(*args)

    def json_array(self, element: ColumnElement[Any], order_by: list[Any]) -> ColumnElement[Any]:
        agg = sa.func.json_agg(aggregate_order_by(element, *order_by) if order_by else element)
        return sa.func.coalesce(agg, sa.literal_column("'[]'::json"))

    def sort_sentinel(self, type_: TypeEngine) -> str | None:
        """'infinity': PostgreSQL sorts NULL above every value, and so this (timestamps, dates, numerics)."""
        kinds = (sa.DateTime, sa.Date, sa.Numeric, sa.Float)
        return "'infinity'" if isinstance(type_, kinds) else None

    def list_param_type(self, element: TypeEngine) -> TypeEngine:
        return postgresql.ARRAY(element)

    def bucket_start(self, column: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """`date_trunc('quarter', f, 'UTC')`: truncated in UTC whatever the session's time zone (weeks
        start on Monday, ISO 8601); a date is truncated as a timestamp and cast back."""
        unit = sa.literal_column(f"'{bucket}'")
        if _is_date(column.type):
            plain = sa.cast(column, sa.DateTime())
            return sa.cast(sa.func.date_trunc(unit, plain, type_=sa.DateTime()), sa.Date())
        return sa.func.date_trunc(unit, column, sa.literal_column("'UTC'"), type_=column.type)

    def bucket_next(self, start: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """`start + interval '3 months'`, added in UTC (`AT TIME ZONE 'UTC'` on both sides: a month or a
        day added to a timestamptz in a session zone with daylight saving would move by an hour)."""
        step = sa.literal_column(f"interval '{_PG_STEP[bucket]}'")
        if _is_date(start.type):
            return sa.cast(start + step, sa.Date())
        utc = sa.literal_column("'UTC'")
        local = start.op("AT TIME ZONE")(utc)
        return sa.type_coerce((local + step).self_group().op("AT TIME ZONE")(utc), start.type)

    def purge(self, table: sa.Table, column: str, batch: int) -> Any:
        """`DELETE ... WHERE ctid IN (SELECT ctid ... LIMIT n)`: PostgreSQL's DELETE has no LIMIT."""
        ctid = sa.literal_column("ctid")
        expired = table.c[column] < sa.literal_column(self.now)
        inner = sa.select(ctid).select_from(table).where(expired).order_by(table.c[column]) \
            .limit(sa.literal_column(str(batch)))
        return sa.delete(table).where(ctid.in_(inner.scalar_subquery()))

    def in_list(self, column: ColumnElement[Any], param: Any) -> ColumnElement[bool]:
        return column == sa.any_(param)

    def upsert(self, table: sa.Table, values: dict[str, Any], conflict: list[str],
               where: ColumnElement[bool] | None, update: list[str]) -> Any:
        stmt = postgresql.insert(table).values(values)
        columns = update or conflict[-1:]
        return stmt.on_conflict_do_update(index_elements=conflict, index_where=where,
                                          set_={c: stmt.excluded[c] for c in columns})

    def tenant_policy(self, table: str, column: str, key_type: TypeEngine, name: str = "",
                      *, allow_null: bool = False) -> list[str]:
        t = self.quote(table)
        condition = f"{self.quote(column)} = {self.session_tenant}::{self.type_sql(key_type)}"
        check = f"{self.quote(column)} IS NULL OR {condition}" if allow_null else condition
        return [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;",
                f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY;",
                f"CREATE POLICY {self.quote(name or table + '_tenant_isolation')} ON {t}\n"
                f"  USING ({condition})\n  WITH CHECK ({check});"]

    def comment_statements(self, table: sa.Table) -> list[str]:
        elements: list[Any] = [SetTableComment(table)] if table.comment else []
        elements += [SetColumnComment(c) for c in table.columns if c.comment]
        return [self.compile_ddl(e) + ";" for e in elements]


DIALECT = PostgresDialect(
    name="postgres",
    ddl_dialect=postgresql.dialect(),
    query_dialect=postgresql.dialect(paramstyle="numeric_dollar"),
    types=PG_TYPES,
    capabilities=CAPABILITIES,
    list_type=pg_list_type,
    returning=True,
    self_updating_triggers=True,
    numbered_params=True,
    ordered_json_agg=True,
    name_primary_key=True,
    row_value_keyset=True,
    regex_collation='"C"',
    nulls_sort_high=True,
    now="now()",
    regex_op="~",
    text_default_as_expression=False,
    session_tenant=TENANT_SETTING,
    schema="public",
    partition_by_option="postgresql_partition_by",
    session_actor="NULLIF(current_setting('app.actor', true), '')",
    title="PostgreSQL 15+",
    header_notes=(
        "Roles: an owner that applies this file (and owns what it creates), the application's role (not a",
        "superuser, no BYPASSRLS, no CREATEROLE) granted SELECT, INSERT, UPDATE, DELETE on the tables it",
        "uses, and USAGE on their sequences. Triggers and routines run as the owner (SECURITY DEFINER) with",
        "search_path = pg_catalog, public, pg_temp and schema-qualified tables: a TEMP table cannot stand in.",
    ),
    audit_notes=("The audit log records the actor of each transaction: SET LOCAL app.actor = '<user id>';",
                 "grant the application role no INSERT, UPDATE or DELETE on audit_log, so it cannot rewrite",
                 "history: only the triggers and erase_* functions (run as the owner) write it."),
    privacy_notes=(
        "GDPR erasure: EXECUTE on the erase_<entity>({args}) functions is revoked from PUBLIC and",
        "granted to the role {role} only. This file creates that role (NOLOGIN) when it is missing,",
        "which needs CREATEROLE (or an administrator creates it first); then GRANT {role} TO <the",
        "privacy job's login>. Each raises SQLSTATE P0002 when {rows} no such row.",
    ),
    query_notes=(
        "Placeholders are $1, $2, ... in the order of each statement's params line (the tenant first);",
        "NULL after a parameter's type means it may be NULL.",
    ),
    tenant_notes=(
        "Row-level security: every transaction sets its tenant first, with SET LOCAL (or set_config with",
        "is_local true): BEGIN; SET LOCAL app.tenant_id = '<tenant id>'; ... COMMIT; Never a session-level",
        "SET: behind a connection pool, a request that forgets it would run as the previous request's",
        "tenant; with SET LOCAL it sees no rows. Policies are FORCEd, so they bind the tables' owner too;",
        "superusers and BYPASSRLS roles skip them: the application must connect as neither.",
        "A new tenant row is inserted by a transaction whose app.tenant_id is already the new row's id.",
    ),
)
