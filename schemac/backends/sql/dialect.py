"""What differs between SQL dialects, as data (flags, tables, SQL snippets) and a few methods.

The shared core (tables, indexes, queries, trigger bodies) reads a `SqlDialect`; `postgres.py` and
`mysql.py` each define one. Nothing outside this package asks which target it is emitting for.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from schemac.backends.sql.naming import shorten
from schemac.backends.sql.types import TypeMap
from schemac.compiler.capabilities import Capabilities

# what a statement-level trigger calls the rows its statement inserted/deleted (transition tables)
NEW_ROWS, OLD_ROWS = "new_rows", "old_rows"


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger: per event (`insert`, `update`, `delete`) a list of statements in the dialect's
    procedural language. `timing` is `before` or `after`. A row trigger (`per="row"`) names the row
    `NEW`/`OLD`; a statement trigger (`per="statement"`, where the target has transition tables) reads all the
    statement's rows from the transition tables `NEW_ROWS`/`OLD_ROWS`."""

    name: str
    table: str
    timing: str
    events: Mapping[str, tuple[str, ...]]
    comment: str = ""
    per: str = "row"


@dataclass(frozen=True)
class RoutineSpec:
    """A stored routine with `(name, sql type)` parameters and a body of statements.

    `tenant` names the parameter holding the tenant the routine works in: where the dialect isolates
    tenants by a session setting, the routine's statements see that tenant, and only while it runs.
    `executor` is the one role that may run it (nothing is granted to PUBLIC)."""

    name: str
    params: tuple[tuple[str, str], ...]
    body: tuple[str, ...]
    comment: str = ""
    tenant: str = ""
    executor: str = ""
    entity: str = ""  # the IR entity it works on ("" for none)


@dataclass(frozen=True)
class PolicySpec:
    """A row-level security policy on one table (what `tenant_policy` creates, for the catalog)."""

    name: str
    table: str


@dataclass(frozen=True)
class CollationSpec:
    """A collation the schema creates for its column types (what `render_collation` spells)."""

    name: str
    provider: str  # icu, libc
    locale: str
    deterministic: bool = True
    comment: tuple[str, ...] = ()  # comment lines above the statement


@dataclass(frozen=True)
class StatisticsSpec:
    """Extended statistics on columns of one table (CREATE STATISTICS), for the catalog as for the script."""

    name: str
    table: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # ndistinct, dependencies, mcv


@dataclass(frozen=True)
class RoleSpec:
    """A role the schema creates when it is missing (what `role_statements` spells, for the catalog)."""

    name: str
    login: bool = False


