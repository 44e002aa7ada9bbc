"""`decisions.md`: every decision grouped by what it is about, with its rule id and why, plus tables of the
indexes, the access patterns and the growth estimates."""

from __future__ import annotations

from schemac.compiler.design.context import bytes_text, count_text, parts_text, pred_text
from schemac.compiler.design.model import Decision, Design, IndexPlan

_KINDS = (("model", "Model"), ("entity", "Entities"), ("reference", "References"), ("index", "Indexes"),
          ("query", "Queries"), ("write", "Writes"), ("field", "Maintained fields"))


def render_decisions(design: Design) -> str:
    m = design.model.settings
    lines = [f"# Design decisions: {m.name} on {design.target}", "",
             f"{len(design.indexes)} indexes, {len(design.patterns)} queries, {len(design.writes)} keyed "
             f"writes, {len(design.decisions)} decisions. Rule ids: REL-* from the design rules reference, "
             f"SC-* schemac's own.", ""]
    lines += _indexes(design)
    lines += _patterns(design)
    lines += _growth(design)
    lines += ["## Decisions", ""]
    entities = [e.name for e in design.model.entities]
    for kind, title in _KINDS:
        group = [d for d in design.decisions if _kind(d) == kind]
        if kind == "entity":  # by entity, in model order; each entity's decisions in the order taken
            group.sort(key=lambda d: entities.index(_name(d)) if _name(d) in entities else len(entities))
        if group:
            lines += [f"### {title}", "", *(_decision(d) for d in group), ""]
    other = [d for d in design.decisions if _kind(d) not in {k for k, _ in _KINDS}]
    if other:
        lines += ["### Other", "", *(_decision(d) for d in other), ""]
    return "\n".join(lines).rstrip() + "\n"


def _kind(d: Decision) -> str:
    return d.subject.split(" ", 1)[0]


def _name(d: Decision) -> str:
    return d.subject.split(" ", 1)[1] if " " in d.subject else d.subject


def _decision(d: Decision) -> str:
    subject = d.subject.split(" ", 1)[1] if " " in d.subject else d.subject
    return f"- `{d.rule}` **{subject}**: {d.choice}. _Why:_ {d.why}."


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def _partial(design: Design, ix: IndexPlan) -> str:
    preds = [pred_text(p) for p in ix.where]
    if ix.live_only and design.capabilities.partial_indexes:
        preds.append("deleted_at is null")
    elif ix.live_only and ix.unique:
        preds.append("live rows (emulated)")
    return " and ".join(preds)


def _indexes(design: Design) -> list[str]:
    rows = ["## Indexes", "", "| # | entity | columns | partial predicate | unique | include | serves |",
            "|---|---|---|---|---|---|---|"]
    for i, ix in enumerate(design.indexes):
        cols = parts_text(ix.parts) + (" (full-text)" if ix.method == "fulltext" else "")
        rows.append(f"| {i} | {ix.entity} | {_cell(cols)} | {_cell(_partial(design, ix))} | "
                    f"{'yes' if ix.unique else ''} | {_cell(', '.join(ix.include))} | "
                    f"{_cell(', '.join(ix.serves))} |")
    return [*rows, ""]


def _patterns(design: Design) -> list[str]:
    rows = ["## Access patterns", "", "| query | served by | expected rows | includes |", "|---|---|---|---|"]
    for p in design.patterns:
        if p.by_primary_key:
            by = "primary key"
        elif p.index is not None:
            ix = design.indexes[p.index]
            by = f"#{p.index} {ix.entity}({parts_text(ix.parts)})"
        else:
            by = "full scan"
        inc = ", ".join(f"{n}: {s}" for n, s in p.include_strategy)
        expected = "" if p.expected_rows is None else f"{p.expected_rows:,.1f}".removesuffix(".0")
        rows.append(f"| {p.query} | {_cell(by)} | {_cell(expected)} | {_cell(inc)} |")
    return [*rows, ""]


def _growth(design: Design) -> list[str]:
    rows = ["## Growth", "", "| entity | rows | row bytes | table | indexes | revisit |", "|---|---|---|---|---|---|"]
    for g in design.growth:
        rows.append(f"| {g.entity} | {count_text(g.rows_at_horizon)} | {g.row_bytes} | {bytes_text(g.table_bytes)} "
                    f"| {bytes_text(g.index_bytes)} | {_cell(g.revisit or '')} |")
    return [*rows, ""]
