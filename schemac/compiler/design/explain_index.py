"""One-line explanations of index candidates (shared by the planner and the Markdown renderer)."""

from __future__ import annotations

from schemac.compiler.design.context import Ctx, parts_text, pred_text
from schemac.compiler.design.needs import Candidate, Want, grouped_range


def index_label(c: Candidate) -> str:
    if c.primary:
        return f"the primary key {c.entity}({parts_text(c.parts)})"
    label = f"{c.entity}({parts_text(c.parts)})"
    if c.method == "fulltext":
        label += " fulltext"
    if c.where:
        label += f" where {' and '.join(pred_text(p) for p in c.where)}"
    return label


def candidate_why(ctx: Ctx, c: Candidate, w: Want) -> tuple[str, str]:
    """(rule, why) for an index created for `w`."""
    if w.method == "fulltext":
        return "SC-FTS-01", f"`~` search on {w.entity}.{w.parts[0].field} ({w.source})"
    bits = [f"equality ({', '.join(w.eq)})"] if w.eq else []
    aggs = [p.field for s in w.segments[1:] for p in s.parts
            if s.kind == "set" and p.field not in w.group and p.field != w.range]
    early = w.range is not None and grouped_range(w.range, w.group, tuple(aggs), w.sort)
    if early:
        bits.append(f"range ({w.range}), which bounds the scan")
    if w.group:
        bits.append(f"group ({', '.join(w.group)})")
    if aggs:
        bits.append(f"aggregated ({', '.join(aggs)}) read from the index")
    if early:
        bits[-1] += " (grouped in memory: no LIMIT on the rows, so E, R before the group keys)"
    sorted_fields = {p.field for p in w.sort}
    if w.sort:
        bits.append(f"sort ({parts_text(w.sort)})")
    if w.range and w.range in sorted_fields:
        bits[-1] += f" which also bounds the range on {w.range}"
    elif w.range and not early:
        bits.append(f"range ({w.range})")
    rule = "REL-I02" if w.sort and w.limit else "REL-I01"
    why = ", then ".join(bits) or "the pattern's only key"
    if c.counts:
        rule = "REL-I05"
        why += ("; partial over live rows: the count reads the index alone, where an index over every row "
                "(the foreign key's) visits each counted row to check deleted_at")
    if w.where:
        rule = "REL-I05"
        why += f"; partial: the pattern always filters {' and '.join(pred_text(p) for p in w.where)}"
    role = {"root": "", "path": " (path lookup)", "subquery": " (reverse aggregate)",
            "include": " (include)", "write": " (write)"}[w.role]
    return rule, f"{why}; for {w.source}{role}"

