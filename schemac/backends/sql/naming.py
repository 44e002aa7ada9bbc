"""Table, column and constraint names (REL-N01..N03).

Tables are snake_case plurals (`quiz_attempts`), junctions `<plural owner>_<field>` (`courses_tags`),
`@table("x")` wins. Reference columns are `<field>_id`. Constraint and index names are
`<table>_<columns>_<suffix>`, shortened deterministically with a hash suffix when they exceed the
dialect's identifier limit (PostgreSQL: 63 bytes, MySQL: 64 characters).
"""

from __future__ import annotations

import hashlib

from schemac.compiler.model import Entity, Field, FieldKind, Model
from schemac.compiler.naming import plural, snake

HASH_LENGTH = 8


def shorten(name: str, limit: int, *, in_bytes: bool = True) -> str:
    """`name` if it fits `limit`; else a prefix, `_` and an 8-hex-digit hash of the whole name."""
    size = len(name.encode()) if in_bytes else len(name)
    if size <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:HASH_LENGTH]
    room = limit - HASH_LENGTH - 1
    head = name
    while (len(head.encode()) if in_bytes else len(head)) > room:
        head = head[:-1]
    return f"{head.rstrip('_')}_{digest}"


def junction_field(model: Model, junction: Entity) -> tuple[Entity, Field] | None:
    """The owner entity and its `Name[]` field whose relation a junction entity stores."""
    rel = model.relation_named(junction.name) if junction.junction else None
    if rel is None:
        return None
    owner = model.entity(rel.owner)
    f = owner.field(rel.field)
    return (owner, f) if f is not None else None


def table_name(model: Model, entity: Entity) -> str:
    if entity.table_name:
        return entity.table_name
    if entity.junction:
        found = junction_field(model, entity)
        if found is not None:
            owner, f = found
            return f"{table_name(model, owner)}_{snake(f.name)}"
    return plural(snake(entity.name))


def column_name(f: Field) -> str:
    base = snake(f.name)
    return f"{base}_id" if f.kind is FieldKind.REFERENCE else base


class Namer:
    """Deterministic, unique, length-limited names for one schema."""

    def __init__(self, limit: int, *, in_bytes: bool) -> None:
        self.limit = limit
        self.in_bytes = in_bytes
        self.used: set[str] = set()
        self.cut: dict[str, str] = {}  # a name cut short -> the longer one asked for (the hash makes it unique)

    def fit(self, name: str) -> str:
        short = shorten(name, self.limit, in_bytes=self.in_bytes)
        if short != name:
            self.cut[short] = name
        return short

    def unique(self, *parts: str) -> str:
        """`_`-joined parts, shortened; a repeat gets `_2`, `_3`... before shortening."""
        base = "_".join(filter(None, parts))
        name = self.fit(base)
        n = 2
        while name in self.used:
            name = self.fit(f"{base}_{n}")
            n += 1
        self.used.add(name)
        return name

    def constraint(self, table: str, columns: list[str] | tuple[str, ...], suffix: str) -> str:
        return self.unique(table, *columns, suffix)
