"""The lint rule registry and what every rule gets: the model, the design (or None) and span helpers.

A rule is a function from a `Context` to `Finding`s, declared with `@rule(...)`: a stable code (SC03xx),
a kebab-case name, a default severity, a message template (registered in `schemac.diagnostics`, so a code
always reads the same way), a one-line rationale, the generic fix, and the ids of the same check in other
tools (`shared/reference/anchors-linters.md` §1A: D01-D25, then the tools' own ids).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from schemac.compiler.model import Entity, Field, FieldKind, FieldOrigin, Model, Query, Write
from schemac.diagnostics import Severity, Span, register, source_line

if TYPE_CHECKING:
    from schemac.catalog import Catalog
    from schemac.compiler.check.config import LintConfig
    from schemac.compiler.check.usage import Usage
    from schemac.compiler.design.model import Design


@dataclass(frozen=True)
class Finding:
    """One place a rule fires: the span at fault, the template's fields, and a specific fix."""

    span: Span | None
    fields: dict[str, object]
    help: str | None = None


Check = Callable[["Context"], Iterable[Finding]]


@dataclass(frozen=True)
class LintRule:
    code: str
    name: str
    severity: Severity
    template: str  # the message, formatted with a Finding's fields
    rationale: str  # one line: why it matters
    fix: str  # the generic fix (a finding's `help` is the specific one)
    references: tuple[str, ...]  # anchors-linters ids and other tools' ids for the same check
    needs_design: bool
    family: str  # the module that holds it
    needs_catalog: bool  # reads what a backend emitted (runs when a target is built)
    check: Check = field(repr=False, compare=False)

    @property
    def explanation(self) -> str:
        refs = "; ".join(self.references)
        return f"{self.rationale} Fix: {self.fix}" + (f" (Other tools: {refs}.)" if refs else "")


RULES: dict[str, LintRule] = {}

# The abbreviations used in `references` (shared/reference/anchors-linters.md §0-1, nosql-design-rules.md).
TOOLS = {
    "D": "schemac design-lint anchor, anchors-linters.md §1A",
    "sq": "squawk", "At": "Atlas migrate lint", "SM": "strong_migrations", "DML": "django-migration-linter",
    "sk": "skeema lint", "sl": "schemalint", "sc": "sqlcheck", "pgl": "pglinter",
    "wiki": "PostgreSQL wiki \"Don't Do This\"",
    "REL": "schemac relational design rule", "MDB": "schemac MongoDB design rule",
    "DDB": "schemac DynamoDB design rule", "DEC": "schemac decision-tree rule",
}


def expand_reference(ref: str) -> str:
    """`sk dupe-index` -> `skeema lint: dupe-index`; `D19` -> `D19 (schemac design-lint anchor ...)`."""
    if ref == "(original)":
        return "original to schemac: no other tool checks this"
    head, _, rest = ref.partition(" ")
    if re.fullmatch(r"D\d\d", head):
        return f"{ref} ({TOOLS['D']})"
    prefix = head.split("-")[0]
    if prefix in ("REL", "MDB", "DDB", "DEC"):
        return f"{ref} ({TOOLS[prefix]})"
    return f"{TOOLS[head]}: {rest}" if head in TOOLS and rest else ref


def rule(code: str, name: str, severity: Severity, *, template: str, rationale: str, fix: str,
         references: Iterable[str], needs_design: bool = False,
         needs_catalog: bool = False) -> Callable[[Check], Check]:
    """Declare a lint rule; the decorated function yields its findings."""

    def decorate(fn: Check) -> Check:
        if not re.fullmatch(r"SC03\d\d", code):
            raise ValueError(f"lint codes are SC0301-SC0399, not {code}")
        if code in RULES or any(r.name == name for r in RULES.values()):
            raise ValueError(f"lint rule {code} / {name} declared twice")
        family = fn.__module__.rsplit(".", 1)[-1]
        r = LintRule(code, name, severity, template, rationale, fix, tuple(references), needs_design, family,
                     needs_catalog, fn)
        RULES[code] = r
        register(code, severity, template, r.explanation)
        return fn

    return decorate


# -- the context every rule reads ------------------------------------------------------------------------


