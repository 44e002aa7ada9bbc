"""Load an example's logical rows (tests/helpers/pg_answers.py) into DynamoDB through writes.json.

Every row of every entity goes through its entity's ``insert <Entity>`` write, as the application would
insert it: guard items, aggregate ``ADD``s and copies included. Entities are loaded parents first (the
references of the IR), so that a child's transaction finds its parent (a ``ConditionCheck``) and an
aggregate ``ADD`` on a parent's item is not overwritten by the parent's later ``Put``.

A write's parameters are named as the PostgreSQL target names columns (contract-common.md: ``student_id``
for the reference ``student``, ``email``, ``id``), or by IR field name; a parameter that is a copy
(entities.json ``copies``) is read from the referenced row. A parameter found nowhere is an ArtifactError.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from schemac.backends.sql.naming import column_name, junction_field
from schemac.compiler.model import Entity, FieldKind, Model
from tests.helpers.ddb_fill import ArtifactError, Filler
from tests.helpers.ddb_run import DdbArtifacts, Split, need, run_write

Row = dict[str, Any]
WORKERS = 4  # concurrent single requests while loading (the rows of one entity)


def insert_name(entity: str) -> str:
    return f"insert {entity}"


def parents_first(model: Model) -> list[Entity]:
    """The model's entities, each after the entities it references (a self-reference is ignored)."""
    done: dict[str, Entity] = {}

    def visit(e: Entity, path: tuple[str, ...]) -> None:
        if e.name in done or e.name in path:
            return
        for f in e.fields:
            if f.kind is FieldKind.REFERENCE and f.target and f.target != e.name:
                visit(model.entity(f.target), (*path, e.name))
        done[e.name] = e

    for e in model.entities:
        visit(e, ())
    return list(done.values())


TYPE_ENCODINGS = {"uuid": "plain", "string": "plain", "text": "plain", "email": "plain", "url": "plain",
                  "enum": "plain", "timestamp": "timestamp", "date": "date", "bool": "bool", "decimal": "decimal",
                  "smallint": "int", "int": "int", "bigint": "int"}


@dataclass
class RowParams:
    """Maps a write's parameters to a logical row's values, and its holes to their encodings."""

    model: Model
    art: DdbArtifacts
    rows_by_id: Mapping[str, Mapping[Any, Row]]

    def filler(self, write: Mapping[str, Any], entity: Entity, row: Row) -> Filler:
        where = f"writes.json {write.get('name')!r}"
        params = need(write, "params", where)
        flat = self.flattened(entity, row)
        values = {need(p, "name", where): flat[p["name"]] if p["name"] in flat else self.value(entity, row, p["name"],
                  where) for p in params}
        values |= flat
        # the row's other fields too: a template that uses a field its params omit still gets the row's (final)
        # value; test_write_templates_use_only_their_params reports such templates
        values |= {column_name(f): row.get(f.name) for f in entity.stored_fields if column_name(f) not in values}
        values |= {f.name: row.get(f.name) for f in entity.stored_fields if f.name not in values}
        for copy in write.get("copies") or []:
            values[need(copy, "param", where)] = self._copied(values, copy, where)
        for read in write.get("reads") or []:
            if isinstance(read, Mapping) and "by" in read:  # a value of a referenced item, read before the write
                values[need(read, "param", where)] = self._copied(values, {**read, "from": read["entity"]}, where)
            elif isinstance(read, Mapping):  # the written item's stored value: the row's (`old_status`)
                values.setdefault(need(read, "param", where), row.get(need(read, "field", where)))
        return Filler(values, self._encoding(write, entity, params, where), sort_keys=self.art.sort_keys(),
                      key_pairs=self.art.key_pairs())

    def value(self, entity: Entity, row: Row, name: str, where: str) -> Any:
        for f in entity.stored_fields:
            if name in (f.name, column_name(f)):
                return row.get(f.name)
        raise ArtifactError(f"{where}: parameter {name!r} is no field of {entity.name} (by IR or column name)")

    def flattened(self, entity: Entity, row: Row) -> dict[str, Any]:
        """Every value object's members also under their PostgreSQL column names (``shipping_address_city``),
        as writes.json names them inside an ``M`` attribute (None when the value object is NULL)."""
        out: dict[str, Any] = {}
        for f in entity.stored_fields:
            if f.kind is FieldKind.EMBEDDED:
                out |= self._members(f, column_name(f), row.get(f.name))
        return out

    def _members(self, f: Any, prefix: str, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sub in self.model.value_type(f.target or "").fields:
            inner = value.get(sub.name) if isinstance(value, dict) else None
            if sub.kind is FieldKind.EMBEDDED:
                out |= self._members(sub, f"{prefix}_{column_name(sub)}", inner)
            else:
                out[f"{prefix}_{column_name(sub)}"] = inner
        return out

    def _copied(self, values: Mapping[str, Any], copy: Mapping[str, Any], where: str) -> Any:
        parent_id = values.get(need(copy, "by", where))
        if parent_id is None:
            return None
        parent = self.rows_by_id.get(need(copy, "from", where), {}).get(parent_id)
        if parent is None:
            raise AssertionError(f"{where}: {copy['from']} {parent_id} (copied from) is not among the rows")
        return parent.get(need(copy, "field", where))

    def _encoding(self, write: Mapping[str, Any], entity: Entity, params: list[Mapping[str, Any]], where: str) -> Any:
        declared = write.get("hole_encodings") or {}
        key_encodings = self.art.encodings(entity.name) if entity.name in self.art.entities["entities"] else {}
        fields = {column_name(f): f.name for f in entity.stored_fields} | {f.name: f.name for f in entity.fields}
        types = {p["name"]: str(p.get("type")) for p in params}
        for read in write.get("reads") or []:  # a referenced item's field: encoded as that entity encodes it
            if isinstance(read, Mapping) and "param" in read:
                found = self.art.encodings(read["entity"]).get(read["field"])
                target = self.model.entity(read["entity"]).field(read["field"])
                kind = target.scalar.kind.value if target is not None and target.scalar is not None else ""
                declared = {**{read["param"]: found or TYPE_ENCODINGS.get(kind, "plain")}, **declared}

        def encoding(hole: str) -> str:
            if hole in declared:
                return str(declared[hole])
            if fields.get(hole, hole) in key_encodings:
                return key_encodings[fields.get(hole, hole)]
            if types.get(hole) in TYPE_ENCODINGS:
                return TYPE_ENCODINGS[types[hole]]
            target = entity.field(fields.get(hole, hole))
            if target is not None and target.scalar is not None and target.scalar.kind.value in TYPE_ENCODINGS:
                return TYPE_ENCODINGS[target.scalar.kind.value]
            raise ArtifactError(f"{where}: no encoding for hole {hole!r}")

        return encoding


def write_for(model: Model, art: DdbArtifacts, entity: Entity) -> tuple[Mapping[str, Any], Entity]:
    """The write that inserts one row of ``entity``, and the entity whose fields name its params: a junction
    row is a ``link Owner.field`` write (an edge item) of the owning entity."""
    if entity.junction:
        found = junction_field(model, entity)
        if found is None:
            raise ArtifactError(f"junction {entity.name}: no many-to-many field owns it")
        owner, fld = found
        return art.write(f"link {owner.name}.{fld.name}"), entity
    return art.write(insert_name(entity.name)), entity


@dataclass
class LoadReport:
    """What a load sent: rows per entity, rows written as transactions, and operations."""

    rows: Counter[str] = field(default_factory=Counter)
    transactions: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)


