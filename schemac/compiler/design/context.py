"""The design stage's shared state: the model, the target's capabilities, decisions and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemac.compiler.design.decisions import Decision, Payload, Subject
from schemac.compiler.design.model import Capabilities
from schemac.compiler.model import Const, Entity, KeyPart, Model, Param, Predicate
from schemac.diagnostics import Diagnostics, Span

# Undeclared volume: a small table. Stated in a decision so the report shows the assumption.
DEFAULT_ROWS = 10_000.0
# A pattern below this rate (or marked `batch`) may reuse an index that bounds its scan instead of
# getting its own: an index costs every write, a slightly longer scan once a minute costs nothing.
LOW_RATE_PER_S = 1.0
LOW_RATE_MAX_SCAN = 100_000.0


@dataclass
class Ctx:
    model: Model
    caps: Capabilities
    target: str
    diags: Diagnostics = field(default_factory=Diagnostics)
    decisions: list[Decision] = field(default_factory=list)
    id_widths: dict[str, int] = field(default_factory=dict)  # memo of `sizes.id_width` for this run
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # stored primary keys that differ (keys.py)
    # `model`'s entities by name, with the model they index (the planner replaces `model` once)
    _entities: tuple[Model, dict[str, Entity]] | None = field(default=None, init=False, repr=False, compare=False)

    def decide(self, rule: str, subject: Subject, choice: str, why: str, span: Span | None = None, *,
               payload: Payload) -> None:
        """Record a decision: typed subject and payload (what code reads), choice and why (prose)."""
        self.decisions.append(Decision(rule=rule, subject=subject, payload=payload, choice=choice, why=why,
                                       span=span))

    def entity(self, name: str) -> Entity:
        """`model.entity(name)`, read from an index kept here: the planners look entities up by the thousand."""
        index = self._entities
        if index is None or index[0] is not self.model:
            index = self._entities = (self.model, {e.name: self.model.entity(e.name) for e in self.model.entities})
        return index[1][name]

    def rows(self, name: str) -> float:
        vol = self.entity(name).volume
        return vol.at_horizon if vol.declared else DEFAULT_ROWS

    def primary_key(self, name: str) -> tuple[str, ...]:
        """The primary key the table is built on (keys.py), the entity's identity key otherwise."""
        return self.keys.get(name) or self.entity(name).primary_key

    def tenant_of(self, name: str) -> str | None:
        t = self.entity(name).tenant_field
        return t.name if t is not None else None


def pred_key(p: Predicate) -> tuple[object, ...]:
    """A span-free identity for a predicate (two `status = open` from different lines are equal)."""
    return (p.steps, p.op, _value_key(p.value), _value_key(p.value2))


def _value_key(v: Param | Const | None) -> object:
    if isinstance(v, Param):
        return ("?", v.name)
    if isinstance(v, Const):
        return ("=", v.value)
    return None


def pred_text(p: Predicate) -> str:
    path = ".".join(p.steps)
    if p.op == "is_null":
        return f"{path} is null"
    if p.op == "is_not_null":
        return f"{path} is not null"
    if p.op == "between":
        return f"{path} between {_value_text(p.value)} and {_value_text(p.value2)}"
    op = "~" if p.op == "match" else p.op
    return f"{path} {op} {_value_text(p.value)}"


def _value_text(v: Param | Const | None) -> str:
    if isinstance(v, Param):
        return "?"
    if isinstance(v, Const):
        return str(v.value).lower() if isinstance(v.value, bool) else str(v.value)
    return ""


def parts_text(parts: tuple[KeyPart, ...]) -> str:
    return ", ".join([f"{p.field} desc" if p.descending else p.field for p in parts])


def rate_text(rate: float | None) -> str:
    if rate is None:
        return "undeclared rate"
    if rate >= 1:
        return f"{rate:,.0f}/s"
    if rate * 60 >= 1:
        return f"{rate * 60:,.0f}/min"
    if rate * 3600 >= 1:
        return f"{rate * 3600:,.0f}/h"
    return f"{rate * 86400:,.0f}/day"


def count_text(n: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f}".rstrip("0").rstrip(".") + unit
    return f"{n:,.0f}"


def bytes_text(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:,.0f} B"
