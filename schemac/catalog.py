"""The catalog: what a backend emitted, as structure, beside the text it wrote.

Every backend fills one from the objects it built (for SQL: the SQLAlchemy tables and indexes and the
statement specs), never by reading its own text back. The report and lint read it instead of scanning
artifacts, and migrations will diff two of them, so it is complete and deterministic: plain pydantic
values, in emission order, with nothing that depends on memory addresses or the clock.

The shapes are family-neutral: a `Container` is a table, a collection or a DynamoDB table; a `Member` is a
column or an attribute; a `Key` is a primary key, a unique constraint or any index (a GSI or LSI later);
a `Statement` is a named SQL statement or a request (find, aggregate, GetItem, Query ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Entry):
    """Where an object is created: the artifact and the 1-based line its statement starts on."""

    artifact: str
    line: int


class Member(_Entry):
    """A column or an attribute, with the type the target stores it as."""

    name: str
    type: str  # the target's type, as emitted: `UUID`, `VARCHAR(200)`, `S`
    nullable: bool = True
    default: str | None = None  # the default as emitted (an expression or a literal)
    generated: Literal["", "stored", "virtual"] = ""  # a computed column
    field: str | None = None  # the IR field it stores (None for columns the backend adds)
    comment: str | None = None
    shortened_from: str | None = None  # the longer name the model implies, cut to fit the target's limit


class Key(_Entry):
    """A primary key, a unique constraint or an index, under its real emitted name."""

    name: str
    container: str
    parts: tuple[str, ...]  # member names; an expression part as its emitted text
    descending: tuple[bool, ...] = ()  # per part (empty: all ascending)
    kind: Literal["primary", "unique", "index"] = "index"
    method: str = ""  # "" (the default B-tree), gin, fulltext, ... as the target names it
    where: str = ""  # a partial index's predicate, as emitted
    include: tuple[str, ...] = ()  # covering members
    lengths: tuple[tuple[str, int], ...] = ()  # key prefixes: (member, characters)
    definition: str = ""  # the key list as the target writes it, quoted: `"order", created_at DESC`
    expire_after_seconds: int | None = None  # a TTL index's lifetime past its key's instant (MongoDB)
    plans: tuple[int, ...] = ()  # positions in Design.indexes this key realises
    serves: tuple[str, ...] = ()  # the access patterns those plans serve
    location: Location | None = None

    @property
    def unique(self) -> bool:
        return self.kind in ("primary", "unique")

    @property
    def primary(self) -> bool:
        return self.kind == "primary"


class ForeignKey(_Entry):
    name: str
    container: str
    members: tuple[str, ...]
    ref_container: str
    ref_members: tuple[str, ...]
    on_delete: str = ""  # CASCADE, SET NULL, RESTRICT ... ("" for the target's default)
    deferred: bool = False  # added after every container exists (a cycle)
    location: Location | None = None


class Check(_Entry):
    name: str
    container: str
    expression: str  # as emitted
    location: Location | None = None


class Trigger(_Entry):
    name: str
    container: str
    timing: str = ""  # before | after
    events: tuple[str, ...] = ()  # insert, update, delete
    per: Literal["row", "statement"] = "row"  # fired per changed row, or once per statement
    location: Location | None = None


class Routine(_Entry):
    name: str
    params: tuple[tuple[str, str], ...] = ()  # (name, target type)
    executor: str = ""  # the one role granted EXECUTE ("" where the target grants nothing here)
    entity: str | None = None  # the IR entity it works on (an erasure routine's)
    shortened_from: str | None = None  # the longer name the model implies, cut to fit the target's limit
    location: Location | None = None


class Statistics(_Entry):
    """Extended statistics the target keeps on members of one container (CREATE STATISTICS)."""

    name: str
    container: str
    members: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # ndistinct, dependencies, mcv
    location: Location | None = None


class Collation(_Entry):
    """A collation the target creates for its members' types."""

    name: str
    provider: str = ""
    locale: str = ""
    deterministic: bool = True
    location: Location | None = None


