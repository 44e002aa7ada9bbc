"""SQL column types: one TYPE_MAP per dialect, from every IR ScalarKind to a SQLAlchemy type.

A map entry is a function of the IR `Scalar` (length, precision, enum members), so `string(40)` becomes
`VARCHAR(40)`. `tests/test_sql_types.py` checks that every map covers every ScalarKind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import TypeEngine

from schemac.compiler.model import Scalar, ScalarKind

TypeFactory = Callable[[Scalar], TypeEngine]
TypeMap = Mapping[ScalarKind, TypeFactory]

MONEY_PRECISION, MONEY_SCALE = 19, 4
EMAIL_LENGTH = 320
# PostgreSQL: a nondeterministic ICU collation that ignores case but not accents (strength 2). Its equality
# is texteq, which is LEAKPROOF: under row-level security a unique index on it still serves lookups, which
# citext's and lower()'s comparisons (not LEAKPROOF) cannot.
PG_CASE_INSENSITIVE = "case_insensitive"
# MySQL: the bytes one character of a utf8mb4 column may take in an index key.
UTF8MB4_BYTES = 4


def _numeric(s: Scalar) -> TypeEngine:
    if s.is_money or s.precision is None:
        return sa.Numeric(s.precision or MONEY_PRECISION, s.scale if s.scale is not None else MONEY_SCALE)
    return sa.Numeric(s.precision, s.scale or 0)


def enum_length(s: Scalar) -> int:
    """The longest member: the VARCHAR length of an enum where the target stores it as text."""
    return max((len(v) for v in s.values), default=1)


PG_TYPES: TypeMap = {
    ScalarKind.UUID: lambda s: postgresql.UUID(),
    ScalarKind.STRING: lambda s: sa.String(s.length),
    ScalarKind.TEXT: lambda s: sa.Text(),
    ScalarKind.SMALLINT: lambda s: sa.SmallInteger(),
    ScalarKind.INT: lambda s: sa.Integer(),
    ScalarKind.BIGINT: lambda s: sa.BigInteger(),
    ScalarKind.DECIMAL: _numeric,
    ScalarKind.FLOAT: lambda s: sa.Double(),
    ScalarKind.BOOL: lambda s: sa.Boolean(),
    ScalarKind.DATE: lambda s: sa.Date(),
    ScalarKind.TIMESTAMP: lambda s: postgresql.TIMESTAMP(timezone=True),
    ScalarKind.JSON: lambda s: postgresql.JSONB(),
    ScalarKind.BYTES: lambda s: postgresql.BYTEA(),
    # case-insensitive, accent-sensitive (SC-KEY-04): the collation schema.sql creates first
    ScalarKind.EMAIL: lambda s: sa.String(s.length or EMAIL_LENGTH, collation=PG_CASE_INSENSITIVE),
    ScalarKind.URL: lambda s: sa.Text(),
    ScalarKind.ENUM: lambda s: sa.Text(),
}

MYSQL_TYPES: TypeMap = {
    ScalarKind.UUID: lambda s: mysql.BINARY(16),
    ScalarKind.STRING: lambda s: mysql.VARCHAR(s.length),
    ScalarKind.TEXT: lambda s: mysql.LONGTEXT(),
    ScalarKind.SMALLINT: lambda s: sa.SmallInteger(),
    ScalarKind.INT: lambda s: sa.Integer(),
    ScalarKind.BIGINT: lambda s: sa.BigInteger(),
    ScalarKind.DECIMAL: _numeric,
    ScalarKind.FLOAT: lambda s: mysql.DOUBLE(),
    ScalarKind.BOOL: lambda s: sa.Boolean(),
    ScalarKind.DATE: lambda s: sa.Date(),
    ScalarKind.TIMESTAMP: lambda s: mysql.DATETIME(fsp=6),
    ScalarKind.JSON: lambda s: mysql.JSON(),
    ScalarKind.BYTES: lambda s: mysql.LONGBLOB(),
    ScalarKind.EMAIL: lambda s: mysql.VARCHAR(s.length or EMAIL_LENGTH),
    ScalarKind.URL: lambda s: mysql.LONGTEXT(),
    ScalarKind.ENUM: lambda s: mysql.VARCHAR(enum_length(s)),
}


def pg_list_type(element: TypeEngine) -> TypeEngine:
    return postgresql.ARRAY(element)


def mysql_list_type(element: TypeEngine) -> TypeEngine:
    return mysql.JSON()


def is_unbounded_text(t: TypeEngine) -> bool:
    """TEXT/BLOB/JSON-like: MySQL needs a prefix length to index it and rejects literal defaults."""
    if isinstance(t, sa.JSON | sa.Text | sa.LargeBinary | mysql.LONGBLOB):
        return True
    return isinstance(t, sa.String) and t.length is None


def mysql_key_bytes(t: TypeEngine, prefix: int | None = None) -> int:
    """Bytes a column takes in an InnoDB index key (utf8mb4 text: 4 per character)."""
    if prefix is not None:
        return prefix * UTF8MB4_BYTES
    if isinstance(t, mysql.BINARY):
        return t.length or 1
    if isinstance(t, sa.String) and t.length is not None:
        return t.length * UTF8MB4_BYTES + 2
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float):
        return ((t.precision or 10) + 8) // 9 * 4 + 1
    sizes = ((sa.SmallInteger, 2), (sa.BigInteger, 8), (sa.Integer, 4), (sa.Boolean, 1), (sa.DateTime, 8),
             (sa.Date, 3), (sa.Float, 8), (sa.Double, 8))
    return next((n for cls, n in sizes if isinstance(t, cls)), 0)


MYSQL_MAX_ROW_BYTES = 65_535  # ER 1118: what a row's columns may take, BLOB/TEXT counted by their pointers
MYSQL_LOB_POINTER_BYTES = 12  # a TEXT/BLOB/JSON column's share of the row limit (9 to 12 bytes)


def mysql_row_bytes(t: TypeEngine) -> int:
    """Bytes a column counts towards MySQL's row-size limit: a VARCHAR its utf8mb4 maximum plus its length
    prefix, a TEXT/BLOB/JSON its pointer, fixed-width types their width."""
    if is_unbounded_text(t):
        return MYSQL_LOB_POINTER_BYTES
    if isinstance(t, sa.String) and not isinstance(t, mysql.BINARY) and t.length is not None:
        data = t.length * UTF8MB4_BYTES
        return data + (1 if data < 256 else 2)
    return mysql_key_bytes(t)
