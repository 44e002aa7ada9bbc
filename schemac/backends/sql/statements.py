"""Named, parameterised statements in the sqlc convention, compiled by SQLAlchemy.

Each statement is written as

    -- name: StudentCourses :many
    -- <what it does>
    -- params: organization_id UUID, student_id UUID, after_created_at TIMESTAMP WITH TIME ZONE NULL
    SELECT ...;

The params line names each parameter once, in one order per pattern on every target: the tenant first,
then the others as the pattern declares them. PostgreSQL numbers them in that order (`$1, $2, ...`); MySQL
names them, `%(name)s` (the `pyformat` style of PyMySQL and mysqlclient: pass a dict; a name may occur
several times in the SQL). `NULL` marks a parameter that may be NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

from schemac.backends.sql.dialect import SqlDialect
from schemac.compiler.naming import pascal

PREFIX = "p_"  # bind names never equal a column name (SQLAlchemy reserves those in INSERT/UPDATE)
_NUMBERED = re.compile(r"\$(\d+)\b")
_NAMED = re.compile(r"%\(" + PREFIX + r"(\w+)\)s")


@dataclass
class Params:
    """The parameters of one statement: public name -> bind parameter, type and NULL-ability."""

    binds: dict[str, BindParameter[Any]] = field(default_factory=dict)
    nullable: set[str] = field(default_factory=set)
    first: str | None = None  # the tenant parameter, numbered first

    def get(self, name: str, type_: TypeEngine, *, nullable: bool = False) -> BindParameter[Any]:
        if name not in self.binds:
            self.binds[name] = sa.bindparam(PREFIX + name, type_=type_)
        if nullable:
            self.nullable.add(name)
        return self.binds[name]

    def tenant(self, name: str, type_: TypeEngine) -> BindParameter[Any]:
        self.first = name
        return self.get(name, type_)


@dataclass
class NamedStatement:
    name: str  # PascalCase
    kind: str  # :one :many :exec
    sql: str
    params: list[tuple[str, str]]  # (name, SQL type [NULL]) in placeholder order
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"-- name: {self.name} {self.kind}", *[f"-- {n}" for n in self.notes]]
        if self.params:
            lines.append("-- params: " + ", ".join([f"{n} {t}" for n, t in self.params]))
        return "\n".join(lines) + "\n" + self.sql + ";"


def statement_name(*parts: str) -> str:
    return "".join(pascal(p) if p[:1].islower() else p for p in parts)


def compile_statement(dialect: SqlDialect, stmt: Any, params: Params, name: str, kind: str,
                      notes: list[str]) -> NamedStatement:
    compiled = stmt.compile(dialect=dialect.query_dialect)
    sql = _tidy(str(compiled))
    if dialect.numbered_params:
        order = [key[len(PREFIX):] for key in (compiled.positiontup or [])]
        sql, order = _renumber(sql, order, list(params.binds), params.first)
    else:
        present = [key[len(PREFIX):] for key in compiled.binds]
        sql, order = _named(sql), _ordered(present, list(params.binds), params.first)
    typed = [(n, _type_text(dialect, params, n)) for n in order]
    return NamedStatement(name, kind, sql, typed, notes)


def _type_text(dialect: SqlDialect, params: Params, name: str) -> str:
    type_ = params.binds[name].type
    if getattr(type_, "collation", None):  # a column's collation is no part of the value the driver sends
        type_ = type_.copy()
        type_.collation = None  # type: ignore[attr-defined]
    type_sql = dialect.type_sql(type_).replace(", ", ",")
    return f"{type_sql} NULL" if name in params.nullable else type_sql


def _renumber(sql: str, order: list[str], declared: list[str], first: str | None) -> tuple[str, list[str]]:
    """Number `$n` so that the tenant parameter is `$1`, the others in the order they were declared."""
    unique = list(dict.fromkeys(order))
    wanted = _ordered(unique, declared, first)
    number = {n: i for i, n in enumerate(wanted, 1)}
    new_number = {i: number[n] for i, n in enumerate(unique, 1)}
    return _NUMBERED.sub(lambda m: f"${new_number[int(m.group(1))]}", sql), wanted


def _ordered(present: list[str], declared: list[str], first: str | None) -> list[str]:
    """The parameters of one statement in the pattern's order: the tenant, then as declared."""
    unique = list(dict.fromkeys(present))
    rank = {n: i for i, n in enumerate(declared)}
    rest = sorted((n for n in unique if n != first), key=lambda n: rank.get(n, len(rank)))
    return ([first] if first in unique else []) + rest


def _named(sql: str) -> str:
    """`%(p_name)s` -> `%(name)s`: the names of the params line."""
    return _NAMED.sub(r"%(\1)s", sql)


def _tidy(sql: str) -> str:
    return "\n".join([line.strip() for line in sql.strip().splitlines()])
