"""Resolution of paths, predicates and reverse relations against IR entities."""

from __future__ import annotations

from schemac.compiler import nodes as n
from schemac.compiler.links import link_name
from schemac.compiler.model import (
    BUCKETS,
    NUMERIC_KINDS,
    ORDERED_KINDS,
    TEXT_KINDS,
    Const,
    Entity,
    Field,
    FieldKind,
    Param,
    Predicate,
    ScalarKind,
)
from schemac.diagnostics import Diagnostics, did_you_mean

ResolvedPath = tuple[tuple[str, ...], tuple[str, ...], Field]
TIME_KINDS = frozenset({ScalarKind.DATE, ScalarKind.TIMESTAMP})


_SIDE = {">": "from", ">=": "from", "<": "to", "<=": "to"}
_OP_TEXT = {"is_null": "is null", "is_not_null": "is not null", "match": "~"}


class PredicateResolver:
    def __init__(self, entities: dict[str, Entity], diags: Diagnostics,
                 dropped: set[tuple[str, str]] | None = None) -> None:
        self.entities = entities
        self.diags = diags
        self.dropped = dropped if dropped is not None else set()  # fields lost to an error already reported
        self._two_sided: set[str] = set()  # paths bounded on both sides in the where clause at hand

    # paths ------------------------------------------------------------------------------------------------
    def path(self, root: Entity, path: n.Path) -> ResolvedPath | None:
        """Follow `a.b.c` from `root`: every step but the last is a many-to-one reference.
        A trailing `.id` after a reference is the reference itself (`customer.id` == `customer`)."""
        steps: list[str] = []
        entities: list[str] = []
        entity = root
        parts = list(path.steps)
        if len(parts) > 1 and parts[-1].text == "id":
            ref = self._follow(root, parts[:-1])
            if ref is not None:
                parts = parts[:-1]
        for i, step in enumerate(parts):
            f = entity.field(step.text)
            if f is None and (entity.name, step.text) in self.dropped:
                return None  # its own error is reported: one error per root cause
            if f is None or not f.is_stored:
                hint = did_you_mean(step.text, [x.name for x in entity.stored_fields])
                if f is not None:
                    hint = (f" (`{f.name}` is a many-to-many: its rows live in the junction entity "
                            f"{link_name(entity.name, f.name)}; query that entity instead)")
                self.diags.report("SC0105", step.span, name=step.text, owner=entity.name, hint=hint)
                return None
            steps.append(f.name)
            entities.append(entity.name)
            if i == len(parts) - 1:
                return tuple(steps), tuple(entities), f
            if f.kind is not FieldKind.REFERENCE or f.target not in self.entities:
                self.diags.report("SC0106", step.span, name=step.text, next=parts[i + 1].text)
                return None
            entity = self.entities[f.target]
        return None

    def _follow(self, root: Entity, parts: list[n.Name]) -> Field | None:
        entity: Entity | None = root
        f = None
        for step in parts:
            f = entity.field(step.text) if entity else None
            if f is None or f.kind is not FieldKind.REFERENCE or f.target not in self.entities:
                return None
            entity = self.entities[f.target]
        return f

    def reverse_relation(self, parent: Entity, path: n.Path) -> tuple[Entity, str, str | None] | None:
        """`Child`, `Child.via`, `Child.field` or `Child.via.field` seen from `parent`:
        (child entity, the child's reference to parent, the child field named after it, if any)."""
        head = path.steps[0]
        child = self.entities.get(head.text)
        if child is None:
            self.diags.report("SC0102", head.span, name=head.text, hint=did_you_mean(head.text, self.entities))
            return None
        rest = [s.text for s in path.steps[1:]]
        refs = [f for f in child.references if f.target == parent.name]
        if rest and child.field(rest[0]) is not None and child.field(rest[0]) in refs:
            via = rest.pop(0)
        elif len(refs) == 1:
            via = refs[0].name
        elif not refs and any(owner == child.name for owner, _ in self.dropped):
            return None  # the reference may be the field whose type was not found: that is the one error
        elif not refs:
            self.diags.report("SC0113", path.span, entity=child.name, parent=parent.name,
                              hint=f" (add a field such as `{parent.name.lower()} {parent.name}` to {child.name})")
            return None
        else:
            names = ", ".join(f.name for f in refs)
            self.diags.report("SC0114", path.span, entity=child.name, parent=parent.name, fields=names,
                              example=f"{child.name}.{refs[0].name}")
            return None
        if len(rest) > 1:
            self.diags.report("SC0105", path.span, name=".".join(rest), owner=child.name,
                              hint=" (an aggregate takes one field of the child)")
            return None
        return child, via, (rest[0] if rest else None)

    # predicates -------------------------------------------------------------------------------------------
    def constant(self, entity: Entity, where: n.Where) -> tuple[Predicate, ...]:
        """A where clause of constant predicates only (partial indexes, volumes, aggregates)."""
        self._no_or(where)
        out = []
        for p in where.predicates:
            if p.bucket is not None:
                self.diags.report("SC0220", p.bucket.span, bucket=p.bucket.text, path=p.path.text,
                                  reason="cannot stand in a constant where clause (volumes, partial keys, "
                                  "aggregates)",
                                  help=f"compare `{p.path.text}` itself with a constant, or drop the predicate")
                continue
            if isinstance(p.value, n.Param) or isinstance(p.value2, n.Param):
                self.diags.report("SC0209", p.span, reason="this predicate must be constant (no `?` parameter)")
                continue
            resolved = self.predicate(entity, p, params={})
            if resolved is not None:
                out.append(resolved)
        return tuple(out)

    def _no_or(self, where: n.Where) -> None:
        for span in where.or_spans:
            self.diags.report("SC0203", span)

    def where(self, entity: Entity, where: n.Where, params: dict[str, Param]) -> tuple[Predicate, ...]:
        self._no_or(where)
        # a field bounded on both sides (`x >= ? and x < ?`) gets `x_from` and `x_to`, like `between`
        sides: dict[str, set[str]] = {}
        for p in where.predicates:
            if isinstance(p.value, n.Param) and not p.value.name and p.op in _SIDE and p.bucket is None:
                sides.setdefault(p.path.text, set()).add(_SIDE[p.op])
        self._two_sided = {path for path, s in sides.items() if len(s) == 2}
        try:
            return tuple([r for p in where.predicates if (r := self.predicate(entity, p, params)) is not None])
        finally:
            self._two_sided = set()

    def bucket(self, func: n.Name, path: n.Path, f: Field, entity: str) -> str | None:
        """The bucket `func(path)` names, when `func` is one and `f` a date or timestamp; else reported."""
        if func.text not in BUCKETS:
            self.diags.report("SC0219", func.span, name=func.text, hint=did_you_mean(func.text, BUCKETS),
                              help="write day(...), week(...), month(...), quarter(...) or year(...)")
            return None
        kind = f.scalar.kind if f.scalar and f.kind is FieldKind.SCALAR else None
        if kind not in TIME_KINDS:
            shown = kind.value if kind else f"a {f.kind.value}" + (f" to {f.target}" if f.target else "")
            self.diags.report("SC0218", path.span, bucket=func.text, path=path.text, entity=entity,
                              field=f.name, type=shown, help="bucket a date or timestamp field")
            return None
        return func.text

    def _bucket_predicate(self, p: n.Predicate, f: Field, entity: str) -> str | None:
        assert p.bucket is not None
        bucket = self.bucket(p.bucket, p.path, f, entity)
        if bucket is None:
            return None
        values = (p.value, p.value2) if p.op == "between" else (p.value,)
        if p.op not in ("=", "between"):
            reason = f"is compared with `= ?` or `between ? and ?`, not `{_OP_TEXT.get(p.op, p.op)}`"
        elif not all(isinstance(v, n.Param) for v in values):
            reason = "is compared with a parameter (`?` or `:name`) naming a bucket by its first instant"
        else:
            return bucket
        self.diags.report("SC0220", p.span, bucket=bucket, path=p.path.text, reason=reason,
                          help=f"write `{bucket}({p.path.text}) = ?` or `{bucket}({p.path.text}) between ? and ?`")
        return None

    def predicate(self, root: Entity, p: n.Predicate, params: dict[str, Param]) -> Predicate | None:
        resolved = self.path(root, p.path)
        if resolved is None:
            return None
        steps, entities, f = resolved
        op = p.op
        bucket = None
        if p.bucket is not None:
            bucket = self._bucket_predicate(p, f, entities[-1])
            if bucket is None:
                return None
        if f.kind not in (FieldKind.SCALAR, FieldKind.REFERENCE) and op not in ("is_null", "is_not_null"):
            self.diags.report("SC0213", p.path.span, name=f.name, entity=entities[-1], value="a value here")
            return None
        kind = f.scalar.kind if f.scalar else None
        if op in ("<", "<=", ">", ">=", "between") and f.kind is FieldKind.SCALAR and kind not in (
                ORDERED_KINDS | TEXT_KINDS | {ScalarKind.UUID}):
            self.diags.report("SC0213", p.span, name=f.name, entity=entities[-1], value=f"a range ({op})")
            return None
        if op == "match" and kind not in TEXT_KINDS:
            self.diags.report("SC0213", p.span, name=f.name, entity=entities[-1], value="full-text search (~)")
            return None
        if op in ("is_null", "is_not_null"):
            return Predicate(steps=steps, entities=entities, op=op, span=p.span)  # type: ignore[arg-type]
        base = _param_base(steps, f) + (f"_{bucket}" if bucket else "")
        v1 = self._value(p.value, f, steps, entities, base, op, params, second=False)
        v2 = self._value(p.value2, f, steps, entities, base, op, params, second=True) if op == "between" else None
        if v1 is None or (op == "between" and v2 is None):
            return None
        return Predicate(steps=steps, entities=entities, op=op, value=v1, value2=v2,  # type: ignore[arg-type]
                         bucket=bucket, span=p.span)  # type: ignore[arg-type]

    def _value(self, v: n.Value | None, f: Field, steps: tuple[str, ...], entities: tuple[str, ...],
               base: str, op: str, params: dict[str, Param], *, second: bool) -> Param | Const | None:
        if isinstance(v, n.Param):
            if v.name:
                name = v.name
            elif op == "between":
                name = f"{base}_{'to' if second else 'from'}"
            elif op in _SIDE and ".".join(steps) in self._two_sided:
                name = f"{base}_{_SIDE[op]}"
            else:
                name = base
                if name in params and params[name].field == f.name:
                    name = f"{base}_{'to' if op in ('<', '<=') else 'from'}"
            param = Param(name=name, field=f.name, entity=entities[-1], is_list=op == "in", span=v.span)
            if name in params and (params[name].field, params[name].entity) != (f.name, entities[-1]):
                self.diags.report("SC0209", v.span, reason=f"parameter `{name}` names two different fields")
                return None
            params.setdefault(name, param)
            return param
        assert v is not None
        value = self._literal(v, f, entities[-1])
        return None if value is None else Const(value=value, span=v.span)

    def _literal(self, v: n.Literal, f: Field, entity: str) -> float | int | str | bool | None:
        kind = f.scalar.kind if f.scalar else None
        if isinstance(v, n.Name):
            if kind is ScalarKind.ENUM and f.scalar and v.text in f.scalar.values:
                return v.text
            if kind is ScalarKind.BOOL and v.text in ("true", "false"):
                return v.text == "true"
            extra = did_you_mean(v.text, f.scalar.values) if kind is ScalarKind.ENUM and f.scalar else ""
            self.diags.report("SC0213", v.span, name=f.name, entity=entity, value=f"`{v.text}`{extra}")
            return None
        if isinstance(v, n.Number):
            if kind not in NUMERIC_KINDS:
                self.diags.report("SC0213", v.span, name=f.name, entity=entity, value=v.text)
                return None
            return int(v.value) if v.is_integer else v.value
        if kind not in TEXT_KINDS | {ScalarKind.DATE, ScalarKind.TIMESTAMP, ScalarKind.UUID}:
            self.diags.report("SC0213", v.span, name=f.name, entity=entity, value=f'"{v.value}"')
            return None
        return v.value


def _param_base(steps: tuple[str, ...], f: Field) -> str:
    base = "_".join(steps)
    return f"{base}_id" if f.kind is FieldKind.REFERENCE else base
