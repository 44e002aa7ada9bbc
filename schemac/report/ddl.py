"""Read back what a SQL backend emitted: table, index and constraint names from `schema.sql`, and the
named statements of `queries.sql` (`-- name: StudentCourses :many`).

The report names the real objects (the index a pattern uses, the constraint to validate), so it reads them
from the emitted text instead of guessing the backend's naming scheme. This is a scanner for the DDL that
schemac's backends write, not a SQL parser: comments, string literals and routine bodies are masked out,
then statements are matched by shape. Dialect differences are data (`DIALECTS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_][\w$]*)'
QUALIFIED = rf"{IDENT}(?:\s*\.\s*{IDENT})?"


@dataclass(frozen=True)
class Dialect:
    """How one SQL dialect writes what the scanner needs."""

    backslash_escapes: bool = False  # '\'' inside string literals
    hash_comments: bool = False  # `# ...` to end of line
    dollar_quotes: bool = False  # $tag$ ... $tag$ bodies
    primary_key_name: str = "{table}_pkey"  # name of an unnamed primary key
    unique_name: str = "{table}_{columns}_key"  # name of an unnamed UNIQUE constraint


DIALECTS: dict[str, Dialect] = {
    "postgres": Dialect(dollar_quotes=True),
    "mysql": Dialect(backslash_escapes=True, hash_comments=True, primary_key_name="PRIMARY",
                     unique_name="{first}"),
}
GENERIC = Dialect()


@dataclass(frozen=True)
class DdlIndex:
    name: str
    table: str
    columns: tuple[str, ...]  # column names, or the expression text for an expression key part
    unique: bool = False
    primary: bool = False
    where: str = ""
    method: str = ""  # USING gin / FULLTEXT
    line: int = 0  # line of the statement in schema.sql
    key: str = ""  # the key list as written, without its parentheses: `a, b DESC`

    def identifiers(self, position: int) -> set[str]:
        """The plain identifiers in one key part (an expression names several)."""
        return set(re.findall(r"[A-Za-z_]\w*", self.columns[position].lower()))


@dataclass(frozen=True)
class DdlForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class DdlCheck:
    name: str
    table: str
    expression: str
    line: int = 0


@dataclass
class DdlTable:
    name: str
    line: int
    columns: dict[str, str] = field(default_factory=dict)  # name -> the rest of its definition
    generated: dict[str, str] = field(default_factory=dict)  # generated column -> STORED | VIRTUAL


@dataclass
class DdlCatalog:
    tables: dict[str, DdlTable] = field(default_factory=dict)
    indexes: list[DdlIndex] = field(default_factory=list)
    foreign_keys: list[DdlForeignKey] = field(default_factory=list)
    checks: list[DdlCheck] = field(default_factory=list)
    triggers: dict[str, list[str]] = field(default_factory=dict)  # table -> trigger names
    policies: dict[str, list[str]] = field(default_factory=dict)  # table -> RLS policy names
    settings: tuple[str, ...] = ()  # custom settings read with current_setting('...')
    _groups: dict[str, tuple[int, dict[str, list[Any]]]] = field(default_factory=dict, repr=False, compare=False)

    def indexes_on(self, table: str) -> list[DdlIndex]:
        return self._by_table("indexes").get(table, [])

    def foreign_keys_on(self, table: str) -> list[DdlForeignKey]:
        return self._by_table("foreign_keys").get(table, [])

    def checks_on(self, table: str) -> list[DdlCheck]:
        return self._by_table("checks").get(table, [])

    def primary_key(self, table: str) -> DdlIndex | None:
        return next((i for i in self.indexes_on(table) if i.primary), None)

    def _by_table(self, kind: str) -> dict[str, list[Any]]:
        """`indexes`, `foreign_keys` or `checks` grouped by table, in order; regrouped if the list grew."""
        items: list[Any] = getattr(self, kind)
        cached = self._groups.get(kind)
        if cached is None or cached[0] != len(items):
            groups: dict[str, list[Any]] = {}
            for item in items:
                groups.setdefault(item.table, []).append(item)
            cached = self._groups[kind] = (len(items), groups)
        return cached[1]


@dataclass(frozen=True)
class NamedStatement:
    name: str  # PascalCase, as written after `-- name:`
    kind: str  # :one, :many, :exec ...
    text: str  # the statement (with any comment lines that follow the name line)
    line: int


# -- masking and splitting --------------------------------------------------------------------------------


_MASK_START = re.compile(r"--|/\*|['\"`#$]")  # where a comment, a literal or a quoted name may begin
_DOLLAR_TAG = re.compile(r"\$(\w*)\$")


def mask(text: str, dialect: Dialect) -> str:
    """`text` with comments, string literal contents and dollar-quoted bodies replaced by spaces
    (newlines kept), so offsets and line numbers still match the original."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while (found := _MASK_START.search(text, i)) is not None:
        i = found.start()
        c = text[i]
        if text.startswith("--", i) or (dialect.hash_comments and c == "#"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif c == "'":
            j = i + 1
            while j < n:
                if dialect.backslash_escapes and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            blank(i + 1, j)
            i = j + 1
        elif c in '"`':
            end = text.find(c, i + 1)
            i = n if end < 0 else end + 1
        elif dialect.dollar_quotes and c == "$" and (m := _DOLLAR_TAG.match(text, i)):
            tag = m.group(0)
            end = text.find(tag, i + len(tag))
            end = n if end < 0 else end + len(tag)
            blank(i, end)
            i = end
        else:
            i += 1
    return "".join(out)


_DELIMITER = re.compile(r"[ \t]*DELIMITER[ \t]+(\S+)[ \t]*(?:\n|$)", re.IGNORECASE)


def statements(text: str, dialect: Dialect) -> list[tuple[int, str, str]]:
    """(line, masked statement, original statement) for each statement: terminated by `;`, or by the
    delimiter a MySQL client `DELIMITER //` line sets, until the next `DELIMITER` line."""
    masked = mask(text, dialect)
    out: list[tuple[int, str, str]] = []
    delimiter, start, i = ";", 0, 0
    counted = (0, 1)  # (offset, line number there): lines are counted on from the previous statement

    def emit(end: int) -> None:
        nonlocal counted
        chunk = masked[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            offset, line = counted
            line += masked.count("\n", offset, start + lead)
            counted = (start + lead, line)
            out.append((line, chunk.strip(), text[start + lead:end].rstrip()))

    n = len(text)
    while i < n:
        if i == 0 or text[i - 1] == "\n":
            m = _DELIMITER.match(text, i)
            if m:
                emit(i)
                delimiter = m.group(1)
                i = m.end()
                start = i
                continue
        newline = text.find("\n", i)
        next_line = n if newline < 0 else newline + 1
        found = masked.find(delimiter, i, next_line + len(delimiter) - 1)
        if 0 <= found < next_line:  # the delimiter ends a statement before the next line begins
            emit(found)
            i = found + len(delimiter)
            start = i
            continue
        i = next_line
    emit(n)
    return out


def unquote(name: str) -> str:
    """`"order"` -> `order`; `public.users` -> `users` (the schema is dropped)."""
    parts = re.findall(IDENT, name)
    last = parts[-1] if parts else name
    if last[:1] in '"`':
        last = last[1:-1].replace(last[0] * 2, last[0])
    return last


def balanced(text: str, start: int) -> int:
    """The index just past the parenthesis that closes the one at `start`."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def split_top(text: str, masked: str | None = None) -> list[str]:
    """Split on commas outside parentheses; `masked` (same length) hides commas in literals."""
    guide = text if masked is None else masked
    parts: list[str] = []
    depth, start = 0, 0
    for i, c in enumerate(guide):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return [p for p in parts if p]


def key_parts(text: str) -> tuple[str, ...]:
    """`(a, "b" DESC, (lower(c)))` -> (`a`, `b`, `lower(c)`)."""
    inner = text.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    out = []
    for part in split_top(inner):
        p = re.sub(r"(?i)\s+(ASC|DESC|NULLS\s+(FIRST|LAST)|COLLATE\s+\S+)\b.*$", "", part.strip())
        p = re.sub(r"\(\d+\)$", "", p.strip())  # MySQL prefix length
        if re.fullmatch(IDENT, p):
            out.append(unquote(p))
        else:
            out.append(p.strip("() ") if p.startswith("((") else p.strip())
    return tuple(out)


# -- schema.sql -------------------------------------------------------------------------------------------

_CREATE_INDEX = re.compile(
    rf"(?is)^CREATE\s+(?P<kind>UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(?:CONCURRENTLY\s+)?"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{IDENT})\s+ON\s+(?:ONLY\s+)?(?P<table>{QUALIFIED})\s*"
    rf"(?:USING\s+(?P<method>\w+)\s*)?(?P<rest>\(.*)$")
_CREATE_TABLE = re.compile(rf"(?is)^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>{QUALIFIED})"
                           r"\s*(?P<rest>\(.*)$")
_ALTER_ADD = re.compile(rf"(?is)^ALTER\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?P<table>{QUALIFIED})\s+"
                        r"ADD\s+(?P<rest>.*)$")
_TRIGGER = re.compile(rf"(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(?P<name>{IDENT})"
                      rf".*?\bON\s+(?P<table>{QUALIFIED})")
_POLICY = re.compile(rf"(?is)^CREATE\s+POLICY\s+(?P<name>{IDENT})\s+ON\s+(?P<table>{QUALIFIED})")


def parse_schema(text: str, dialect: Dialect = GENERIC) -> DdlCatalog:
    cat = DdlCatalog()
    for line, masked, original in statements(text, dialect):
        if m := _CREATE_TABLE.match(masked):
            table = unquote(m.group("table"))
            start = m.start("rest")
            body = original[start + 1:balanced(masked, start) - 1]
            _table_body(cat, table, line, body, dialect)
        elif m := _CREATE_INDEX.match(masked):
            _create_index(cat, m, original, line)
        elif m := _ALTER_ADD.match(masked):
            table = unquote(m.group("table"))
            rest = original[m.start("rest"):]
            for item in split_top(rest, mask(rest, dialect)):
                _table_item(cat, table, line, re.sub(r"(?is)^ADD\s+", "", item), dialect)
        elif m := _TRIGGER.match(masked):
            cat.triggers.setdefault(unquote(m.group("table")), []).append(unquote(m.group("name")))
        elif m := _POLICY.match(masked):
            cat.policies.setdefault(unquote(m.group("table")), []).append(unquote(m.group("name")))
    cat.settings = tuple(sorted(set(re.findall(r"current_setting\(\s*'([\w.]+)'", text))))
    return cat


def _create_index(cat: DdlCatalog, m: re.Match[str], original: str, line: int) -> None:
    rest_start = m.start("rest")
    end = balanced(original, rest_start)
    tail = original[end:]
    where = re.search(r"(?is)\bWHERE\s+(.*)$", tail)
    kind = (m.group("kind") or "").strip().lower()
    method = m.group("method") or (kind if kind != "unique" else "")
    cat.indexes.append(DdlIndex(
        name=unquote(m.group("name")), table=unquote(m.group("table")),
        columns=key_parts(original[rest_start:end]), unique=kind == "unique",
        where=" ".join(where.group(1).split()) if where else "", method=method.lower(), line=line,
        key=" ".join(original[rest_start + 1:end - 1].split())))


def _table_body(cat: DdlCatalog, table: str, line: int, body: str, dialect: Dialect) -> None:
    cat.tables[table] = DdlTable(table, line)
    for item in split_top(body, mask(body, dialect)):
        _table_item(cat, table, line, item, dialect)


_CONSTRAINT = re.compile(rf"(?is)^CONSTRAINT\s+(?P<name>{IDENT})\s+(?P<rest>.*)$")
_KEY = re.compile(rf"(?is)^(?P<kind>PRIMARY\s+KEY|UNIQUE(?:\s+NULLS\s+NOT\s+DISTINCT)?(?:\s+(?:KEY|INDEX))?|"
                  rf"(?:FULLTEXT\s+|SPATIAL\s+)?(?:KEY|INDEX))\s*(?P<name>{IDENT})?\s*(?P<rest>\(.*)$")
_FK = re.compile(rf"(?is)^FOREIGN\s+KEY\s*(?:{IDENT}\s*)?(?P<cols>\([^)]*\))\s*REFERENCES\s+"
                 rf"(?P<ref>{QUALIFIED})\s*(?P<refcols>\([^)]*\))?")
_CHECK = re.compile(r"(?is)^CHECK\s*(?P<rest>\(.*)$")
_COLUMN = re.compile(rf"(?is)^(?P<name>{IDENT})\s+(?P<rest>.*)$")


def _table_item(cat: DdlCatalog, table: str, line: int, item: str, dialect: Dialect) -> None:
    item = item.strip()
    name = ""
    if m := _CONSTRAINT.match(item):
        name, item = unquote(m.group("name")), m.group("rest").strip()
    if m := _KEY.match(item):
        kind = " ".join(m.group("kind").upper().split())
        end = balanced(item, m.start("rest"))
        cols = key_parts(item[m.start("rest"):end])
        name = name or (unquote(m.group("name")) if m.group("name") else "")
        primary = kind == "PRIMARY KEY"
        unique = primary or kind.startswith("UNIQUE")
        if not name:
            template = dialect.primary_key_name if primary else dialect.unique_name if unique else "{first}"
            name = template.format(table=table, columns="_".join(cols), first=cols[0] if cols else "")
        method = "fulltext" if kind.startswith("FULLTEXT") else ""
        key = " ".join(item[m.start("rest") + 1:end - 1].split())
        cat.indexes.append(DdlIndex(name, table, cols, unique=unique, primary=primary, method=method,
                                    line=line, key=key))
    elif m := _FK.match(item):
        ref_cols = key_parts(m.group("refcols")) if m.group("refcols") else ("id",)
        cat.foreign_keys.append(DdlForeignKey(name, table, key_parts(m.group("cols")),
                                              unquote(m.group("ref")), ref_cols, line))
    elif m := _CHECK.match(item):
        expr = item[m.start("rest"):balanced(item, m.start("rest"))]
        cat.checks.append(DdlCheck(name, table, " ".join(expr[1:-1].split()), line))
    elif (m := _COLUMN.match(item)) and table in cat.tables:
        col, rest = unquote(m.group("name")), m.group("rest")
        if re.match(r"(?i)(COLUMN\b)", col):
            return
        cat.tables[table].columns[col] = " ".join(rest.split())
        if gen := re.search(r"(?is)\bAS\s*\(.*\)\s*(STORED|VIRTUAL)\b", rest):
            cat.tables[table].generated[col] = gen.group(1).upper()
        if re.search(r"(?i)\bPRIMARY\s+KEY\b", rest):
            cat.indexes.append(DdlIndex(dialect.primary_key_name.format(table=table), table, (col,),
                                        unique=True, primary=True, line=line, key=col))
        if ref := re.search(rf"(?is)\bREFERENCES\s+(?P<ref>{QUALIFIED})\s*(?P<cols>\([^)]*\))?", rest):
            cols = key_parts(ref.group("cols")) if ref.group("cols") else ("id",)
            cat.foreign_keys.append(DdlForeignKey("", table, (col,), unquote(ref.group("ref")), cols, line))


# -- queries.sql ------------------------------------------------------------------------------------------

_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>\w+)\s*(?P<kind>:\w+)?", re.MULTILINE)


def parse_named(text: str) -> dict[str, NamedStatement]:
    """The `-- name: X :kind` blocks of a queries file, by name; each runs to the next name line."""
    out: dict[str, NamedStatement] = {}
    heads = list(_NAME_LINE.finditer(text))
    line, counted = 1, 0  # the line number at offset `counted`, counted on from one head to the next
    for i, m in enumerate(heads):
        line += text.count("\n", counted, m.start())
        counted = m.start()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[m.end():end].strip("\n")
        lines = body.splitlines()
        while lines and (not lines[-1].strip() or _is_separator(lines[-1])):
            lines.pop()
        out[m.group("name")] = NamedStatement(m.group("name"), (m.group("kind") or "").lstrip(":"),
                                              "\n".join(lines).strip("\n"), line)
    return out


def _is_separator(line: str) -> bool:
    """A comment line that belongs to the next block (a section header), not to this statement."""
    s = line.strip()
    return s.startswith("--") and not s.rstrip("-").strip("- ")
