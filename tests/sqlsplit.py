"""Split a SQL script into single statements, for PostgreSQL and MySQL/MariaDB.

The drivers run one statement at a time (psycopg with parameters, PyMySQL always), so scripts that the
compiler emits are split here before they are applied. The splitter understands what decides where a
statement ends, and nothing more:

* string literals: ``'...'`` with ``''`` doubling; backslash escapes in MySQL strings and in PostgreSQL
  ``E'...'`` strings;
* quoted identifiers: ``"..."`` (a string in MySQL), and MySQL's backquoted ``\\`...\\```;
* comments: ``-- ...`` (in MySQL only when followed by white space), MySQL's ``# ...``, and ``/* ... */``
  (nested in PostgreSQL); MySQL's executable comments ``/*! ... */`` count as statement text;
* PostgreSQL dollar quoting: ``$$ ... $$`` and ``$tag$ ... $tag$``;
* PostgreSQL, as psql does: no split inside parentheses, nor inside a ``BEGIN ATOMIC ... END`` body;
* MySQL, as the ``mysql`` client does: the ``DELIMITER`` command, at the start of a line between
  statements (``DELIMITER //`` ... ``//`` ... ``DELIMITER ;``), for triggers and routines.

Statements come back as written, without their terminator and surrounding white space. A chunk holding
only comments and white space is dropped. An unterminated quote, comment or dollar-quoted body raises
:class:`SqlSplitError` instead of sending a truncated statement to a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Dialect = Literal["postgres", "mysql"]

__all__ = ["Dialect", "SqlSplitError", "Statement", "split_sql", "split_statements"]

_DIALECT_ALIASES: dict[str, Dialect] = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}

# An identifier or keyword. '$' may continue an identifier in both dialects (PostgreSQL: ``a$b``).
_WORD = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")
# A PostgreSQL dollar-quote opener: $$ or $tag$ (the tag cannot start with a digit: $1 is a parameter).
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")
_ROUTINE_LEAD_WORDS = frozenset({"create", "or", "replace", "function", "procedure"})
_DELIMITER_CMD = re.compile(r"[ \t]*delimiter(?=[ \t])[ \t]+([^\r\n]*)", re.IGNORECASE)


class SqlSplitError(ValueError):
    """The script cannot be split: an unterminated literal or comment, or a bad DELIMITER command."""


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text and the 1-based line on which that text starts."""

    text: str
    line: int


def split_sql(script: str, dialect: str) -> list[str]:
    """Return the statements of ``script`` as strings (see the module docstring)."""
    return [statement.text for statement in split_statements(script, dialect)]


def split_statements(script: str, dialect: str) -> list[Statement]:
    """Return the statements of ``script`` with the line each one starts on."""
    try:
        normalized = _DIALECT_ALIASES[dialect.lower()]
    except KeyError:
        raise ValueError(f"unknown SQL dialect {dialect!r}: use 'postgres' or 'mysql'") from None
    return _Splitter(script, normalized).run()


