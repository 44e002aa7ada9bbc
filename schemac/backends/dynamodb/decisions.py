"""decisions.md for DynamoDB: the table and its indexes, each item type's keys, how every pattern and
write runs with its capacity units, then every decision with its rule id and why."""

from __future__ import annotations

from schemac.compiler.design.context import rate_text
from schemac.compiler.design.decisions import Decision
from schemac.compiler.design.keyvalue.layout import KeyValueAccess, KeyValueLayout, KeyValueWrite, ReadStep
from schemac.compiler.design.model import Design

_KINDS = (("model", "Table"), ("index", "Indexes"), ("entity", "Item types"), ("field", "Attributes"),
          ("query", "Access patterns"), ("write", "Writes"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;") or " "


def _num(x: float | None) -> str:
    return " " if x is None else f"{x:,.2f}".rstrip("0").rstrip(".")


def render(design: Design, layout: KeyValueLayout) -> str:
    m = design.model
    gsis = sum(1 for i in layout.indexes if i.kind == "global")
    lines = [f"# Design decisions: {m.settings.name} on DynamoDB", "",
             f"One table `{layout.table.name}` (PK, SK), {_count(gsis, 'GSI')}, "
             f"{_count(len(layout.indexes) - gsis, 'LSI')}; {len(layout.access)} patterns, "
             f"{len(layout.writes)} writes; "
             f"{len(design.decisions)} decisions. Rule ids: DDB-*, DEC-*, COST-* from the NoSQL design rules "
             f"reference. Every pattern is a GetItem, Query or BatchGetItem: never a Scan.", ""]
    lines += _indexes(layout) + _items(layout) + _patterns(design, layout) + _writes(design, layout)
    lines += ["## Decisions", ""]
    for kind, title in _KINDS:
        group = [d for d in design.decisions if d.subject.kind == kind]
        if group:
            lines += [f"### {title}", "", *(_decision(d) for d in group), ""]
    return "\n".join(lines).rstrip() + "\n"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _decision(d: Decision) -> str:
    return f"- `{d.rule}` **{d.subject.label}**: {d.choice}. _Why:_ {d.why}."


def _indexes(layout: KeyValueLayout) -> list[str]:
    rows = ["## Indexes", "", "| index | kind | partition key | sort key | projection | sparse | serves |",
            "|---|---|---|---|---|---|---|",
            f"| table | base | PK | SK | ALL |   | "
            f"{_cell(', '.join(a.pattern for a in layout.access if a.steps and a.steps[0].key.index is None))} |"]
    for ix in layout.indexes:
        rows.append(f"| {ix.name} | {ix.kind} | {ix.keys.partition_key} | {ix.keys.sort_key or ''} | "
                    f"{ix.projection} | {'yes' if ix.sparse else ''} | {_cell(', '.join(ix.serves))} |")
    return [*rows, ""]


def _items(layout: KeyValueLayout) -> list[str]:
    rows = ["## Item types", "", "| entity | type | placement | PK | SK | index keys |", "|---|---|---|---|---|---|"]
    for e in layout.entities:
        table = e.keys[0]
        extra = "; ".join(f"{k.index}: {k.partition} / {k.sort}" for k in e.keys[1:])
        rows.append(f"| {e.entity} | {e.type_value} | {e.placement}{' in ' + e.parent if e.parent else ''} | "
                    f"{_cell(table.partition)} | {_cell(table.sort or '')} | {_cell(extra)} |")
    for g in layout.guards:
        rows.append(f"| {g.entity} ({', '.join(g.fields)}) | GUARD | guard item | {_cell(g.keys.partition)} | "
                    f"{_cell(g.keys.sort or '')} |   |")
    for a in layout.aggregates:
        if a.parent is None:
            rows.append(f"| {a.name} | AGG | aggregate item | {_cell(a.keys[0].partition)} | "
                        f"{_cell(a.keys[0].sort or '')} |   |")
    for x in layout.edges:
        rows.append(f"| {x.owner}.{x.field} | {x.type_value} | adjacency list | {_cell(x.keys.partition)} | "
                    f"{_cell(x.keys.sort or '')} |   |")
    return [*rows, ""]


def _step(s: ReadStep) -> str:
    where = s.key.index or "table"
    cond = s.key.sort_op or "PK only"
    return f"{s.operation} on {where} ({cond}{', filtered' if s.filters else ''})"


def _patterns(design: Design, layout: KeyValueLayout) -> list[str]:
    rows = ["## Access patterns", "", "| pattern | requests | items read -> returned | RCU/call | rate | RCU/s | "
            "round trips |", "|---|---|---|---|---|---|---|"]
    for a in layout.access:
        rate = next(q.rate_per_s for q in design.model.queries if q.name == a.pattern)
        rows.append(_pattern_row(a, rate))
    return [*rows, ""]


def _pattern_row(a: KeyValueAccess, rate: float | None) -> str:
    if not a.steps:
        return f"| {a.pattern} | not served: {_cell(a.unserved or '')} |   |   |   |   | 0 |"
    first = a.steps[0]
    steps = "; then ".join(_step(s) for s in a.steps)
    if a.shards > 1:
        steps = f"{a.shards} shards x " + steps
    if a.copied:
        steps += f" (copied: {', '.join(a.copied)})"
    per_s = None if rate is None else a.rcu * rate
    return (f"| {a.pattern} | {_cell(steps)} | {_num(first.items_read)} -> {_num(first.items_returned)} | "
            f"{_num(a.rcu)} | {rate_text(rate)} | {_num(per_s)} | {a.round_trips} |")


def _writes(design: Design, layout: KeyValueLayout) -> list[str]:
    rows = ["## Writes", "", "| write | items | transaction | WCU/call | rate | WCU/s |", "|---|---|---|---|---|---|"]
    for w in layout.writes:
        rate = next((x.rate_per_s for x in design.model.writes if x.name == w.write), None)
        rows.append(_write_row(w, rate))
    return [*rows, ""]


def _write_row(w: KeyValueWrite, rate: float | None) -> str:
    items = ", ".join(f"{s.action} {s.role}" for s in w.steps)
    per_s = None if rate is None else w.wcu * rate
    return (f"| {w.write} | {_cell(items)} | {'yes' if w.transaction else ''} | {_num(w.wcu)} | "
            f"{rate_text(rate)} | {_num(per_s)} |")