@dataclass
class Context:
    model: Model
    design: Design | None
    config: LintConfig
    sources: dict[str, str]
    reserved: Mapping[str, frozenset[str]] = field(default_factory=dict)  # target title -> reserved words
    catalog: Catalog | None = None  # what the target's backend emitted, when one was built

    @cached_property
    def usage(self) -> Usage:
        from schemac.compiler.check.usage import Usage

        return Usage(self.model)

    @cached_property
    def entities(self) -> dict[str, Entity]:
        return {e.name: e for e in self.model.entities}

    def user_entities(self) -> Iterator[Entity]:
        """Entities the user declared (not the junctions schemac adds for `Name[]`)."""
        return (e for e in self.model.entities if not e.junction)

    # spans ---------------------------------------------------------------------------------------------
    def line(self, file: str, line: int) -> str:
        text = self.sources.get(file)
        return (source_line(text, line) or "") if text is not None else ""

    def word_span(self, span: Span, word: str, *, lines: int = 1) -> Span:
        """The first whole-word occurrence of `word` at or after `span`'s start (within `lines` lines);
        `span`'s first line when the source is not at hand."""
        pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])")
        for offset in range(max(1, lines)):
            number = span.line + offset
            if number > span.end_line:
                break
            text = self.line(span.file, number)
            start = span.col - 1 if offset == 0 else 0
            m = pattern.search(text, start)
            if m:
                return Span(span.file, number, m.start() + 1, number, m.end() + 1)
        return self.first_line(span)

    def first_line(self, span: Span) -> Span:
        if span.end_line == span.line:
            return span
        text = self.line(span.file, span.line)
        end = len(text.rstrip()) + 1 if text else span.col + 1
        return Span(span.file, span.line, span.col, span.line, max(end, span.col + 1))

    def entity_span(self, e: Entity) -> Span:
        return self.word_span(e.span, e.name)

    def field_span(self, e: Entity, f: Field) -> Span:
        """The field's line; for a field schemac added, the entity's name."""
        added = f.origin in (FieldOrigin.TENANT, FieldOrigin.ID) and f.span.line == e.span.line
        if f.span == e.span or added:
            return self.entity_span(e)
        return self.first_line(f.span)

    def pattern_span(self, p: Query | Write) -> Span:
        return self.word_span(p.span, p.name)

    def clause_span(self, p: Query | Write, keyword: str) -> Span:
        """A clause keyword (`delete`, `order`, ...) starting a line or following `{` / `;` in a query or
        write block (so `include X (order ...)` or a field called `order` is not taken for the clause)."""
        s = p.span
        pattern = re.compile(rf"(?:^|[{{;])\s*({re.escape(keyword)})(?![\w])")
        for number in range(s.line, s.end_line + 1):
            m = pattern.search(self.line(s.file, number))
            if m:
                return Span(s.file, number, m.start(1) + 1, number, m.end(1) + 1)
        return self.word_span(s, keyword, lines=s.end_line - s.line + 1)

    def setting_span(self, key: str) -> Span | None:
        """The line of a model setting (`audit off`, `ids bigint`), or the model's name when not written."""
        s = self.model.settings.span
        if s is None:
            return None
        for number in range(s.line, s.end_line + 1):
            text = self.line(s.file, number)
            m = re.match(rf"\s*({re.escape(key)}\b.*?)\s*(//.*)?$", text)
            if m:
                return Span(s.file, number, m.start(1) + 1, number, m.end(1) + 1)
        return self.word_span(s, self.model.settings.name)

    # volumes -------------------------------------------------------------------------------------------
    def rows(self, entity: str) -> float | None:
        """Rows at the horizon, when the entity declares a volume."""
        e = self.entities.get(entity)
        if e is None or not e.volume.declared:
            return None
        return e.volume.at_horizon

    def per_parent(self, child: str, parent: str) -> float | None:
        """Average children per parent row at the horizon, when both volumes are declared."""
        c, p = self.rows(child), self.rows(parent)
        if c is None or not p:
            return None
        return c / p

    @property
    def horizon(self) -> str:
        months = self.model.settings.horizon_months
        if months % 12 == 0:
            years = int(months // 12)
            return f"{years} year{'s' if years != 1 else ''}"
        return f"{months:g} months"


# -- small helpers shared by the rule modules --------------------------------------------------------------


def declared(e: Entity) -> Iterator[Field]:
    """Fields the user wrote (not id, tenant, timestamps or junction references)."""
    return (f for f in e.fields if f.origin is FieldOrigin.DECLARED)


def scalar_kind(f: Field) -> str | None:
    return f.scalar.kind.value if f.kind is FieldKind.SCALAR and f.scalar else None


def describe_type(f: Field) -> str:
    if f.kind is FieldKind.SCALAR and f.scalar:
        if f.scalar.is_money:
            return "money"
        if f.scalar.kind.value == "string" and f.scalar.length:
            return f"string({f.scalar.length})"
        if f.scalar.kind.value == "enum":
            return f"enum({', '.join(f.scalar.values)})"
        return f.scalar.kind.value
    if f.kind is FieldKind.LIST and f.scalar:
        return f"list<{f.scalar.kind.value}>"
    return str(f.target)


def words(name: str) -> list[str]:
    """`watch_seconds` -> [watch, seconds]; `maxScore` -> [max, score]."""
    from schemac.compiler.naming import snake

    return [w for w in snake(name).split("_") if w]


def count(n: float) -> str:
    """5000000 -> 5,000,000; 2.5 -> 2.5."""
    return f"{n:,.0f}" if n >= 10 or float(n).is_integer() else f"{n:,.1f}"


def listing(items: Iterable[str], limit: int = 4) -> str:
    xs = list(items)
    if len(xs) <= limit:
        return ", ".join(xs)
    return ", ".join(xs[:limit]) + f" and {len(xs) - limit} more"
