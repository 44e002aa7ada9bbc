"""The ER diagram as inline SVG, laid out in Python: no JavaScript, no fonts or files to fetch.

Layered layout: an entity sits one row below the lowest entity it references (the tenant root and other
parents on top), rows wrap past `MAX_PER_ROW`, and within a row entities are ordered by the average
position of their parents. Relations are curves from the child's top edge to the parent's bottom edge,
with crow's-foot notation drawn as plain geometry (many at the child, one or zero-or-one at the parent).
Everything is computed from the model, so the same model always gives the same drawing.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from html import escape

from schemac.report.entities import EntityRow, Relation

FONT = 12
CHAR_W = FONT * 0.6  # monospace advance
ROW_H = 18
HEADER_H = 24
PAD = 8
GAP_X = 40
GAP_Y = 90
MARGIN = 20
MAX_PER_ROW = 5


@dataclass
class Box:
    name: str
    lines: list[tuple[str, str]]  # (marker, field)
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    row: int = 0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


def _layers(names: list[str], relations: tuple[Relation, ...]) -> dict[str, int]:
    parents: dict[str, list[str]] = {n: [] for n in names}
    for r in relations:
        if r.child != r.parent and r.child in parents and r.parent in parents:
            parents[r.child].append(r.parent)
    depth: dict[str, int] = {}

    def visit(n: str, stack: tuple[str, ...]) -> int:
        if n in depth:
            return depth[n]
        ps = [p for p in parents[n] if p not in stack]
        d = 1 + max((visit(p, (*stack, n)) for p in ps), default=-1)
        depth[n] = d
        return d

    for n in names:
        visit(n, ())
    return depth


def layout(rows: tuple[EntityRow, ...], relations: tuple[Relation, ...]) -> tuple[list[Box], float, float]:
    names = [r.name for r in rows]
    tenant = {(r.child, r.field) for r in relations if r.tenant}
    boxes = {r.name: Box(r.name, [(k.marker, k.name + (" (tenant)" if (r.name, k.name) in tenant else ""))
                                  for k in r.key_fields]) for r in rows}
    longest = max((len(f"{m} {f}") for b in boxes.values() for m, f in b.lines), default=0)
    width = max(max(len(n) for n in names) + 2, longest) * CHAR_W + 2 * PAD if names else 0
    for b in boxes.values():
        b.w = width
        b.h = HEADER_H + ROW_H * max(len(b.lines), 1) + PAD / 2
    depth = _layers(names, relations)
    order = {n: i for i, n in enumerate(names)}
    parents_of: dict[str, list[str]] = {n: [] for n in names}
    for r in relations:
        if r.child != r.parent and r.child in parents_of and r.parent in boxes:
            parents_of[r.child].append(r.parent)
    grid: list[list[str]] = []
    x_of: dict[str, float] = {}
    for level in sorted(set(depth.values())):
        members = [n for n in names if depth[n] == level]

        def barycentre(n: str) -> tuple[float, int]:
            xs = [x_of[p] for p in parents_of[n] if p in x_of]
            return (sum(xs) / len(xs) if xs else float(order[n]), order[n])

        members.sort(key=barycentre)
        for start in range(0, len(members), MAX_PER_ROW):
            row = members[start:start + MAX_PER_ROW]
            grid.append(row)
            for i, n in enumerate(row):
                x_of[n] = i - (len(row) - 1) / 2
    cols = max((len(r) for r in grid), default=0)
    loop_room = 50 if any(r.child == r.parent for r in relations) else 0
    total_w = (cols * width + (cols - 1) * GAP_X if cols else 0) + 2 * MARGIN + loop_room
    y = MARGIN
    for index, row in enumerate(grid):
        row_w = len(row) * width + (len(row) - 1) * GAP_X
        x = (total_w - loop_room - row_w) / 2
        for n in row:
            b = boxes[n]
            b.x, b.y, b.row = x, y, index
            x += width + GAP_X
        y += max(boxes[n].h for n in row) + GAP_Y
    total_h = y - GAP_Y + MARGIN + 16 * LEGEND_LINES + 4  # room for the legend
    total_w = max(total_w, LEGEND_CHARS * 11 * 0.6 + 2 * MARGIN)
    return [boxes[n] for n in names], total_w, total_h


def render(rows: tuple[EntityRow, ...], relations: tuple[Relation, ...]) -> str:
    """The diagram. Tenant references (every tenant-scoped entity has one) are listed in the boxes as
    `FK <field> (tenant)` and named in the legend rather than drawn, so the other lines stay readable."""
    tenant_root = next((r.parent for r in relations if r.tenant), None)
    drawn = tuple(r for r in relations if not r.tenant)
    boxes, w, h = layout(rows, relations)
    by_name = {b.name: b for b in boxes}
    out = [f'<svg class="er-diagram" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
           f'role="img" aria-label="Entity-relationship diagram">',
           "<title>Entity-relationship diagram</title>"]
    out += _edges(boxes, by_name, drawn)
    for b in boxes:
        out.append(_box(b))
    out.append(_legend(h, tenant_root))
    out.append("</svg>")
    return "\n".join(out)


def _box(b: Box) -> str:
    name = escape(b.name)
    parts = [f'<g class="entity" id="svg-entity-{name}" data-entity="{name}">',
             f'<rect class="box" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="4"/>',
             f'<rect class="head" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{HEADER_H}" rx="4"/>',
             f'<text class="name" x="{b.cx:.1f}" y="{b.y + HEADER_H - 7:.1f}" text-anchor="middle">{name}</text>']
    for i, (marker, field) in enumerate(b.lines):
        ty = b.y + HEADER_H + ROW_H * (i + 1) - 5
        parts.append(f'<text class="field" x="{b.x + PAD:.1f}" y="{ty:.1f}"><tspan class="key">{marker}</tspan> '
                     f"{escape(field)}</text>")
    parts.append("</g>")
    return "".join(parts)


def _edges(boxes: list[Box], by_name: dict[str, Box], relations: tuple[Relation, ...]) -> list[str]:
    """Each relation from the child's top (or side) to the parent's bottom (or side), attachment points
    spread along each edge in the order of the boxes at the other end."""
    tops: dict[str, list[Relation]] = {}
    bottoms: dict[str, list[Relation]] = {}
    drawable = [r for r in relations if r.child in by_name and r.parent in by_name]
    for r in drawable:
        if r.child != r.parent and by_name[r.parent].row < by_name[r.child].row:
            tops.setdefault(r.child, []).append(r)
            bottoms.setdefault(r.parent, []).append(r)
    for rs in tops.values():
        rs.sort(key=lambda r: (by_name[r.parent].cx, r.field))
    for rs in bottoms.values():
        rs.sort(key=lambda r: (by_name[r.child].cx, r.child, r.field))
    out = []
    lanes: dict[tuple[int, float], int] = {}
    gaps: dict[int, tuple[list[float], float, float]] = {}
    rows: dict[int, list[Box]] = {}  # the boxes of each row, left to right
    for b in sorted(boxes, key=lambda b: b.x):
        rows.setdefault(b.row, []).append(b)
    for r in drawable:
        child, parent = by_name[r.child], by_name[r.parent]
        if r in tops.get(r.child, []):
            i, n = tops[r.child].index(r), len(tops[r.child])
            j, m = bottoms[r.parent].index(r), len(bottoms[r.parent])
            start = (child.x + child.w * (i + 1) / (n + 1), child.y)
            end = (parent.x + parent.w * (j + 1) / (m + 1), parent.y + parent.h)
            mid_x = (start[0] + end[0]) / 2
            points = [start, *_through_rows(rows, parent.row, child.row, mid_x, lanes, gaps), end]
            out.append(_edge(r, _vertical_path(points), start, (0, -1), end, (0, 1)))
        else:  # same row, a lower row, or itself: leave from the right side and come back
            sy = child.y + HEADER_H / 2 + 4
            start = (child.x + child.w, sy)
            if r.child == r.parent:
                end = (child.x + child.w, child.y + child.h - 6)
                d = (f"M{start[0]:.1f},{start[1]:.1f} C{start[0] + 40:.1f},{start[1]:.1f} "
                     f"{end[0] + 40:.1f},{end[1]:.1f} {end[0]:.1f},{end[1]:.1f}")
            else:
                end = (parent.x, parent.y + HEADER_H / 2 + 4)
                if end[0] < start[0]:
                    start, end = (child.x, sy), (parent.x + parent.w, end[1])
                mid = (start[0] + end[0]) / 2
                d = (f"M{start[0]:.1f},{start[1]:.1f} C{mid:.1f},{start[1]:.1f} {mid:.1f},{end[1]:.1f} "
                     f"{end[0]:.1f},{end[1]:.1f}")
            sx = 1 if start[0] >= child.x + child.w - 0.5 else -1
            ex = 1 if r.child == r.parent or end[0] >= parent.x + parent.w - 0.5 else -1
            out.append(_edge(r, d, start, (sx, 0), end, (ex, 0)))
    return out


def _through_rows(rows: dict[int, list[Box]], top_row: int, bottom_row: int, x: float,
                  lanes: dict[tuple[int, float], int],
                  gaps: dict[int, tuple[list[float], float, float]] | None = None) -> list[tuple[float, float]]:
    """Waypoints that take a line spanning several rows (`rows`: each row's boxes, left to right) through
    the free gap of each row in between nearest to `x` (edges sharing a gap get lanes 6 px apart), bottom
    row first. `gaps` caches each row's gap centres and vertical extent across the lines of one diagram."""
    gaps = {} if gaps is None else gaps
    points: list[tuple[float, float]] = []
    for row in range(bottom_row - 1, top_row, -1):
        members = rows.get(row, [])
        if not members:
            continue
        if row not in gaps:
            gaps[row] = _row_gaps(members)
        centres, top, bottom = gaps[row]
        k = bisect.bisect_left(centres, x)
        centre = min(centres[max(k - 1, 0):k + 1], key=lambda g: (abs(g - x), g))  # the nearest gap
        lane = lanes.get((row, centre), 0)
        lanes[(row, centre)] = lane + 1
        gx = centre + (lane - (lane % 2) * 2 * lane) * 3  # 0, -3, +6, -9, ...: alternate around the centre
        points += [(gx, bottom), (gx, top)]
    return points


def _row_gaps(members: list[Box]) -> tuple[list[float], float, float]:
    """The centres of the free gaps of one row (ascending), and the row's top and bottom with margins."""
    edges = [MARGIN / 2, *(v for b in members for v in (b.x, b.x + b.w)), members[-1].x + members[-1].w + GAP_X]
    centres = [(edges[k] + edges[k + 1]) / 2 for k in range(0, len(edges) - 1, 2)]
    top = min(b.y for b in members) - GAP_Y / 3
    bottom = max(b.y + b.h for b in members) + GAP_Y / 3
    return centres, top, bottom


def _vertical_path(points: list[tuple[float, float]]) -> str:
    """A smooth path through `points`, leaving and entering each one vertically (upwards)."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    for (x1, y1) in rest:
        if abs(x1 - x0) < 0.5:
            d.append(f"L{x1:.1f},{y1:.1f}")
        else:
            mid = (y0 + y1) / 2
            d.append(f"C{x0:.1f},{mid:.1f} {x1:.1f},{mid:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)


def _edge(r: Relation, d: str, start: tuple[float, float], s_dir: tuple[int, int],
          end: tuple[float, float], e_dir: tuple[int, int]) -> str:
    kind = "tenant" if r.tenant else "owner" if r.owner else "reference"
    title = escape(f"{r.child}.{r.field} -> {r.parent}" + (" (optional)" if r.optional else ""))
    parts = [f'<g class="relation {kind}" data-from="{escape(r.child)}" data-to="{escape(r.parent)}">',
             f"<title>{title}</title>", f'<path class="line" d="{d}"/>',
             _many(start, s_dir), _one(end, e_dir, r.optional)]
    if not r.tenant:
        lx, ly = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        parts.append(f'<text class="label" x="{lx + 3:.1f}" y="{ly - 3:.1f}">{escape(r.field)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _many(p: tuple[float, float], d: tuple[int, int]) -> str:
    """Crow's foot with a circle (zero or more) at the child end."""
    px, py = p
    dx, dy = d
    qx, qy = px + dx * 12, py + dy * 12
    ox, oy = -dy * 7, dx * 7  # perpendicular
    cx, cy = px + dx * 17, py + dy * 17
    return (f'<path class="mark" d="M{qx:.1f},{qy:.1f} L{px + ox:.1f},{py + oy:.1f} M{qx:.1f},{qy:.1f} '
            f'L{px:.1f},{py:.1f} M{qx:.1f},{qy:.1f} L{px - ox:.1f},{py - oy:.1f}"/>'
            f'<circle class="mark" cx="{cx:.1f}" cy="{cy:.1f}" r="4"/>')


def _one(p: tuple[float, float], d: tuple[int, int], optional: bool) -> str:
    """Two bars (exactly one) or a bar and a circle (zero or one) at the parent end."""
    px, py = p
    dx, dy = d
    ox, oy = -dy * 6, dx * 6

    def bar(k: float) -> str:
        x, y = px + dx * k, py + dy * k
        return f"M{x + ox:.1f},{y + oy:.1f} L{x - ox:.1f},{y - oy:.1f}"

    if optional:
        cx, cy = px + dx * 15, py + dy * 15
        return (f'<path class="mark" d="{bar(6)}"/>'
                f'<circle class="mark" cx="{cx:.1f}" cy="{cy:.1f}" r="4"/>')
    return f'<path class="mark" d="{bar(6)} {bar(11)}"/>'


LEGEND_CHARS = 72  # the longest legend line, for the diagram's minimum width
LEGEND_LINES = 3


def _legend(h: float, tenant_root: str | None) -> str:
    lines = ["Crow's foot: many; two bars: exactly one; bar and circle: zero or one.",
             "Dark line: owned child (deleted with its parent); grey line: reference."]
    if tenant_root:
        lines.append(f"FK ... (tenant): references {tenant_root}; those lines are not drawn.")
    top = h - 10 - 16 * (LEGEND_LINES - 1)
    return ('<g class="legend">' + "".join(f'<text x="{MARGIN}" y="{top + 16 * i:.0f}">{escape(t)}</text>'
                                           for i, t in enumerate(lines)) + "</g>")
