"""Section 4, normalisation and denormalisation: what is stored once, what is copied or maintained, and
what each copy costs on the write path."""

from __future__ import annotations

from dataclasses import dataclass

from schemac.compiler.design.model import Decision, MaintainedAggregate
from schemac.compiler.model import Entity, FieldKind
from schemac.report.facts import Facts
from schemac.report.text import count, predicates, rate, write_summary

STRATEGY_COST = {
    "join": "one round trip; the root row repeats once per child row",
    "json_agg": "one round trip, one row per root; the database aggregates the children",
    "second_query": "two round trips; no row repetition",
    "embed": "no extra read: the data is stored with the root",
}


@dataclass(frozen=True)
class AggregateRow:
    column: str
    entity: str
    field: str
    definition: str
    mechanism: str
    paid_by: tuple[str, ...]  # the writes that pay for it
    base_writes_per_s: float
    extra_writes_per_s: float
    extra_writes: str
    amplification: str  # `x2.0 row writes per Progress write`
    readers: tuple[str, ...]  # the reads that use it instead of aggregating, with their rates
    reader_names: tuple[str, ...]  # the same reads, by name
    read_rate_per_s: float
    children_per_parent: float
    saves: str


@dataclass(frozen=True)
class StorageRow:
    subject: str
    kind: str  # value object, list, many-to-many, versioned
    storage: str
    cost: str


@dataclass(frozen=True)
class IncludeRow:
    pattern: str
    include: str
    strategy: str
    cost: str


@dataclass(frozen=True)
class DecisionRow:
    rule: str
    subject: str  # rendered: `kind label`
    choice: str
    why: str
    kind: str  # the subject's kind: model, entity, field, reference, index, query, write
    label: str  # the subject without its kind: `Enrollment.course`

    @classmethod
    def of(cls, d: Decision) -> DecisionRow:
        return cls(d.rule, d.subject.text, d.choice, d.why, d.subject.kind, d.subject.label)


@dataclass(frozen=True)
class DecisionSection:
    aggregates: tuple[AggregateRow, ...]
    storage: tuple[StorageRow, ...]
    includes: tuple[IncludeRow, ...]
    decisions: tuple[DecisionRow, ...]  # model, entity and field decisions: this section
    references: tuple[DecisionRow, ...]  # foreign-key index decisions: printed with the indexes


# Which section prints a design decision, by its subject's kind; the others print here.
ELSEWHERE = {"index": "indexes", "query": "access patterns", "write": "access patterns",
             "reference": "indexes"}


def build(facts: Facts) -> DecisionSection:
    rel = facts.relational
    includes = tuple(IncludeRow(p.query, name, strategy.replace("_", " "), STRATEGY_COST.get(strategy, ""))
                     for p in (rel.access if rel is not None else ()) for name, strategy in p.include_strategy)
    rows = [DecisionRow.of(d) for d in facts.design.decisions]
    here = tuple(d for d in rows if d.kind not in ELSEWHERE)
    refs = tuple(d for d in rows if d.kind == "reference")
    return DecisionSection(aggregates=tuple(aggregate_row(facts, a) for a in facts.aggregates),
                           storage=tuple(_storage(facts)), includes=includes, decisions=here, references=refs)


def aggregate_row(facts: Facts, agg: MaintainedAggregate) -> AggregateRow:
    writes = facts.writes_on(agg.child)
    base = sum(w.rate_per_s or 0.0 for w in writes)
    extra = agg.writes_per_s or base
    mechanism = ("trigger on " + facts.table(agg.child) if facts.design.capabilities.triggers
                 else "update in the same transaction as each child write")
    readers = [q for q in facts.model.queries if q.entity == agg.entity and _reads(q, agg.field)]
    read_rate = sum(q.rate_per_s or 0.0 for q in readers)
    parents = facts.rows(agg.entity)
    per_parent = facts.rows(agg.child) / parents if parents else 0.0
    what = "counting" if agg.func == "count" else f"a {agg.func} over"
    arg = agg.child if agg.child_field is None else f"{agg.child}.{agg.child_field}"
    cond = f" where {predicates(agg.where)}" if agg.where else ""
    factor = (base + extra) / base if base else 0.0
    return AggregateRow(
        column=f"{facts.table(agg.entity)}.{agg.field}", entity=agg.entity, field=agg.field,
        definition=f"{agg.func}({arg}{cond})", mechanism=mechanism,
        paid_by=tuple(f"{w.name} ({write_summary(w)}, {rate(w.rate_per_s)})" for w in writes),
        base_writes_per_s=base, extra_writes_per_s=extra, extra_writes=rate(extra),
        amplification=(f"x{factor:.1f} row writes per {agg.child} write (one {agg.entity} row updated each "
                       "time)") if base else "no declared writes on " + agg.child,
        readers=tuple(f"{q.name} ({rate(q.rate_per_s)})" for q in readers),
        reader_names=tuple(q.name for q in readers), read_rate_per_s=read_rate,
        children_per_parent=per_parent,
        saves=(f"every {agg.entity} row read skips {what} ~{count(per_parent)} {agg.child} rows"
               if per_parent else f"reads skip {what} {agg.child} rows"))


