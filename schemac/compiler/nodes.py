"""The syntax tree: what a file says, before names are resolved. Frozen dataclasses carrying a Span."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from schemac.diagnostics import Span


@dataclass(frozen=True, slots=True)
class Name:
    text: str
    span: Span


MAX_NUMBER = 2**63 - 1  # the largest value any target stores (bigint); beyond it a literal is an error
_SUFFIX = {"k": 10**3, "M": 10**6, "B": 10**9}


def number_value(text: str) -> int | float | None:
    """The value of a number token (`100k`, `1.5B`, `-3`, `0.25`): an exact int when it is whole, None when
    it is beyond MAX_NUMBER."""
    mult = _SUFFIX.get(text[-1], 1)
    body = text[:-1] if mult != 1 else text
    if "." in body:
        exact = Decimal(body) * mult
        value: int | float = int(exact) if exact == exact.to_integral_value() else float(exact)
    else:
        value = int(body) * mult
    return value if abs(value) <= MAX_NUMBER else None


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float
    text: str
    span: Span

    @property
    def is_integer(self) -> bool:
        return isinstance(self.value, int)


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span


Literal = Number | String | Name


@dataclass(frozen=True, slots=True)
class Path:
    steps: tuple[Name, ...]
    span: Span

    @property
    def text(self) -> str:
        return ".".join(s.text for s in self.steps)


@dataclass(frozen=True, slots=True)
class BucketCall:
    """`quarter(placed_at)`: a function of one path. Which names are buckets is decided by resolution (a
    field may be called `day` or `month`)."""

    func: Name
    path: Path
    span: Span


@dataclass(frozen=True, slots=True)
class Param:
    name: str | None  # None for `?`, the name for `:name`
    span: Span


Value = Param | Literal


@dataclass(frozen=True, slots=True)
class Predicate:
    path: Path
    op: str  # = != < <= > >= in between is_null is_not_null match
    value: Value | None
    value2: Value | None
    span: Span
    bucket: Name | None = None  # `quarter(placed_at) = ?`: the function applied to `path`


@dataclass(frozen=True, slots=True)
class Where:
    predicates: tuple[Predicate, ...]
    or_spans: tuple[Span, ...]  # each `or`: an error reported by resolve
    span: Span


@dataclass(frozen=True, slots=True)
class Attribute:
    name: Name
    args: tuple[Literal, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TypeExpr:
    name: Name
    args: tuple[Number | Name, ...]
    generic: TypeExpr | None
    many: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    func: Name
    path: Path
    where: Where | None
    span: Span


@dataclass(frozen=True, slots=True)
class CheckTerm:
    kind: str  # range | self | compare
    op: str | None
    left: Literal | Path | None
    right: Literal | Path | None
    span: Span


@dataclass(frozen=True, slots=True)
class Check:
    terms: tuple[CheckTerm, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: Name
    type: TypeExpr
    optional: bool
    default: Literal | Aggregate | None
    check: Check | None
    attributes: tuple[Attribute, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class KeyItem:
    path: Path
    direction: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class KeyLine:
    kind: str  # unique | index
    keys: tuple[KeyItem, ...]
    where: Where | None
    span: Span


@dataclass(frozen=True, slots=True)
class VolumeLine:
    count: Number
    unit: Name | None  # per-unit for growth-only volumes (`50k/month`)
    growth: tuple[Number, Name] | None  # `+ N/month`
    where: Where | None
    span: Span


@dataclass(frozen=True, slots=True)
class SizeLine:
    amount: Number
    unit: Name
    span: Span


@dataclass(frozen=True, slots=True)
class EntityDecl:
    name: Name
    attributes: tuple[Attribute, ...]
    fields: tuple[FieldDecl, ...]
    keys: tuple[KeyLine, ...]
    checks: tuple[Check, ...]
    volumes: tuple[VolumeLine, ...]
    sizes: tuple[SizeLine, ...]
    is_type: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Setting:
    name: Name
    values: tuple[Literal, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ModelDecl:
    name: Name
    settings: tuple[Setting, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ImportDecl:
    path: String
    span: Span


@dataclass(frozen=True, slots=True)
class SelectItem:
    func: Name | None  # an aggregate when set
    path: Path | None  # None for count(*) / count()
    alias: Name | None
    span: Span


@dataclass(frozen=True, slots=True)
class IncludeItem:
    name: Name
    fields: tuple[Name, ...]
    nested: tuple[IncludeItem, ...]
    order: tuple[KeyItem, ...]
    limit: Number | None
    has_list: bool
    span: Span
    via: Name | None = None  # `include Message.sender`: the child's reference to follow


@dataclass(frozen=True, slots=True)
class Clause:
    kind: str  # from where order group select include limit rate consistency batch
    value: object  # from: tuple[Name, ...] (`from A | B`); group: tuple[Path | BucketCall, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Rate:
    amount: Number
    unit: Name
    span: Span


@dataclass(frozen=True, slots=True)
class QueryDecl:
    name: Name
    clauses: tuple[Clause, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class WriteOp:
    kind: Name
    entity: Name
    by: tuple[Path, ...]
    span: Span
    fields: tuple[Name, ...] = ()  # `update E (f, ...) by (...)`: the fields a partial write changes


@dataclass(frozen=True, slots=True)
class WriteDecl:
    name: Name
    ops: tuple[WriteOp, ...]
    rates: tuple[Rate, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ActionDecl:
    name: Name
    queries: tuple[Name, ...]
    span: Span


Decl = ModelDecl | ImportDecl | EntityDecl | QueryDecl | WriteDecl | ActionDecl


@dataclass(frozen=True, slots=True)
class File:
    path: str
    decls: tuple[Decl, ...]