RowKey = tuple[str, int]  # (entity, position in its rows)


def sample_closure(model: Model, rows: Mapping[str, list[Row]], per_entity: int) -> set[RowKey]:
    """The first ``per_entity`` rows of every entity and, transitively, every row they reference: a sample
    that can be written on its own, parents first, before the rest (no row of the rest is its parent)."""
    positions = {name: {r["id"]: i for i, r in enumerate(entity_rows) if "id" in r}
                 for name, entity_rows in rows.items()}
    chosen: set[RowKey] = set()
    todo = [(name, i) for name, entity_rows in rows.items() for i in range(min(per_entity, len(entity_rows)))]
    while todo:
        key = todo.pop()
        if key in chosen:
            continue
        chosen.add(key)
        name, i = key
        for f in model.entity(name).references:
            target = rows.get(f.target or "")
            parent = rows[name][i].get(f.name)
            if target is not None and parent in positions[f.target or ""]:
                todo.append((f.target or "", positions[f.target or ""][parent]))
    return chosen


@dataclass(frozen=True)
class LoadPlan:
    """How rows are written: ``first`` (a :func:`sample_closure`) as whole transactions, before the rest;
    the rest as single requests (``split``) or, when ``split`` is None, as transactions too."""

    split: Split | None
    first: frozenset[RowKey] = frozenset()
    # single requests sent at once; 1 on moto when counts matter: two concurrent ADDs to one item can lose one
    # there (seen: a quarterly_revenue group item one order short after a 4-way parallel load)
    workers: int = WORKERS


def load_rows(client: Any, art: DdbArtifacts, model: Model, rows: Mapping[str, list[Row]],
              plan: LoadPlan) -> LoadReport:
    """Insert every row of ``rows`` (entity -> logical rows) through its insert write, parents first: the
    plan's ``first`` rows as transactions, then the others."""
    by_id = {name: {r["id"]: r for r in entity_rows if "id" in r} for name, entity_rows in rows.items()}
    mapper = RowParams(model, art, by_id)
    report = LoadReport()
    order = parents_first(model)
    for phase in (True, False):
        for entity in order:
            chosen = [row for i, row in enumerate(rows.get(entity.name, []))
                      if ((entity.name, i) in plan.first) == phase]
            write, named = write_for(model, art, entity) if chosen else ({}, entity)
            split = None if phase else plan.split

            def one(row: Row, write: Mapping[str, Any] = write, named: Entity = named,
                    split: Split | None = split) -> list[str]:
                return run_write(client, write, mapper.filler(write, named, row), split)

            # the rows of one entity are independent (their parents are loaded), except a self-reference:
            # single requests run 4 at a time, transactions and self-referencing entities one by one
            parallel = not phase and not any(f.target == entity.name for f in entity.references)
            with ThreadPoolExecutor(max_workers=plan.workers if parallel else 1) as pool:
                for sent in pool.map(one, chosen):
                    report.operations.update(sent)
                    report.rows[entity.name] += 1
                    report.transactions[entity.name] += "TransactWriteItems" in sent
    return report