def _reads(q: object, field: str) -> bool:
    select = getattr(q, "select", ())
    order = getattr(q, "order", ())
    if not select:
        return True  # all fields
    return any(s.steps == (field,) for s in select) or any(k.steps == (field,) for k in order)


EMBEDDING_COST = {
    "embed": "read with its parent in one document; written through the parent",
    "subset": "the newest children in the parent, all of them in their own collection: two writes per child",
    "extended_reference": "no second read; a change to the copied fields is written to every copy",
    "computed": "kept by the writes that change it; reads take it as it is",
}


def _document_storage(facts: Facts) -> list[StorageRow]:
    """What a document layout embeds, copies, computes and links, as its typed shapes say (the recorded
    decisions say why)."""
    layout = facts.document
    if layout is None:
        return []
    rows: list[StorageRow] = []
    for c in layout.collections:
        for emb in c.embedded:
            shape = "array" if emb.many else "sub-document"
            extra = [f"the {emb.limit} first by {', '.join(k for k, _ in emb.order) or 'insertion'}"
                     if emb.limit else "", f"at most ~{count(emb.max_items)} items" if emb.max_items else ""]
            detail = "; ".join(x for x in extra if x)
            rows.append(StorageRow(f"{emb.entity} in {emb.parent}", emb.mode,
                                   f"{shape} {c.name}.{emb.path}" + (f" ({detail})" if detail else ""),
                                   EMBEDDING_COST.get(emb.mode, "")))
        if c.role == "history":
            rows.append(StorageRow(", ".join(c.entities), "versioned", f"history collection {c.name}",
                                   "every change writes a version document as well"))
        if len(c.entities) > 1 and c.role == "entity":
            rows.append(StorageRow(", ".join(c.entities), "one collection",
                                   f"{c.name}, told apart by {c.type_field or 'a type field'}",
                                   "one index serves reads across them"))
    for cp in layout.copies:
        if cp.mode == "extended_reference":
            keys = ", ".join(key for _, key in cp.fields)
            rows.append(StorageRow(f"{cp.source} in {cp.holder}", "extended reference",
                                   f"sub-document {cp.path} ({keys})",
                                   f"{EMBEDDING_COST['extended_reference']}: ~{count(cp.fan_out)} documents "
                                   f"per {cp.source} change"))
        else:
            rows.append(StorageRow(f"{cp.holder}.{cp.path}", "computed", f"field {cp.path}",
                                   EMBEDDING_COST["computed"]))
    for rel in layout.relations:
        where = f"id array {rel.path}" if rel.mode == "id_array" else f"link collection {rel.collection}"
        rows.append(StorageRow(f"{rel.owner}.{rel.field}", "many-to-many", f"{where} -> {rel.target}",
                               "the bounded side holds the ids" if rel.mode == "id_array"
                               else "one document per pair; both sides large"))
    for comp in layout.computed:
        keys = ", ".join(k for k, _, _ in comp.keys)
        rows.append(StorageRow(f"{comp.source} by {keys}", "bucket", f"collection {comp.collection}",
                               "one document per bucket, kept by $inc in the writes"))
    return rows


def _storage(facts: Facts) -> list[StorageRow]:
    if facts.document is not None:
        return _document_storage(facts)
    rows: list[StorageRow] = []
    for e in facts.model.entities:
        if e.junction:
            refs = ", ".join(f"{f.name} -> {f.target}" for f in e.references if not _is_tenant(e, f.name))
            rows.append(StorageRow(e.name, "many-to-many", f"junction {facts.table(e.name)} ({refs})",
                                   "one row per pair; reads join through it"))
        if e.versioned:
            rows.append(StorageRow(e.name, "versioned", _versioned(facts, e),
                                   "every change writes a version row as well"))
        for f in e.fields:
            if f.kind is FieldKind.EMBEDDED:
                rows.append(StorageRow(f"{e.name}.{f.name}", f"value object {f.target}",
                                       _columns_like(facts, e, f.name), "no join; copied into each row"))
            elif f.kind is FieldKind.LIST:
                rows.append(StorageRow(f"{e.name}.{f.name}", "list", _columns_like(facts, e, f.name),
                                       "read and written with the row"))
    return rows


def _is_tenant(e: Entity, name: str) -> bool:
    f = e.tenant_field
    return f is not None and f.name == name


def _columns_like(facts: Facts, e: Entity, name: str) -> str:
    """Where the catalog says field `name` of `e` is stored: its column(s) in the entity's table."""
    table = facts.container(e.name)
    members = [m for m in table.members if m.field == name] if table is not None else []
    if table is None or not members:
        return "not found in the schema"
    if len(members) == 1:
        word = "column" if table.kind == "table" else "attribute"
        return f"one {word} {table.name}.{members[0].name} ({members[0].type})"
    return f"{len(members)} columns {name}_* in {table.name}"


def _versioned(facts: Facts, e: Entity) -> str:
    history = next((c for c in facts.catalog.containers if c.role == "history" and c.entity == e.name), None)
    return f"history table {history.name}" if history else f"versions kept with {facts.table(e.name)}"