@dataclass(frozen=True)
class SqlDialect(ABC):
    """Data that tells the shared SQL core how one dialect spells things."""

    name: str
    ddl_dialect: Dialect = field(repr=False)
    query_dialect: Dialect = field(repr=False)
    types: TypeMap = field(repr=False)
    list_type: Callable[[TypeEngine], TypeEngine] = field(repr=False)
    capabilities: Capabilities = field(repr=False)  # the limits below are read from it, never restated
    returning: bool  # INSERT/UPDATE ... RETURNING
    self_updating_triggers: bool  # a row trigger may update its own table
    numbered_params: bool  # $1, $2 (else one ? per occurrence)
    ordered_json_agg: bool  # an aggregate building a JSON array accepts ORDER BY
    name_primary_key: bool  # MySQL always names it PRIMARY
    nulls_sort_high: bool  # NULL sorts after every value in ascending order
    # `(a, id) < (?, ?)` bounds an index range scan (PostgreSQL); else the keyset is spelled out key by key
    # (MariaDB 10.11 reads a row comparison as a filter over the whole group: page 401 read 40,100 entries)
    row_value_keyset: bool
    now: str  # the current time as a column default and in statements
    regex_op: str
    text_default_as_expression: bool  # TEXT/JSON defaults only as DEFAULT (expr) (MySQL 8)
    title: str = ""  # e.g. "PostgreSQL 15+"
    header_notes: tuple[str, ...] = ()
    tenant_notes: tuple[str, ...] = ()
    audit_notes: tuple[str, ...] = ()
    # `compliance gdpr`: {role} is the privacy role, {args} the erasure's parameters, {rows} who has no row
    privacy_notes: tuple[str, ...] = ()
    query_notes: tuple[str, ...] = ()
    table_options: Mapping[str, Any] = field(default_factory=dict)
    session_tenant: str = ""  # SQL reading the session's tenant id ("" when the dialect has none)
    session_actor: str = "NULL"
    max_keys_per_table: int | None = None  # indexes per table, the primary key and unique constraints included
    max_row_bytes: int | None = None  # what a row's columns may take at most (TEXT/BLOB by their pointers)
    # the schema generated objects live in; routines name tables through it, so that a session's temporary
    # table of the same name cannot stand in for them ("" when the dialect does not qualify)
    schema: str = ""
    # the collation of opaque string keys (SC-KEY-03) where the table's compares case-insensitively
    binary_collation: str | None = None
    regex_collation: str | None = None  # for a regular expression over a column of a nondeterministic collation
    # the SQLAlchemy table option that spells PARTITION BY ("" when partitioning.sql is not written)
    partition_by_option: str = ""
    partition_in_place: bool = False  # ALTER TABLE ... PARTITION BY rebuilds a table in place (MySQL)

    # -- limits: the backend's capabilities are the one source ---------------------------------------------
    @property
    def max_identifier(self) -> int:
        return self.capabilities.max_identifier

    @property
    def identifier_in_bytes(self) -> bool:
        return self.capabilities.identifier_in_bytes

    def fit(self, name: str) -> str:
        """`name` shortened (with a hash) to the target's identifier limit."""
        return shorten(name, self.max_identifier, in_bytes=self.identifier_in_bytes)

    @property
    def partial_indexes(self) -> bool:
        return self.capabilities.partial_indexes

    @property
    def include_columns(self) -> bool:
        return self.capabilities.include_columns

    @property
    def row_level_security(self) -> bool:
        return self.capabilities.row_level_security

    @property
    def set_null_columns(self) -> bool:  # ON DELETE SET NULL (col, ...) (PostgreSQL 15+)
        return self.capabilities.fk_set_null_columns

    @property
    def max_index_columns(self) -> int:
        return self.capabilities.max_index_columns

    @property
    def max_key_bytes(self) -> int | None:
        return self.capabilities.max_key_bytes

    @property
    def fulltext_under_rls(self) -> bool:  # a full-text match can use its index under RLS (LEAKPROOF)
        return self.capabilities.fulltext_under_rls

    @property
    def updated_at_by_column(self) -> bool:  # ON UPDATE CURRENT_TIMESTAMP(6) instead of a trigger
        return self.capabilities.updated_at_by_column

    @property
    def fk_actions_fire_triggers(self) -> bool:  # rows changed by ON DELETE CASCADE / SET NULL fire triggers
        return self.capabilities.fk_actions_fire_triggers

    def configured(self, options: Any) -> SqlDialect:
        """This dialect adjusted to the build options (e.g. the PostgreSQL version)."""
        return replace(self)

    def schema_header(self, model: Any) -> list[str]:
        notes = list(self.header_notes) + (list(self.tenant_notes) if model.settings.tenant else [])
        notes += list(self.audit_notes) if model.settings.audit else []
        if model.settings.compliance == "gdpr":
            tenant = model.settings.tenant is not None
            words = {"role": self.privacy_role(model), "args": "tenant, id" if tenant else "id",
                     "rows": "the given tenant has" if tenant else "the table has"}
            notes += [line.format(**words) for line in self.privacy_notes]
        return [f"-- {model.settings.name}: schema for {self.title}. Generated by schemac; do not edit.",
                *(f"-- {line}" for line in notes)]

    def privacy_role(self, model: Any) -> str:
        """The role that may run the erasure routines (and nothing else of the schema's)."""
        return self.fit(f"{model.settings.name}_privacy")

    # names --------------------------------------------------------------------------------------------
    def quote(self, name: str) -> str:
        return self.ddl_dialect.identifier_preparer.quote(name)

    def table_ref(self, name: str) -> str:
        """A table as routines and triggers name it: schema-qualified where the dialect has a schema."""
        return f"{self.quote(self.schema)}.{self.quote(name)}" if self.schema else self.quote(name)

    def literal(self, value: object, type_: TypeEngine | None = None) -> str:
        """A SQL literal for `value`, rendered by SQLAlchemy."""
        expr = sa.literal(value, type_) if type_ is not None else sa.literal(value)
        return str(expr.compile(dialect=self.ddl_dialect, compile_kwargs={"literal_binds": True}))

    def type_sql(self, type_: TypeEngine) -> str:
        return str(self.ddl_dialect.type_compiler_instance.process(type_))

    def compile_ddl(self, element: Any) -> str:
        return str(element.compile(dialect=self.ddl_dialect)).strip()

    def compile_expr(self, expr: ColumnElement[Any]) -> str:
        return str(expr.compile(dialect=self.ddl_dialect, compile_kwargs={"literal_binds": True}))

    # procedural code, overridden per dialect -------------------------------------------------------------
    def routine_prelude(self, *, uuid7: bool, updated_at: bool) -> list[str]:
        """Helper functions placed before the tables: a UUIDv7 generator, the updated_at trigger."""
        return []

    def collations(self, types: list[TypeEngine]) -> list[CollationSpec]:
        """The collations the column types need that the schema creates before the tables (PostgreSQL: the
        email collation)."""
        return []

    def render_collation(self, spec: CollationSpec) -> list[str]:
        """The statements creating `spec`."""
        return []

    def uuid_default(self, version: str) -> str | None:
        """The column default for a uuid primary key (`uuid7`/`uuid4`), None if the app supplies it."""
        return None

    @abstractmethod
    def render_trigger(self, spec: TriggerSpec) -> list[str]:
        ...

    @abstractmethod
    def render_routine(self, spec: RoutineSpec) -> list[str]:
        ...

    def routine_executor(self, spec: RoutineSpec) -> str:
        """The role `render_routine(spec)` grants EXECUTE to ("" where the script grants nothing)."""
        return ""

    def role_statements(self, role: str) -> list[str]:
        """Statements that make `role` exist, if the dialect creates roles in the schema ([] if not)."""
        return []

    @abstractmethod
    def raise_error(self, sqlstate: str, message: str) -> str:
        """A statement of a routine body that aborts with `sqlstate` and `message`."""
        ...

    @abstractmethod
    def assign(self, target: str, value: str) -> str:
        """Assign to a row field or variable inside a trigger body."""
        ...

    def session_flag(self, name: str) -> str:
        """A session variable that trigger bodies set and read. Only the cascade-by-trigger code asks for it,
        on targets whose foreign-key actions fire no triggers (`fk_actions_fire_triggers=False`)."""
        raise AssertionError(f"{type(self).__name__} does not cascade deletes by trigger")

    def clear_on_error(self, flag: str, body: list[str]) -> list[str]:
        """`body`, with `flag` set back to NULL if one of its statements fails (the error is raised again).
        Only for the cascade-by-trigger code, like `session_flag`."""
        raise AssertionError(f"{type(self).__name__} does not cascade deletes by trigger")

    @abstractmethod
    def row_json(self, row: str, columns: list[tuple[str, TypeEngine]]) -> str:
        """A JSON object of the columns of `row` (NEW or OLD)."""
        ...

    @abstractmethod
    def json_remove_keys(self, expr: str, keys: list[str]) -> str:
        ...

    @abstractmethod
    def uuid_literal(self, text: str) -> str:
        ...

    @abstractmethod
    def as_text(self, expr: str, type_: TypeEngine) -> str:
        """A value as text (audit row ids)."""
        ...

    @abstractmethod
    def key_text(self, expr: str, type_: TypeEngine) -> str:
        """One column of a composite key as text, the same on every target and session (a natural key's
        audit row id, SC-KEY-05): times in UTC as 2026-03-01T12:00:00.000000Z."""
        ...

    @abstractmethod
    def index_options(self, *, where: ColumnElement[bool] | None, include: list[str],
                      lengths: dict[str, int]) -> dict[str, Any]:
        """SQLAlchemy Index keyword arguments for a partial predicate, covering columns, prefixes."""
        ...

    @abstractmethod
    def fulltext_index(self, name: str, table: sa.Table, columns: list[str],
                       where: ColumnElement[bool] | None = None) -> sa.Index:
        ...

    @abstractmethod
    def fulltext_match(self, columns: list[ColumnElement[Any]], param: ColumnElement[Any]) -> ColumnElement[bool]:
        ...

    @abstractmethod
    def null_safe_equal(self, left: str, right: str) -> str:
        ...

    def sort_sentinel(self, type_: TypeEngine) -> str | None:
        """A literal that sorts where NULL does, for an index on `COALESCE(column, sentinel)` that a keyset
        over a NULL-able sort key can bound (None: no such value, or no expression indexes)."""
        return None

    # queries -----------------------------------------------------------------------------------------
    @abstractmethod
    def json_object(self, pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        ...

    @abstractmethod
    def json_array(self, element: ColumnElement[Any], order_by: list[Any]) -> ColumnElement[Any]:
        """An aggregate: the JSON array of `element` over the rows (`[]` when there are none)."""
        ...

    def json_value(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A column as it should appear inside a JSON document."""
        return column

    @abstractmethod
    def list_param_type(self, element: TypeEngine) -> TypeEngine:
        ...

    @abstractmethod
    def in_list(self, column: ColumnElement[Any], param: Any) -> ColumnElement[bool]:
        """`column` is one of the values of a list parameter."""
        ...

    @abstractmethod
    def upsert(self, table: sa.Table, values: dict[str, Any], conflict: list[str],
               where: ColumnElement[bool] | None, update: list[str]) -> Any:
        """INSERT that updates `update` columns when a row with the same `conflict` key exists."""
        ...

    def trigger_names(self, spec: TriggerSpec) -> list[str]:
        """The names of the triggers `render_trigger(spec)` creates (one per event where a trigger has one
        event only)."""
        return [spec.name]

    def finish_script(self, statements: list[str]) -> str:
        """Join statements into a script; each already carries its own terminator."""
        return "\n\n".join(statements) + "\n"

    def tenant_policy(self, table: str, column: str, key_type: TypeEngine, name: str = "",
                      *, allow_null: bool = False) -> list[str]:
        """Row-level security statements for one tenant-scoped table ([] where unsupported)."""
        return []

    def comment_statements(self, table: sa.Table) -> list[str]:
        """COMMENT statements where comments are not part of CREATE TABLE."""
        return []

    @abstractmethod
    def bucket_start(self, column: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """The first instant (UTC) of the `bucket` (day, ISO week, month, quarter, year) holding `column`,
        typed like the column (a date stays a date)."""

    @abstractmethod
    def bucket_next(self, start: ColumnElement[Any], bucket: str) -> ColumnElement[Any]:
        """The first instant of the bucket after the one starting at `start` (the exclusive end of a
        half-open range `column >= start AND column < next`, which an index on the plain column serves)."""

    @abstractmethod
    def purge(self, table: sa.Table, column: str, batch: int) -> Any:
        """One batch of an expiry purge: delete at most `batch` rows whose `column` has passed."""

    def updated_at_trigger(self, name: str, table: str, column: str, compared: list[str] | None = None) -> list[str]:
        """Statements that keep `column` at the time of the last update ([] when the column does it).
        `compared`: the columns whose change counts as an edit (None: all of them)."""
        return []
