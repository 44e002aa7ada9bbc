"""IR predicates with constant values -> SQLAlchemy conditions (partial indexes, filters, triggers).

Constants are rendered as literals, not parameters, so that a query's predicate matches a partial
index's predicate textually (the planner needs that to use the index).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql.dialect import SqlDialect
from schemac.compiler.model import Const, Predicate

_COMPARE = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


def literal(dialect: SqlDialect, value: object, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if value is None:
        return sa.null()
    return sa.literal_column(dialect.literal(value, column.type), column.type)


def const_condition(dialect: SqlDialect, column: ColumnElement[Any], pred: Predicate) -> ColumnElement[bool]:
    """`column <op> constant` for a predicate without parameters."""
    if pred.op == "is_null":
        return column.is_(None)
    if pred.op == "is_not_null":
        return column.is_not(None)
    value = pred.value.value if isinstance(pred.value, Const) else None
    if pred.op == "between":
        high = pred.value2.value if isinstance(pred.value2, Const) else None
        return column.between(literal(dialect, value, column), literal(dialect, high, column))
    if value is None and pred.op in ("=", "!="):
        return column.is_(None) if pred.op == "=" else column.is_not(None)
    return _COMPARE[pred.op](column, literal(dialect, value, column))  # type: ignore[no-any-return]


def row_condition(dialect: SqlDialect, row: str, column: str, type_: Any, pred: Predicate) -> str:
    """The predicate over a trigger row: `NEW.status = 'open'`."""
    ref = sa.literal_column(f"{row}.{dialect.quote(column)}", type_)
    return dialect.compile_expr(const_condition(dialect, ref, pred))
