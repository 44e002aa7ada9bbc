"""Tailored syntax errors for SQL habits in a query: `order by`, `sort`, `includes`, `group by`.

A syntax error on a line of a query block that opens a clause the SQL way gets "unknown clause `order by`;
did you mean `order`?" (SC0007) instead of Lark's "unexpected X" somewhere after it.
"""

from __future__ import annotations

import re

from schemac.diagnostics import Diagnostics, Span

# the SQL (or plural) spelling of a clause head -> the SDL clause
SQL_HABITS = {"order by": "order", "sort by": "order", "sort": "order", "group by": "group",
              "includes": "include", "including": "include", "limit to": "limit"}
_HABIT = re.compile(r"(?:^|[(,])[ \t]*(?P<habit>order[ \t]+by|sort[ \t]+by|group[ \t]+by|limit[ \t]+to|sort|includes|"
                    r"including)\b")
_DECL = re.compile(r"^[ \t]*(model|entity|type|query|write|action|import)\b", re.M)


def report_sql_habit(text: str, file: str, line: int, col: int, diags: Diagnostics) -> bool:
    """Report SC0007 when the error at (line, col) follows a SQL-style clause head on its line, inside a
    query; False when there is none (the caller reports the plain error)."""
    start = _line_start(text, line)
    if start is None or not _in_query(text, start):
        return False
    end = text.find("\n", start)
    source = text[start:] if end < 0 else text[start:end]
    habits = [m for m in _HABIT.finditer(source) if m.start("habit") < col]
    if not habits:
        return False
    m = habits[-1]  # the clause head nearest the error names the clause that failed
    habit = " ".join(m.group("habit").split())
    span = Span(file, line, m.start("habit") + 1, line, m.end("habit") + 1)
    diags.report("SC0007", span, kind="clause", name=habit, suggestion=SQL_HABITS[habit])
    return True


def _line_start(text: str, line: int) -> int | None:
    pos = 0
    for _ in range(line - 1):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return None
    return pos


def _in_query(text: str, pos: int) -> bool:
    """Whether the declaration that `pos` lies in (the last one starting before it) is a query."""
    last = None
    for m in _DECL.finditer(text, 0, pos + 1):
        last = m.group(1)
    return last == "query"
