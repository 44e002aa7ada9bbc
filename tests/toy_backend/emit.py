"""Design -> containers.txt and requests.txt, and the catalog of both, from the same structures."""

from __future__ import annotations

from schemac import catalog as c
from schemac.backends import Artifact, BuildOptions, EmitResult
from schemac.compiler.design.model import Design
from schemac.compiler.model import Entity
from schemac.compiler.naming import pascal


def emit(design: Design, options: BuildOptions) -> EmitResult:
    catalog = c.Catalog(target=design.target, containers=_containers(design), keys=_keys(design),
                        statements=_requests(design, getattr(options, "page_size", 25)))
    return EmitResult(artifacts=[Artifact("containers.txt", _containers_text(catalog)),
                                 Artifact("requests.txt", "\n".join(s.text for s in catalog.statements) + "\n")],
                      catalog=catalog)


def _containers(design: Design) -> tuple[c.Container, ...]:
    out = []
    for line, e in enumerate(_tables(design), 1):
        members = tuple(c.Member(name=f.name, type=f.scalar.kind.value if f.scalar else f.kind.value,
                                 nullable=f.optional, field=f.name) for f in e.stored_fields)
        out.append(c.Container(name=e.name.lower(), kind="collection", entity=e.name, members=members,
                               role="junction" if e.junction else "entity",
                               location=c.Location(artifact="containers.txt", line=line)))
    return tuple(out)


def _tables(design: Design) -> tuple[Entity, ...]:
    """What the relational layout stores: the model's entities, then the junction tables."""
    return design.relational.stored(design.model).entities


def _keys(design: Design) -> tuple[c.Key, ...]:
    keys = [c.Key(name=f"{e.name.lower()}_pk", container=e.name.lower(), kind="primary", parts=e.primary_key)
            for e in _tables(design)]
    for pos, plan in enumerate(design.relational.indexes):
        parts = tuple(p.field for p in plan.parts)
        keys.append(c.Key(name=f"{plan.entity.lower()}_by_{'_'.join(parts)}", container=plan.entity.lower(),
                          parts=parts, kind="unique" if plan.unique else "index", plans=(pos,), serves=plan.serves))
    return tuple(keys)


def _requests(design: Design, page: int) -> tuple[c.Statement, ...]:
    out = [c.Statement(name=pascal(q.name), kind="one" if q.returns_one else "many", pattern=q.name,
                       params=tuple(c.Param(name=p.name, type=p.field) for p in q.params),
                       text=f"find {q.entity.lower()} limit {page}") for q in design.model.queries]
    out += [c.Statement(name=pascal(w.name), kind="exec", pattern=w.name, text=f"{w.op} {w.entity.lower()}")
            for w in design.model.writes]
    return tuple(out)


def _containers_text(catalog: c.Catalog) -> str:
    return "".join(f"{t.name}: {', '.join(f'{m.name} {m.type}' for m in t.members)}\n" for t in catalog.containers)
