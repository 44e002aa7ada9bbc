"""`decisions.md`: every decision grouped by what it is about, with its rule id and why, plus tables of the
indexes, the access patterns and the growth estimates."""

from __future__ import annotations

from schemac.compiler.design.context import bytes_text, count_text, parts_text, pred_text, rate_text
from schemac.compiler.design.model import Decision, Design, IndexPlan, Operation, RelationalLayout

_KINDS = (("model", "Model"), ("entity", "Entities"), ("reference", "References"), ("index", "Indexes"),
          ("query", "Queries"), ("write", "Writes"), ("field", "Maintained fields"))


def render_decisions(design: Design) -> str:
    m = design.model.settings
    layout = design.layout
    indexes = layout.indexes if isinstance(layout, RelationalLayout) else ()
    keyed = sum(1 for w in design.writes if w.op != "insert")
    lines = [f"# Design decisions: {m.name} on {design.target}", "",
             f"{len(indexes)} indexes, {len(design.patterns)} queries, {len(design.writes)} writes "
             f"({keyed} keyed), {len(design.decisions)} decisions. Rule ids: REL-* from the design rules "
             f"reference, SC-* schemac's own.", ""]
    if isinstance(layout, RelationalLayout):
        lines += _indexes(design, layout)
    lines += _patterns(design)
    lines += _writes(design)
    lines += _growth(design)
    lines += ["## Decisions", ""]
    stored = layout.stored(design.model) if isinstance(layout, RelationalLayout) else design.model
    order = {e.name: i for i, e in enumerate(stored.entities)}
    by_kind: dict[str, list[Decision]] = {}
    for d in design.decisions:
        by_kind.setdefault(d.subject.kind, []).append(d)
    for kind, title in _KINDS:
        group = by_kind.get(kind, [])
        if kind == "entity":  # by entity, in model order; each entity's decisions in the order taken
            group.sort(key=lambda d: order.get(d.subject.label, len(order)))
        if group:
            lines += [f"### {title}", "", *(_decision(d) for d in group), ""]
    other = [d for d in design.decisions if d.subject.kind not in {k for k, _ in _KINDS}]
    if other:
        lines += ["### Other", "", *(_decision(d) for d in other), ""]
    return "\n".join(lines).rstrip() + "\n"


def _decision(d: Decision) -> str:
    return f"- `{d.rule}` **{d.subject.label}**: {d.choice}. _Why:_ {d.why}."


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def _partial(design: Design, ix: IndexPlan) -> str:
    preds = [pred_text(p) for p in ix.where]
    if ix.live_only and design.capabilities.partial_indexes:
        preds.append("deleted_at is null")
    elif ix.live_only and ix.unique:
        preds.append("live rows (emulated)")
    return " and ".join(preds)


def _indexes(design: Design, layout: RelationalLayout) -> list[str]:
    rows = ["## Indexes", "", "| # | entity | columns | partial predicate | unique | include | serves |",
            "|---|---|---|---|---|---|---|"]
    for i, ix in enumerate(layout.indexes):
        cols = parts_text(ix.parts) + (" (full-text)" if ix.method == "fulltext" else "")
        rows.append(f"| {i} | {ix.entity} | {_cell(cols)} | {_cell(_partial(design, ix))} | "
                    f"{'yes' if ix.unique else ''} | {_cell(', '.join(ix.include))} | "
                    f"{_cell(', '.join(ix.serves))} |")
    return [*rows, ""]


def _patterns(design: Design) -> list[str]:
    rows = ["## Access patterns", "", "| query | served by | expected rows | includes |", "|---|---|---|---|"]
    layout = design.layout if isinstance(design.layout, RelationalLayout) else None
    for p in design.patterns:
        access = layout.pattern(p.query) if layout is not None else None
        if p.operation is Operation.PRIMARY_KEY_LOOKUP:
            by = "primary key"
        elif access is not None and access.index is not None and layout is not None:
            ix = layout.indexes[access.index]
            by = f"#{access.index} {ix.entity}({parts_text(ix.parts)})"
        elif p.operation is Operation.FULL_SCAN:
            by = "full scan"
        else:
            by = p.structure or ""
        inc = ", ".join(f"{n}: {s}" for n, s in access.include_strategy) if access is not None else ""
        expected = "" if p.expected_rows is None else f"{p.expected_rows:,.1f}".removesuffix(".0")
        rows.append(f"| {p.query} | {_cell(by)} | {_cell(expected)} | {_cell(inc)} |")
    return [*rows, ""]


def _writes(design: Design) -> list[str]:
    if not design.writes:
        return []
    rows = ["## Writes", "", "Per call, then at the declared rate; index entries include the primary key's.", "",
            "| write | op | finds its row by | rows written | index entries | runs with | rate | rows/s "
            "| index entries/s |", "|---|---|---|---|---|---|---|---|---|"]
    layout = design.layout if isinstance(design.layout, RelationalLayout) else None
    for w in design.writes:
        c = w.cost
        k = layout.write(w.write) if layout is not None else None
        by = "" if w.op == "insert" else "primary key" if w.operation is Operation.PRIMARY_KEY_LOOKUP else \
            f"#{k.index} {layout.indexes[k.index].entity}({parts_text(layout.indexes[k.index].parts)})" \
            if k is not None and k.index is not None and layout is not None else w.structure or "nothing"
        rows.append(f"| {w.write} | {w.op} {w.entity} | {_cell(by)} | {c.rows} | {c.index_entries} | "
                    f"{_cell(', '.join(c.triggers))} | {_cell(rate_text(c.rate_per_s))} | {_rate(c.rows_per_s)} | "
                    f"{_rate(c.index_entries_per_s)} |")
    return [*rows, ""]


def _rate(x: float | None) -> str:
    return " " if x is None else f"{x:,.2f}".rstrip("0").rstrip(".")


def _growth(design: Design) -> list[str]:
    rows = ["## Growth", "", "| entity | rows | row bytes | table | indexes | revisit |", "|---|---|---|---|---|---|"]
    for g in design.growth:
        rows.append(f"| {g.entity} | {count_text(g.rows_at_horizon)} | {g.row_bytes} | {bytes_text(g.table_bytes)} "
                    f"| {bytes_text(g.index_bytes)} | {_cell(g.revisit or '')} |")
    return [*rows, ""]