class _Splitter:
    def __init__(self, script: str, dialect: Dialect) -> None:
        self.s = script
        self.n = len(script)
        self.mysql = dialect == "mysql"
        self.delimiter = ";"
        self.out: list[Statement] = []
        self._reset(0)

    def _reset(self, start: int) -> None:
        self.start = start  # where the pending statement's text starts
        self.has_content = False  # anything but white space and comments since `start`
        self.paren_depth = 0  # PostgreSQL only
        self.begin_depth = 0  # PostgreSQL only: BEGIN ATOMIC / CASE ... END nesting
        self.lead_words: list[str] = []  # PostgreSQL only: the statement's first words, as psql keeps them

    def _line_of(self, pos: int) -> int:
        return self.s.count("\n", 0, pos) + 1

    def _emit(self, end: int) -> None:
        if self.has_content:
            raw = self.s[self.start : end]
            lead = len(raw) - len(raw.lstrip())
            self.out.append(Statement(text=raw.strip(), line=self._line_of(self.start + lead)))

    def run(self) -> list[Statement]:
        s, n = self.s, self.n
        i = 0
        while i < n:
            if self.mysql and not self.has_content and self._at_line_start(i):
                handled = self._try_delimiter_command(i)
                if handled is not None:
                    i = handled
                    self._reset(i)
                    continue
            if s.startswith(self.delimiter, i) and self._may_end_here():
                self._emit(i)
                i += len(self.delimiter)
                self._reset(i)
                continue
            c = s[i]
            if c.isspace():
                i += 1
            elif self._line_comment_starts(i):
                i = self._skip_to_eol(i)
            elif c == "/" and s.startswith("/*", i):
                if self.mysql and s.startswith("/*!", i):
                    self.has_content = True  # executable comment: real statement text
                i = self._skip_block_comment(i)
            elif c == "'":
                self.has_content = True
                i = self._skip_quoted(i, "'", backslash=self.mysql)
            elif c == '"':
                self.has_content = True
                i = self._skip_quoted(i, '"', backslash=self.mysql)
            elif c == "`" and self.mysql:
                self.has_content = True
                i = self._skip_quoted(i, "`", backslash=False)
            elif c == "$" and not self.mysql and (m := _DOLLAR_TAG.match(s, i)):
                self.has_content = True
                i = self._skip_dollar_quoted(i, m.group(0))
            elif (m := _WORD.match(s, i)) is not None:
                self.has_content = True
                i = self._word(m.group(0), m.end())
            else:
                self.has_content = True
                if not self.mysql:
                    if c == "(":
                        self.paren_depth += 1
                    elif c == ")" and self.paren_depth > 0:
                        self.paren_depth -= 1
                i += 1
        self._emit(n)
        return self.out

    # --- helpers -----------------------------------------------------------------------------------

    def _may_end_here(self) -> bool:
        if self.mysql:
            return True
        return self.paren_depth == 0 and self.begin_depth == 0

    def _at_line_start(self, i: int) -> bool:
        return i == 0 or self.s[i - 1] == "\n"

    def _try_delimiter_command(self, i: int) -> int | None:
        """At the start of a line between statements: handle ``DELIMITER x``; return the next index."""
        m = _DELIMITER_CMD.match(self.s, i)
        if m is None:
            return None
        arg = m.group(1).strip()
        if not arg:
            raise SqlSplitError(f"line {self._line_of(i)}: DELIMITER needs an argument")
        if arg[0] in "'\"`":
            close = arg.find(arg[0], 1)
            if close <= 1:
                raise SqlSplitError(f"line {self._line_of(i)}: bad DELIMITER argument {arg!r}")
            new = arg[1:close]
        else:
            new = arg.split()[0]
        if "\\" in new:
            raise SqlSplitError(f"line {self._line_of(i)}: DELIMITER cannot contain a backslash")
        self.delimiter = new
        end = m.end()
        if self.s.startswith("\r\n", end):
            return end + 2
        if end < self.n and self.s[end] == "\n":
            return end + 1
        return end

    def _line_comment_starts(self, i: int) -> bool:
        c = self.s[i]
        if c == "#":
            return self.mysql
        if c != "-" or not self.s.startswith("--", i):
            return False
        if not self.mysql:
            return True
        # MySQL: '--' starts a comment only when followed by white space, a control character or the end.
        nxt = i + 2
        return nxt >= self.n or self.s[nxt].isspace() or ord(self.s[nxt]) < 32

    def _skip_to_eol(self, i: int) -> int:
        end = self.s.find("\n", i)
        return self.n if end < 0 else end + 1

    def _skip_block_comment(self, i: int) -> int:
        start = i
        depth = 0
        s, n = self.s, self.n
        while i < n:
            if s.startswith("/*", i):
                depth += 1
                i += 2
                if self.mysql and depth > 1:
                    depth = 1  # MySQL does not nest block comments
            elif s.startswith("*/", i):
                depth -= 1
                i += 2
                if depth == 0:
                    return i
            else:
                i += 1
        raise SqlSplitError(f"line {self._line_of(start)}: unterminated /* comment")

    def _skip_quoted(self, i: int, quote: str, *, backslash: bool) -> int:
        start = i
        s, n = self.s, self.n
        i += 1
        while i < n:
            c = s[i]
            if backslash and c == "\\":
                i += 2
            elif c == quote:
                if i + 1 < n and s[i + 1] == quote:  # doubled quote
                    i += 2
                else:
                    return i + 1
            else:
                i += 1
        kind = {"'": "string literal", '"': "quoted identifier", "`": "quoted identifier"}[quote]
        raise SqlSplitError(f"line {self._line_of(start)}: unterminated {kind} (opened with {quote})")

    def _skip_dollar_quoted(self, i: int, tag: str) -> int:
        end = self.s.find(tag, i + len(tag))
        if end < 0:
            raise SqlSplitError(f"line {self._line_of(i)}: unterminated dollar-quoted string {tag}")
        return end + len(tag)

    def _word(self, word: str, end: int) -> int:
        """Account for a word; return the index after it (and after a string it prefixes)."""
        if self.mysql:
            # Like the mysql client, look for the delimiter at every character: 'END$$' ends with '$$'.
            return end - len(word) + 1
        lower = word.lower()
        # E'...' (and e'...'): a PostgreSQL string with backslash escapes.
        if lower == "e" and end < self.n and self.s[end] == "'":
            return self._skip_quoted(end, "'", backslash=True)
        # psql's heuristic (psqlscan.l): in CREATE [OR REPLACE] FUNCTION|PROCEDURE, outside parentheses,
        # BEGIN opens a block (BEGIN ATOMIC ... END), CASE nests inside one, and END closes one.
        if len(self.lead_words) < 4:
            self.lead_words.append(lower if lower in _ROUTINE_LEAD_WORDS else "")
        if self._in_routine_definition() and self.paren_depth == 0:
            if lower == "begin":
                self.begin_depth += 1
            elif lower == "case":
                if self.begin_depth >= 1:
                    self.begin_depth += 1
            elif lower == "end" and self.begin_depth > 0:
                self.begin_depth -= 1
        return end

    def _in_routine_definition(self) -> bool:
        w = self.lead_words + [""] * (4 - len(self.lead_words))
        if w[0] != "create":
            return False
        if w[1] in ("function", "procedure"):
            return True
        return w[1] == "or" and w[2] == "replace" and w[3] in ("function", "procedure")
