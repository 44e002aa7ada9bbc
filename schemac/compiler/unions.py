"""`from A | B | C` (SDL 1.2 §5.2): the listed entities, and the fields a query over them names.

The query resolves against the first entity as any query does (an unknown field there is SC0105); every
field or path it names in `where`, `order`, `group` and `select` must then exist in each other listed entity
(SC0222) with the same type (SC0223). References to the same entity are the same type; string lengths and
decimal precisions may differ (the union's column takes the wider one).
"""

from __future__ import annotations

from collections.abc import Iterator

from schemac.compiler import nodes as n
from schemac.compiler.model import Entity, Field, FieldKind
from schemac.diagnostics import Diagnostics, did_you_mean


def sources(names: tuple[n.Name, ...], entities: dict[str, Entity], diags: Diagnostics) -> list[Entity] | None:
    """The listed entities in order; None (reported) when one is unknown, a junction, or listed twice."""
    out: list[Entity] = []
    ok = True
    for name in names:
        e = entities.get(name.text)
        if e is None or e.junction:
            diags.report("SC0102", name.span, name=name.text,
                         hint=did_you_mean(name.text, [x for x in entities if not entities[x].junction]))
            ok = False
        elif any(x.name == e.name for x in out):
            diags.report("SC0221", name.span, entity=e.name, help=f"list `{e.name}` once")
            ok = False
        else:
            out.append(e)
    return out if ok and out else None


def named_paths(clauses: dict[str, object]) -> Iterator[n.Path]:
    """Every field path a query names in where, order, group and select (aggregated ones included)."""
    where = clauses.get("where")
    if isinstance(where, n.Where):
        yield from (p.path for p in where.predicates)
    for item in clauses.get("order", ()):  # type: ignore[attr-defined]
        yield item.path
    for item in clauses.get("group", ()):  # type: ignore[attr-defined]
        yield item.path if isinstance(item, n.BucketCall) else item
    for item in clauses.get("select", ()):  # type: ignore[attr-defined]
        if item.path is not None:
            yield item.path


def check_fields(root: Entity, others: list[Entity], paths: Iterator[n.Path], entities: dict[str, Entity],
                 aliases: set[str], diags: Diagnostics) -> None:
    """SC0222 / SC0223 for each path that resolves in `root` but is missing or typed otherwise in another."""
    seen: set[str] = set()
    for path in paths:
        if path.text in seen:
            continue
        seen.add(path.text)
        first = walk(root, path, entities)
        if first is None:
            continue  # not a field of the first entity: a select alias, or reported already
        for other in others:
            f = walk(other, path, entities)
            if f is None:
                diags.report("SC0222", path.span, path=path.text, entity=other.name,
                             help=f"add `{path.text}` to {other.name}, or drop {other.name} from `from`")
            elif type_key(f) != type_key(first):
                diags.report("SC0223", path.span, path=path.text, type=_shown(f), entity=other.name,
                             first_type=_shown(first), first=root.name,
                             help=f"give `{path.text}` one type in {root.name} and {other.name}")


def walk(entity: Entity, path: n.Path, entities: dict[str, Entity]) -> Field | None:
    """The field `path` ends at from `entity` (references followed), or None; reports nothing."""
    f = None
    current: Entity | None = entity
    steps = [s.text for s in path.steps]
    if len(steps) > 1 and steps[-1] == "id":
        steps = steps[:-1]  # `customer.id` is the reference itself
    for i, step in enumerate(steps):
        if current is None:
            return None
        f = current.field(step)
        if f is None or not f.is_stored:
            return None
        if i < len(steps) - 1:
            current = entities.get(f.target) if f.kind is FieldKind.REFERENCE and f.target else None
    return f


def type_key(f: Field) -> tuple[object, ...]:
    scalar = f.scalar
    return (f.kind, scalar.kind if scalar else None, scalar.values if scalar else (), f.target)


def _shown(f: Field) -> str:
    if f.kind is FieldKind.REFERENCE:
        return f"a reference to {f.target}"
    if f.scalar is not None:
        if f.scalar.values:
            return f"enum({', '.join(f.scalar.values)})"
        return f.scalar.kind.value if f.kind is FieldKind.SCALAR else f"list<{f.scalar.kind.value}>"
    return f"a {f.kind.value}" + (f" {f.target}" if f.target else "")
