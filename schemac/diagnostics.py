"""One registry of diagnostics: code -> severity, message template and explanation; Span-aware rendering.

Every phase reports through `Diagnostics.report(code, span, **fields)`; the message text comes from the
registry, so a code always reads the same way and tests can assert codes and spans, not wording.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Span:
    """A range in a source file: 1-based lines and columns, end exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    template: str
    explanation: str


def _rules(*rows: tuple[str, Severity, str, str]) -> dict[str, Rule]:
    return {code: Rule(code, sev, tpl, expl) for code, sev, tpl, expl in rows}


E, W = Severity.ERROR, Severity.WARNING

REGISTRY: dict[str, Rule] = _rules(
    # -- SC00xx: files and syntax --------------------------------------------------------------------
    ("SC0001", E, "unexpected character {char}",
     "The lexer met a character that starts no SDL token here."),
    ("SC0002", E, "unexpected {found}; expected {expected}",
     "The parser met a token that cannot continue the construct it is reading."),
    ("SC0003", E, "missing `}}`: the block opened here is not closed",
     "SDL blocks (model, entity, type, query, write, action) do not nest; each `{` needs its `}`."),
    ("SC0004", E, "unexpected end of file; expected {expected}",
     "The file ended in the middle of a construct."),
    ("SC0005", E, "cannot read {path}: {reason}",
     "An input or imported file does not exist or cannot be read as UTF-8 text."),
    ("SC0006", E, "import cycle: {cycle}",
     "Imported files must form a tree; a file may not import itself through others."),
    ("SC0007", E, "unknown {kind} `{name}`; did you mean `{suggestion}`?",
     "A keyword is misspelt."),
    ("SC0008", E, "invalid number `{text}`: {reason}",
     "Numbers are integers or decimals with an optional k, M or B suffix."),
    ("SC0009", E, "{path} is not UTF-8 text: byte 0x{byte} here does not belong to a UTF-8 character; save the "
                  "file as UTF-8",
     "SDL files are read as UTF-8 (a byte-order mark is allowed). A file saved in another encoding (Latin-1, "
     "Windows-1252, UTF-16) shows its first non-ASCII character as an invalid byte."),
    # -- SC01xx: names and references ----------------------------------------------------------------
    ("SC0101", E, "unknown type `{name}`{hint}",
     "A field's type is a built-in type, an entity (a reference) or a `type` value object."),
    ("SC0102", E, "unknown entity `{name}`{hint}",
     "Queries, writes, aggregates and the model's tenant name entities declared in the model."),
    ("SC0103", E, "duplicate {kind} `{name}` (first declared at {first})",
     "Entity, type, query, write and action names are unique across all files of a model."),
    ("SC0104", E, "duplicate field `{name}` in `{owner}` (first declared at {first})",
     "Field names are unique within an entity or type, including the fields schemac adds."),
    ("SC0105", E, "unknown field `{name}` in `{owner}`{hint}",
     "A unique, index, check, order, group, select, where or by list names a field the entity lacks."),
    ("SC0106", E, "`{name}` is not a reference, so the path cannot continue to `{next}`",
     "Each step of a path but the last must follow a many-to-one reference."),
    ("SC0107", E, "unknown model setting `{name}`{hint}",
     "The model block accepts tenant, ids, deletes, horizon, compliance and audit."),
    ("SC0108", E, "invalid value for `{name}`: {reason}",
     "A model setting has a value outside its allowed set."),
    ("SC0109", E, "{reason}",
     "A model has exactly one `model` block."),
    ("SC0110", E, "unknown attribute `@{name}`{hint}",
     "Field attributes: @pii @unique @index @owner @on_delete @doc @search; entity modifiers: "
     "@append_only @hard_delete @global @audited @versioned @table @collection @doc."),
    ("SC0111", E, "`@{name}` {reason}",
     "An attribute is used where it does not apply, or with wrong arguments."),
    ("SC0112", E, "unknown query `{name}` in action `{action}`{hint}",
     "An action lists queries declared in the model."),
    ("SC0113", E, "`{entity}` has no reference to `{parent}`{hint}",
     "A reverse relation (count(Child), include Child) needs a reference from the child to the parent."),
    ("SC0114", E,
     "`{entity}` references `{parent}` through several fields ({fields}); name one, as in `{example}`",
     "When an entity references the same parent twice, a reverse relation must name the field."),
    ("SC0115", E, "unknown relation `{name}` on `{entity}`{hint}",
     "An include names a reference of the entity or an entity that references it."),
    # -- SC02xx: meaning -------------------------------------------------------------------------------
    ("SC0201", E, "`check` on `{field}` needs a numeric field, but it is {type}",
     "Range and comparison checks apply to numbers, dates and timestamps; use `check (len <= n)` for text."),
    ("SC0202", E, "`{func}` cannot use `{field}`: it is {type}",
     "sum and avg aggregate numbers; min and max also accept dates, timestamps and text."),
    ("SC0203", E, "`or` is not allowed in a where clause: write two access patterns",
     "Each access pattern is one index path; an `or` would need two, so SDL asks for two patterns."),
    ("SC0204", E, "required `@owner` references form a cycle: {cycle}",
     "An owned child lives and dies with its parent; a cycle of required owners could never be inserted."),
    ("SC0205", E, "invalid default for `{field}`: {reason}",
     "A default is a literal of the field's type, an enum member, `now`, or a maintained aggregate."),
    ("SC0206", E, "invalid type `{type}`: {reason}",
     "A type's arguments are out of range or missing."),
    ("SC0207", E, "query `{query}`: {reason}",
     "A query is missing a clause it needs or uses one in a way that cannot be compiled."),
    ("SC0208", E, "write `{write}`: {reason}",
     "A write names one operation (insert, update, upsert or delete) on an entity."),
    ("SC0209", E, "invalid check: {reason}",
     "A check compares a field with a literal or another field of the same entity."),
    ("SC0210", E, "invalid {what}: {reason}",
     "A volume, size, rate or limit is malformed or out of range."),
    ("SC0211", E, "`{entity}` is @append_only and cannot be the target of {op}",
     "Append-only rows are never updated or deleted."),
    ("SC0212", W, "`@audited` on `{entity}` has no effect: the model does not declare `audit on`",
     "Auditing is switched on for the whole model with `audit on` in the model block."),
    ("SC0213", E, "`{entity}.{name}` cannot be compared with {value}",
     "A literal in a predicate must fit the field's type (an enum member, a number, a string, true/false)."),
    ("SC0214", E, "duplicate clause `{clause}` in {kind} `{name}`",
     "Each clause appears at most once in a query or write."),
    ("SC0215", W, "the model declares no entities: there is nothing to build",
     "A model with no `entity` declaration produces an empty schema; the file given may not be the model, or "
     "its entities may live in a file it does not import."),
    # -- SC0216-SC0229: draft 1.2 (§5.2): buckets, `from A | B`, partial writes, `@expires` --------------------
    ("SC0216", E, "`@expires` on `{entity}.{field}` needs a date or timestamp field, but it is {type}",
     "`@expires` names the instant after which a row is removed, so it goes on a `date` or `timestamp` field. "
     "An optional one is allowed: a row whose field is null never expires. "
     "Fix: move `@expires` to a date or timestamp field, or change the field's type."),
    ("SC0217", E, "`{entity}` marks a second field `@expires` (`{field}`; the first is `{first}`)",
     "An entity expires by one instant: at most one of its fields carries `@expires`. "
     "Fix: keep `@expires` on one field; compute the other deadline into it, or drop one."),
    ("SC0218", E, "`{bucket}({path})` needs a date or timestamp field, but `{entity}.{field}` is {type}",
     "A time bucket (day, week, month, quarter, year) groups instants; it applies to a `date` or `timestamp` "
     "field. Fix: bucket a date or timestamp field, or compare the field itself."),
    ("SC0219", E, "`{name}` is not a time bucket{hint}",
     "The functions allowed on a field in `where` and `group` are the time buckets day, week, month, quarter "
     "and year (weeks are ISO 8601, Monday first; buckets are in UTC). "
     "Fix: use one of day, week, month, quarter, year."),
    ("SC0220", E, "`{bucket}({path})` {reason}",
     "A bucket predicate compares the bucket with a parameter naming a bucket by its first instant: "
     "`quarter(placed_at) = ?` or `quarter(placed_at) between ? and ?`. Constant where clauses (volumes, "
     "partial keys, aggregates) take no buckets. "
     "Fix: write `= ?` (or `= :name`) or `between ? and ?`, or compare the field itself."),
    ("SC0221", E, "`{entity}` is listed twice in `from`",
     "`from A | B | C` reads each listed entity once. Fix: remove the repeated entity."),
    ("SC0222", E, "`{path}` is not a field of `{entity}`, which this `from` lists",
     "Every field or path a query over several entities names in `where`, `order`, `group` and `select` must "
     "exist in each listed entity. Fix: add the field to that entity, name a field all of them have, or drop "
     "the entity from `from`."),
    ("SC0223", E, "`{path}` is {type} in `{entity}` but {first_type} in `{first}`",
     "Each result of `from A | B` is one row shape: a field named by the query must have the same type in every "
     "listed entity (references to the same entity count as the same type; lengths and precisions may "
     "differ). Fix: give the fields one type, or name fields that agree."),
    ("SC0224", E, "`{op} {entity} ({field})`: `id` is the primary key and is never changed",
     "A partial write changes fields of rows it finds; the primary key identifies the row. "
     "Fix: remove `id` from the list (find the row with `by (id)`)."),
    ("SC0225", E, "`{op} {entity} ({field})`: `{field}` is maintained by schemac ({how})",
     "A field whose default is `count(...)`/`sum(...)` is kept up to date by the target; a write cannot set it. "
     "Fix: remove it from the list; write the rows it counts instead."),
    ("SC0226", E, "`{op} {entity} ({field})`: `{field}` is set by schemac ({how})",
     "created_at, updated_at, deleted_at, version and the tenant reference are maintained by the compiler: a "
     "partial write changes them as needed (updated_at, version) and never lists them. "
     "Fix: remove it from the list (delete a row with a `delete` write)."),
    ("SC0227", E, "`{op} {entity} (...)`: `{field}` is listed twice",
     "Each field of a partial write is listed once. Fix: remove the repetition."),
    ("SC0228", E, "`{op} {entity} ({fields})`: only update and upsert take a field list",
     "A field list makes an update or upsert partial; an insert writes a whole row and a delete removes it. "
     "Fix: remove the list, or make the write an `update`."),
    ("SC0229", E, "`upsert {entity} ({fields})` would insert a row without `{field}`, which is required and has "
     "no default",
     "The insert half of a partial upsert sets the listed fields and the `by` fields, and the rest from their "
     "defaults. Fix: list the field, give it a default, or make it optional."),
    # -- SC05xx: the command line (no span: they are about the invocation, not the model) --------------
    ("SC0501", E, "invalid configuration: {reason}",
     "The nearest schemac.toml or pyproject.toml [tool.schemac] table cannot be used: invalid TOML, an unknown "
     "rule or option, a level or threshold out of range, or an unknown target. The message names the file and "
     "the key."),
    ("SC0502", E, "usage: {reason}",
     "The command line cannot be run as given: a missing or unknown argument, an option value outside its "
     "choices, or a model path that is not a file. Machine-readable formats (--format json or sarif) report "
     "it as this diagnostic; the exit status is 2, as for every usage error."),
)