class Role(_Entry):
    """A role (or user) the target creates: who may run some routines."""

    name: str
    login: bool = False
    location: Location | None = None


class Policy(_Entry):
    """A row-level security policy (or the target's equivalent)."""

    name: str
    container: str
    location: Location | None = None


class Container(_Entry):
    """A table, a collection or a DynamoDB table."""

    name: str
    kind: Literal["table", "collection", "item_table"] = "table"
    role: Literal["entity", "junction", "history", "summary", "audit", "other"] = "entity"
    entity: str | None = None  # the IR entity it stores (or keeps the history or a summary of)
    members: tuple[Member, ...] = ()
    shortened_from: str | None = None  # the longer name the model implies, cut to fit the target's limit
    location: Location | None = None

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    @property
    def generated(self) -> dict[str, str]:
        """Generated member -> STORED | VIRTUAL."""
        return {m.name: m.generated.upper() for m in self.members if m.generated}

    @property
    def columns(self) -> dict[str, str]:
        """Member -> its target type."""
        return {m.name: m.type for m in self.members}


class Param(_Entry):
    name: str
    type: str  # the target's type
    nullable: bool = False


class Statement(_Entry):
    """The statement or request one access pattern (or a part of one) runs."""

    name: str  # as emitted: `StudentCourses`
    kind: str  # one, many, exec, execrows ... (without the colon)
    pattern: str | None = None  # the access pattern it belongs to (a follow-up names its pattern too)
    params: tuple[Param, ...] = ()  # in placeholder order
    text: str = ""  # the statement as emitted (comment lines after the name line included)
    location: Location | None = None


class Catalog(_Entry):
    target: str
    collations: tuple[Collation, ...] = ()
    roles: tuple[Role, ...] = ()
    containers: tuple[Container, ...] = ()
    keys: tuple[Key, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    statistics: tuple[Statistics, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    routines: tuple[Routine, ...] = ()
    policies: tuple[Policy, ...] = ()
    statements: tuple[Statement, ...] = ()

    # -- lookups ---------------------------------------------------------------------------------------
    @cached_property
    def tables(self) -> dict[str, Container]:
        return {c.name: c for c in self.containers}

    @cached_property
    def _keys_by_container(self) -> dict[str, list[Key]]:
        return _group(self.keys)

    @cached_property
    def _fks_by_container(self) -> dict[str, list[ForeignKey]]:
        return _group(self.foreign_keys)

    @cached_property
    def _checks_by_container(self) -> dict[str, list[Check]]:
        return _group(self.checks)

    def keys_on(self, container: str) -> list[Key]:
        return list(self._keys_by_container.get(container, ()))

    def foreign_keys_on(self, container: str) -> list[ForeignKey]:
        return list(self._fks_by_container.get(container, ()))

    def checks_on(self, container: str) -> list[Check]:
        return list(self._checks_by_container.get(container, ()))

    def primary_key(self, container: str) -> Key | None:
        return next((k for k in self.keys_on(container) if k.primary), None)

    def triggers_on(self, container: str) -> list[str]:
        return [t.name for t in self.triggers if t.container == container]

    def key_for_plan(self, position: int) -> Key | None:
        return next((k for k in self.keys if position in k.plans), None)

    def statement(self, name: str) -> Statement | None:
        return self._statements.get(name)

    @cached_property
    def _statements(self) -> dict[str, Statement]:
        return {s.name: s for s in self.statements}

    def follow_ups(self, pattern: str, own: str) -> Iterator[Statement]:
        """The statements of `pattern` other than its own `own` (the second query of an include)."""
        return (s for s in self.statements if s.pattern == pattern and s.name != own)


def _group(items: tuple[Key, ...] | tuple[ForeignKey, ...] | tuple[Check, ...]) -> dict:
    out: dict[str, list] = {}
    for item in items:
        out.setdefault(item.container, []).append(item)
    return out
