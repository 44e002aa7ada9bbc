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
from schemac.backends.sql.dialect import RoutineSpec, SqlDialect, TriggerSpec
from schemac.backends.sql.types import PG_TYPES, pg_list_type

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

TENANT_SETTING = "NULLIF(current_setting('app.tenant_id', true), '')"


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

    def uuid_default(self, version: str) -> str | None:
        if version == "uuid4":
            return "gen_random_uuid()"
        return "uuidv7()" if self.pg_version >= 18 else "uuid_generate_v7()"

    def updated_at_trigger(self, name: str, table: str, column: str) -> list[str]:
        return [f"CREATE TRIGGER {self.quote(name)} BEFORE UPDATE ON {self.quote(table)}\n"
                f"  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION set_updated_at();"]

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
                              "LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$",
                              "BEGIN", *branches, "  END IF;",
                              f"  {returns}", "END;", "$$;"])
        trigger = (f"CREATE TRIGGER {name} {spec.timing.upper()} {events} ON {self.quote(spec.table)}\n"
                   f"  FOR EACH ROW EXECUTE FUNCTION {name}();")
        return [function, trigger]

    def render_routine(self, spec: RoutineSpec) -> list[str]:
        params = ", ".join(f"{self.quote(n)} {t}" for n, t in spec.params)
        comment = [f"-- {spec.comment}"] if spec.comment else []
        return ["\n".join([*comment, f"CREATE OR REPLACE FUNCTION {self.quote(spec.name)}({params}) "
                           "RETURNS void", "LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$",
                           "BEGIN", *_indent(spec.body, 1),
                           "END;", "$$;"])]

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

    def list_param_type(self, element: TypeEngine) -> TypeEngine:
        return postgresql.ARRAY(element)

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
    identifier_in_bytes=True,
    returning=True,
    fk_actions_fire_triggers=True,
    self_updating_triggers=True,
    numbered_params=True,
    ordered_json_agg=True,
    name_primary_key=True,
    updated_at_by_column=False,
    nulls_sort_high=True,
    now="now()",
    regex_op="~",
    text_default_as_expression=False,
    session_tenant=TENANT_SETTING,
    schema="public",
    session_actor="NULLIF(current_setting('app.actor', true), '')",
    title="PostgreSQL 15+",
    audit_notes=("The audit log records the session's actor: SET app.actor = '<user id>';",
                 "Triggers and erase_* functions run as the schema's owner (SECURITY DEFINER): grant the",
                 "application role no INSERT, UPDATE or DELETE on audit_log, so it cannot rewrite history."),
    query_notes=(
        "Placeholders are $1, $2, ... in the order of each statement's params line (the tenant first);",
        "NULL after a parameter's type means it may be NULL.",
    ),
    tenant_notes=(
        "Row-level security: every session sets its tenant first, SET app.tenant_id = '<tenant id>';",
        "without it, tenant-scoped tables show no rows. Policies are FORCEd, so they bind the tables' owner",
        "too; superusers and BYPASSRLS roles skip them: the application must connect as neither.",
        "A new tenant row is inserted by a session whose app.tenant_id is already the new row's id.",
    ),
)