# Codes SC03xx (lint) and SC04xx (design/backends) are registered by their modules.


def register(code: str, severity: Severity, template: str, explanation: str) -> None:
    if code in REGISTRY and REGISTRY[code].template != template:
        raise ValueError(f"diagnostic code {code} registered twice")
    REGISTRY[code] = Rule(code, severity, template, explanation)


@dataclass(frozen=True, slots=True)
class Note:
    span: Span | None
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    notes: tuple[Note, ...] = ()
    help: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass
class Diagnostics:
    """A collector: phases report into it; the pipeline stops after a phase that reported errors."""

    items: list[Diagnostic] = field(default_factory=list)
    strict: bool = False

    def report(self, code: str, span: Span | None, *, notes: Iterable[Note] = (),
               help: str | None = None, severity: Severity | None = None, **fields: object) -> Diagnostic:
        rule = REGISTRY[code]
        sev = severity or rule.severity
        if self.strict and sev is Severity.WARNING:
            sev = Severity.ERROR
        diag = Diagnostic(code, sev, rule.template.format(**fields), span, tuple(notes), help)
        self.items.append(diag)
        return diag

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        """Add diagnostics reported elsewhere (design, backends, lint); a strict collector makes their
        warnings errors, as `report` does, so `--strict` means the same in every phase."""
        if self.strict:
            diags = (promote(d) for d in diags)
        self.items.extend(diags)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def promote(d: Diagnostic) -> Diagnostic:
    """The diagnostic as an error when it is a warning (for `--strict`)."""
    return replace(d, severity=Severity.ERROR) if d.severity is Severity.WARNING else d


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`; did you mean `x`?` for the closest candidate, or an empty string."""
    best = closest(name, candidates)
    return f"; did you mean `{best}`?" if best else ""


def closest(name: str, candidates: Iterable[str]) -> str | None:
    pool = list(candidates)
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not match:
        low = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        return lowered[low[0]] if low else None
    return match[0]


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    s = d.span
    return (s.file, s.line, s.col, d.code) if s else ("", 0, 0, d.code)


def render(diag: Diagnostic, sources: dict[str, str], *, max_line: int = 200) -> str:
    """`file:line:col: error[SC0101]: message`, the source line and a caret under the span."""
    head = f"{diag.severity.value}[{diag.code}]: {diag.message}"
    lines = [head]
    if diag.span is not None:
        lines = [f"{diag.span}: {head}", *_excerpt(diag.span, sources, max_line)]
    for note in diag.notes:
        if note.span is not None:
            lines.append(f"{note.span}: note: {note.message}")
            lines.extend(_excerpt(note.span, sources, max_line))
        else:
            lines.append(f"  = note: {note.message}")
    if diag.help:
        lines.append(f"  = help: {diag.help}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=16)
def _lines(text: str) -> tuple[str, ...]:
    return tuple(text.splitlines())


def source_line(text: str, number: int) -> str | None:
    """Line `number` (1-based) of `text`, None past its end. The lines of the last few texts are kept, so that
    rendering a thousand diagnostics of one big file splits it once, not a thousand times."""
    lines = _lines(text)
    return lines[number - 1] if 1 <= number <= len(lines) else None


def _excerpt(span: Span, sources: dict[str, str], max_line: int) -> list[str]:
    text = sources.get(span.file)
    source = source_line(text, span.line) if text is not None else None
    if source is None:
        return []
    line = source.expandtabs(1)[:max_line]
    width = (span.end_col - span.col) if span.end_line == span.line else len(line) - span.col + 1
    width = max(1, min(width, len(line) - span.col + 1 if len(line) >= span.col else 1))
    gutter = " " * len(str(span.line))
    return [f"{gutter} |", f"{span.line} | {line}", f"{gutter} | {' ' * (span.col - 1)}{'^' * width}"]
