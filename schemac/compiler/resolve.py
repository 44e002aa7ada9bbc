"""AST -> IR, part 1: the model block, entities, value types and their fields.

Names are resolved, defaults applied and policies expanded into explicit IR: primary keys per `ids`,
created_at/updated_at/deleted_at per modifiers, the tenant reference on every non-@global entity,
tenant-leading uniques, and a `ManyToMany` relation for each `Name[]` (its link entity, `links.link_entity`,
is resolved against by writes that name it, but is no entity of the model). Access patterns are resolved in
`patterns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemac.compiler import nodes as n
from schemac.compiler.gcpause import paused_gc
from schemac.compiler.links import link_entity, link_volume, relation_for
from schemac.compiler.model import (
    NUMERIC_KINDS,
    ORDERED_KINDS,
    TEXT_KINDS,
    Aggregate,
    Check,
    ConditionalVolume,
    Default,
    Entity,
    Field,
    FieldKind,
    FieldOrigin,
    Index,
    KeyPart,
    ManyToMany,
    OnDelete,
    Scalar,
    ScalarKind,
    Settings,
    Unique,
    ValueType,
    Volume,
)
from schemac.compiler.naming import snake
from schemac.compiler.predicates import PredicateResolver
from schemac.diagnostics import Diagnostics, Span, did_you_mean

BUILTIN_TYPES = {k.value: k for k in ScalarKind} | {"money": ScalarKind.DECIMAL}
BUILTIN_NAMES = sorted([*BUILTIN_TYPES, "list"])
FIELD_ATTRS = {"pii", "unique", "index", "owner", "on_delete", "doc", "search", "expires"}
ENTITY_ATTRS = {"append_only", "hard_delete", "global", "audited", "versioned", "table", "collection", "doc"}
SETTINGS = {"tenant", "ids", "deletes", "horizon", "compliance", "audit"}
MONTHS_PER = {"month": 1.0, "months": 1.0, "year": 12.0, "years": 12.0, "week": 12 / 52, "weeks": 12 / 52,
              "day": 12 / 365, "days": 12 / 365}
INT_BOUNDS = {ScalarKind.SMALLINT: 2**15 - 1, ScalarKind.INT: 2**31 - 1, ScalarKind.BIGINT: 2**63 - 1}
SIZE_UNITS = {"bytes": 1, "byte": 1, "B": 1, "KiB": 1024, "KB": 1000, "kB": 1000, "MiB": 1024 * 1024}


@dataclass
class Declarations:
    """Every declaration of the model's files, by kind, first occurrence kept (duplicates reported)."""

    model: n.ModelDecl | None = None
    entities: dict[str, n.EntityDecl] = field(default_factory=dict)
    types: dict[str, n.EntityDecl] = field(default_factory=dict)
    queries: dict[str, n.QueryDecl] = field(default_factory=dict)
    writes: dict[str, n.WriteDecl] = field(default_factory=dict)
    actions: dict[str, n.ActionDecl] = field(default_factory=dict)
    # (entity or type, field) declared but dropped by an error already reported (an unknown type, say):
    # a later "unknown field" about it would be a second error for one root cause, so none is reported
    dropped: set[tuple[str, str]] = field(default_factory=set)


def collect(files: list[n.File], diags: Diagnostics) -> Declarations:
    decls = Declarations()
    names: dict[str, Span] = {}  # entities and types share one namespace
    patterns: dict[str, Span] = {}  # queries, writes and actions share another
    for file in files:
        for d in file.decls:
            if isinstance(d, n.ModelDecl):
                if decls.model is not None:
                    diags.report("SC0109", d.span, reason=f"a second `model` block (the first is at "
                                 f"{decls.model.span})")
                else:
                    decls.model = d
            elif isinstance(d, n.EntityDecl):
                if _unique_name(d.name, "type" if d.is_type else "entity", names, diags):
                    (decls.types if d.is_type else decls.entities)[d.name.text] = d
            elif isinstance(d, n.QueryDecl | n.WriteDecl | n.ActionDecl):
                kind = {n.QueryDecl: "query", n.WriteDecl: "write", n.ActionDecl: "action"}[type(d)]
                if _unique_name(d.name, kind, patterns, diags):
                    getattr(decls, {"query": "queries", "write": "writes", "action": "actions"}[kind])[
                        d.name.text] = d
    return decls


def _unique_name(name: n.Name, kind: str, seen: dict[str, Span], diags: Diagnostics) -> bool:
    if name.text in seen:
        diags.report("SC0103", name.span, kind=kind, name=name.text, first=seen[name.text])
        return False
    seen[name.text] = name.span
    return True


# -- settings ------------------------------------------------------------------------------------------------


def resolve_settings(decls: Declarations, default_name: str, diags: Diagnostics) -> Settings:
    model = decls.model
    if model is None:
        return Settings(name=default_name)
    values: dict[str, object] = {"name": model.name.text, "span": model.span}
    choices = {"ids": ("uuid7", "uuid4", "bigint"), "deletes": ("soft", "hard"),
               "compliance": ("gdpr", "none"), "audit": ("on", "off")}
    for s in model.settings:
        key = s.name.text
        words = [v.text if isinstance(v, n.Name) else None for v in s.values]
        if key not in SETTINGS:
            diags.report("SC0107", s.name.span, name=key, hint=did_you_mean(key, SETTINGS))
        elif key in choices:
            if len(words) != 1 or words[0] not in choices[key]:
                diags.report("SC0108", s.span, name=key, reason="expected " + " or ".join(choices[key]))
            else:
                values[key] = words[0] == "on" if key == "audit" else words[0]
        elif key == "tenant":
            if len(s.values) != 1 or not isinstance(s.values[0], n.Name):
                diags.report("SC0108", s.span, name=key, reason="expected the name of the tenant entity")
            elif s.values[0].text not in decls.entities:
                diags.report("SC0102", s.values[0].span, name=s.values[0].text,
                             hint=did_you_mean(s.values[0].text, decls.entities))
            else:
                values["tenant"] = s.values[0].text
        elif key == "horizon":
            months = _horizon(s)
            if months is None:
                diags.report("SC0108", s.span, name=key, reason="expected a duration such as `18 months` "
                             "or `2 years`")
            else:
                values["horizon_months"] = months
    return Settings(**values)  # type: ignore[arg-type]


def _horizon(s: n.Setting) -> float | None:
    if len(s.values) != 2 or not isinstance(s.values[0], n.Number) or not isinstance(s.values[1], n.Name):
        return None
    unit = MONTHS_PER.get(s.values[1].text)
    if unit is None or s.values[0].value <= 0:
        return None
    return s.values[0].value * unit


# -- entities --------------------------------------------------------------------------------------------------


@dataclass
class Resolved:
    """What `EntityResolver` makes: the model's entities, types and relations, and the relations' link
    entities by name (patterns resolve against entities and links: a write may name a link)."""

    entities: list[Entity]
    types: list[ValueType]
    relations: list[ManyToMany]
    links: dict[str, Entity]


class EntityResolver:
    """Builds IR entities and value types; aggregates are resolved once every entity's fields exist."""

    def __init__(self, decls: Declarations, settings: Settings, diags: Diagnostics) -> None:
        self.decls = decls
        self.settings = settings
        self.diags = diags
        self.entities: dict[str, Entity] = {}
        self.types: dict[str, ValueType] = {}
        self.relations: list[ManyToMany] = []

    # public ------------------------------------------------------------------------------------------------
    @paused_gc()
    def resolve(self) -> Resolved:
        for name, decl in self.decls.types.items():
            for attr in decl.attributes:
                self.diags.report("SC0111", attr.span, name=attr.name.text,
                                  reason="does not apply to a value type (types take no modifiers)")
            fields = self._fields(decl, in_type=True)
            self._check_duplicate_fields(decl.name.text, fields, {})
            self.types[name] = ValueType(name=name, fields=tuple(fields), span=decl.span)
        for name, decl in self.decls.entities.items():
            self.entities[name] = self._entity(decl)
        for decl in self.decls.entities.values():
            self._add_relations(decl)
        preds = PredicateResolver(self.entities, self.diags, self.decls.dropped)
        for name, decl in self.decls.entities.items():
            self.entities[name] = self._finish(self.entities[name], decl, preds)
        self.relations = [r.model_copy(update={"volume": link_volume(r, self.entities)}) for r in self.relations]
        for r in self.relations:
            self.entities[r.name] = link_entity(r, self.entities[r.owner])
        self._check_owner_cycles()
        return Resolved(entities=[e for e in self.entities.values() if not e.junction], types=list(self.types.values()),
                        relations=self.relations, links={r.name: self.entities[r.name] for r in self.relations})

    # entity ------------------------------------------------------------------------------------------------
    def _entity(self, decl: n.EntityDecl) -> Entity:
        mods = self._modifiers(decl)
        name = decl.name.text
        tenant_root = self.settings.tenant == name
        global_ = bool(mods.get("global")) or tenant_root or self.settings.tenant is None
        append_only = bool(mods.get("append_only"))
        hard = bool(mods.get("hard_delete"))
        declared = self._fields(decl, in_type=False)
        by_name = {f.name: f for f in declared}
        fields: list[Field] = [self._id_field(decl, by_name)]
        tenant = self._tenant_field(decl, by_name, global_)
        if tenant is not None:
            fields.append(tenant)
        soft = self.settings.deletes == "soft" and not hard and not append_only
        now = Default(kind="now", span=decl.span)
        implicit: list[Field] = []
        if mods.get("versioned"):
            implicit.append(self._implicit("version", ScalarKind.INT, FieldOrigin.VERSION, decl.span,
                                           by_name, default=Default(kind="literal", value=1, span=decl.span)))
        implicit.append(self._implicit("created_at", ScalarKind.TIMESTAMP, FieldOrigin.CREATED_AT, decl.span,
                                       by_name, default=now))
        if not append_only:
            implicit.append(self._implicit("updated_at", ScalarKind.TIMESTAMP, FieldOrigin.UPDATED_AT,
                                           decl.span, by_name, default=now))
        if soft:
            implicit.append(self._implicit("deleted_at", ScalarKind.TIMESTAMP, FieldOrigin.DELETED_AT,
                                           decl.span, by_name, optional=True))
        taken = {f.name for f in implicit}
        fields += [f for f in declared if f.name != "id" and f.name not in taken
                   and (tenant is None or f.name != tenant.name)]
        fields += implicit
        self._check_duplicate_fields(name, declared, {})
        expires = self._expires(name, decl, fields)
        if mods.get("audited") and not self.settings.audit:
            self.diags.report("SC0212", decl.name.span, entity=name)
        return Entity(
            name=name, fields=tuple(fields), primary_key=("id",), volume=Volume(),
            append_only=append_only, hard_delete=hard, soft_delete=soft, global_=global_,
            tenant_root=tenant_root, audited=bool(mods.get("audited")) and self.settings.audit,
            versioned=bool(mods.get("versioned")), expires=expires, table_name=mods.get("table"),
            collection_name=mods.get("collection"), doc=mods.get("doc"), span=decl.span)

    def _expires(self, entity: str, decl: n.EntityDecl, fields: list[Field]) -> str | None:
        """The one field marked `@expires` (SC0217 for each further one)."""
        marked = [f for f in fields if f.expires]
        for extra in marked[1:]:
            attr = _attribute(decl, extra.name, "expires")
            self.diags.report("SC0217", attr.span if attr else extra.span, entity=entity, field=extra.name,
                              first=marked[0].name, help=f"keep `@expires` on `{marked[0].name}` only")
        return marked[0].name if marked else None

    def _modifiers(self, decl: n.EntityDecl) -> dict[str, object]:
        mods: dict[str, object] = {}
        for attr in decl.attributes:
            key = attr.name.text
            if key not in ENTITY_ATTRS:
                hint = did_you_mean(key, ENTITY_ATTRS)
                if key in FIELD_ATTRS:
                    hint = " on an entity (it is a field attribute)"
                self.diags.report("SC0110", attr.span, name=key, hint=hint)
                continue
            if key in ("table", "collection", "doc"):
                text = self._string_arg(attr)
                if text is not None:
                    mods[key] = text
            elif attr.args:
                self.diags.report("SC0111", attr.span, name=key, reason="takes no arguments")
            else:
                mods[key] = True
        if mods.get("append_only") and mods.get("versioned"):
            self.diags.report("SC0111", decl.name.span, name="versioned",
                              reason="cannot be combined with @append_only (versions are updates)")
        return mods

    def _string_arg(self, attr: n.Attribute) -> str | None:
        if len(attr.args) != 1 or not isinstance(attr.args[0], n.String) or not attr.args[0].value:
            self.diags.report("SC0111", attr.span, name=attr.name.text,
                              reason='takes one non-empty string, as in @' + attr.name.text + '("…")')
            return None
        return attr.args[0].value

    def _id_field(self, decl: n.EntityDecl, by_name: dict[str, Field]) -> Field:
        own = by_name.get("id")
        if own is not None:
            if own.kind is not FieldKind.SCALAR or own.scalar is None or own.scalar.kind not in (
                    ScalarKind.UUID, ScalarKind.BIGINT, ScalarKind.INT):
                self.diags.report("SC0206", own.span,
                                  type=_describe(own), reason="the primary key `id` must be uuid, bigint or int")
            return own.model_copy(update={"origin": FieldOrigin.ID, "optional": False})
        kind = ScalarKind.BIGINT if self.settings.ids == "bigint" else ScalarKind.UUID
        return Field(name="id", kind=FieldKind.SCALAR, scalar=Scalar(kind=kind), origin=FieldOrigin.ID,
                     span=decl.name.span)

    def _tenant_field(self, decl: n.EntityDecl, by_name: dict[str, Field], global_: bool) -> Field | None:
        tenant = self.settings.tenant
        if tenant is None or global_:
            return None
        existing = [f for f in by_name.values() if f.is_reference and f.target == tenant]
        if len(existing) == 1 and not existing[0].optional:
            return existing[0].model_copy(update={"origin": FieldOrigin.TENANT})
        name = snake(tenant)
        if name in by_name:
            self.diags.report("SC0104", by_name[name].span, name=name, owner=decl.name.text,
                              first="the tenant reference schemac adds")
        return Field(name=name, kind=FieldKind.REFERENCE, target=tenant, on_delete=OnDelete.RESTRICT,
                     origin=FieldOrigin.TENANT, span=decl.name.span,
                     doc=f"Tenant: the {tenant} this row belongs to.")

    def _implicit(self, name: str, kind: ScalarKind, origin: FieldOrigin, span: Span,
                  by_name: dict[str, Field], *, optional: bool = False, default: Default | None = None) -> Field:
        own = by_name.get(name)
        if own is not None:  # the user declared it (to document it, say): keep theirs, mark its role
            return own.model_copy(update={"origin": origin})
        return Field(name=name, kind=FieldKind.SCALAR, scalar=Scalar(kind=kind), optional=optional,
                     default=default, origin=origin, span=span)

    def _check_duplicate_fields(self, owner: str, fields: list[Field], seen: dict[str, Span]) -> None:
        for f in fields:
            if f.name in seen:
                self.diags.report("SC0104", f.span, name=f.name, owner=owner, first=seen[f.name])
            else:
                seen[f.name] = f.span

    # fields --------------------------------------------------------------------------------------------------
    def _field(self, fd: n.FieldDecl, owner: n.EntityDecl, *, in_type: bool) -> Field | None:
        shape = self._type(fd.type, in_type=in_type)
        if shape is None:
            return None
        kind, scalar, target = shape
        attrs = self._field_attrs(fd, kind)
        owner_flag = bool(attrs.get("owner"))
        on_delete = attrs.get("on_delete")
        if kind is FieldKind.REFERENCE:
            on_delete = on_delete or (OnDelete.CASCADE if owner_flag else OnDelete.RESTRICT)
            if on_delete is OnDelete.SET_NULL and not fd.optional:
                self.diags.report("SC0111", fd.span, name="on_delete",
                                  reason="(set_null) needs an optional reference: add `?` to the type")
        base = Field(name=fd.name.text, kind=kind, scalar=scalar, target=target, optional=fd.optional,
                     owner=owner_flag, on_delete=on_delete if kind is FieldKind.REFERENCE else None,
                     pii=bool(attrs.get("pii")), unique=bool(attrs.get("unique")),
                     indexed=bool(attrs.get("index")), search=bool(attrs.get("search")),
                     expires=bool(attrs.get("expires")), doc=attrs.get("doc"), span=fd.span)  # type: ignore[arg-type]
        if base.expires and (in_type or not _is_time(base)):
            self._bad_expires(fd, owner, base, in_type=in_type)
            base = base.model_copy(update={"expires": False})
        checks = tuple(self._field_checks(fd, base))
        default = self._literal_default(fd, base) if isinstance(fd.default, n.Number | n.String | n.Name) else None
        return base.model_copy(update={"checks": checks, "default": default})

    def _bad_expires(self, fd: n.FieldDecl, owner: n.EntityDecl, f: Field, *, in_type: bool) -> None:
        attr = next(a for a in fd.attributes if a.name.text == "expires")
        if in_type:
            self.diags.report("SC0111", attr.span, name="expires",
                              reason="applies to a field of an entity, not of a value type")
            return
        self.diags.report("SC0216", attr.span, entity=owner.name.text, field=f.name, type=_describe(f),
                          help="put `@expires` on a date or timestamp field")

    def _fields(self, decl: n.EntityDecl, *, in_type: bool) -> list[Field]:
        out = []
        for fd in decl.fields:
            f = self._field(fd, decl, in_type=in_type)
            if f is None:
                self.decls.dropped.add((decl.name.text, fd.name.text))
            else:
                out.append(f)
        return out

    def _type(self, t: n.TypeExpr, *, in_type: bool) -> tuple[FieldKind, Scalar | None, str | None] | None:
        name = t.name.text
        if t.many:
            if name not in self.decls.entities or in_type:
                return self._unknown_type(t, entity_only=True)
            return FieldKind.MANY, None, name
        if name == "list":
            if t.generic is None or t.generic.many or t.generic.generic is not None:
                self.diags.report("SC0206", t.span, type="list", reason="write list<T> with a scalar T")
                return None
            inner = self._scalar(t.generic)
            return (FieldKind.LIST, inner, None) if inner else None
        if name in BUILTIN_TYPES:
            scalar = self._scalar(t)
            return (FieldKind.SCALAR, scalar, None) if scalar else None
        if name not in self.decls.entities and name not in self.decls.types:
            return self._unknown_type(t, entity_only=False)
        if t.args or t.generic:
            self.diags.report("SC0206", t.span, type=name, reason="only built-in types take arguments")
            return None
        if name in self.decls.entities:
            if in_type:
                self.diags.report("SC0206", t.span, type=name,
                                  reason="a value type cannot reference an entity; store it on the entity")
                return None
            return FieldKind.REFERENCE, None, name
        if name in self.decls.types:
            return FieldKind.EMBEDDED, None, name
        return self._unknown_type(t, entity_only=False)

    def _unknown_type(self, t: n.TypeExpr, *, entity_only: bool) -> None:
        pool = list(self.decls.entities) if entity_only else [*BUILTIN_NAMES, *self.decls.entities,
                                                              *self.decls.types]
        hint = did_you_mean(t.name.text, pool)
        if entity_only and not hint:
            hint = " (`Name[]` is a many-to-many to an entity)"
        self.diags.report("SC0101", t.name.span, name=t.name.text + ("[]" if t.many else ""), hint=hint)

    def _scalar(self, t: n.TypeExpr) -> Scalar | None:
        name = t.name.text
        kind = BUILTIN_TYPES.get(name)
        if kind is None:
            self._unknown_type(t, entity_only=False)
            return None
        args = t.args
        bad = self._type_arg_error(name, kind, args)
        if bad:
            self.diags.report("SC0206", t.span, type=name, reason=bad)
            return None
        if name == "money":
            return Scalar(kind=ScalarKind.DECIMAL, precision=19, scale=4, is_money=True)
        if kind is ScalarKind.STRING:
            return Scalar(kind=kind, length=int(args[0].value))  # type: ignore[union-attr]
        if kind is ScalarKind.EMAIL:
            return Scalar(kind=kind, length=320)
        if kind is ScalarKind.DECIMAL:
            p = int(args[0].value)  # type: ignore[union-attr]
            s = int(args[1].value) if len(args) > 1 else 0  # type: ignore[union-attr]
            return Scalar(kind=kind, precision=p, scale=s)
        if kind is ScalarKind.ENUM:
            return Scalar(kind=kind, values=tuple(a.text for a in args))  # type: ignore[union-attr]
        return Scalar(kind=kind)

    @staticmethod
    def _type_arg_error(name: str, kind: ScalarKind, args: tuple[n.Number | n.Name, ...]) -> str | None:
        nums = [a for a in args if isinstance(a, n.Number)]
        if kind is ScalarKind.STRING:
            if len(args) != 1 or len(nums) != 1 or not nums[0].is_integer:
                return "write string(n) with a maximum length n (use `text` for unbounded text)"
            if not 1 <= nums[0].value <= 65535:
                return "the length must be between 1 and 65535 (use `text` above that)"
            return None
        if kind is ScalarKind.ENUM:
            names = [a.text for a in args if isinstance(a, n.Name)]
            if not names or len(names) != len(args):
                return "write enum(a, b, c) with one or more member names"
            if len(set(names)) != len(names):
                return "enum members must be distinct"
            return None
        if kind is ScalarKind.DECIMAL and name == "decimal":
            if len(args) not in (1, 2) or len(nums) != len(args) or not all(x.is_integer for x in nums):
                return "write decimal(p, s) with integer precision p and scale s"
            p, s = nums[0].value, (nums[1].value if len(nums) > 1 else 0)
            if not 1 <= p <= 65 or not 0 <= s <= p:
                return "precision must be 1..65 and scale 0..precision (the range every target accepts)"
            return None
        return f"`{name}` takes no arguments" if args else None

    def _field_attrs(self, fd: n.FieldDecl, kind: FieldKind) -> dict[str, object]:
        attrs: dict[str, object] = {}
        for attr in fd.attributes:
            key = attr.name.text
            if key not in FIELD_ATTRS:
                hint = did_you_mean(key, FIELD_ATTRS)
                if key in ENTITY_ATTRS:
                    hint = " on a field (it is an entity modifier)"
                self.diags.report("SC0110", attr.span, name=key, hint=hint)
            elif key == "doc":
                attrs["doc"] = self._string_arg(attr)
            elif key == "on_delete":
                attrs["on_delete"] = self._on_delete(attr, kind)
            elif attr.args:
                self.diags.report("SC0111", attr.span, name=key, reason="takes no arguments")
            elif key == "owner" and kind is not FieldKind.REFERENCE:
                self.diags.report("SC0111", attr.span, name=key, reason="applies to a reference to an entity")
            elif key == "search" and not (kind is FieldKind.SCALAR and _is_text(fd.type)):
                self.diags.report("SC0111", attr.span, name=key, reason="applies to text fields (full-text search)")
            else:
                attrs[key] = True
        return attrs

    def _on_delete(self, attr: n.Attribute, kind: FieldKind) -> OnDelete | None:
        values = {v.value: v for v in OnDelete}
        arg = attr.args[0] if len(attr.args) == 1 else None
        if kind is not FieldKind.REFERENCE:
            self.diags.report("SC0111", attr.span, name="on_delete", reason="applies to a reference")
            return None
        if not isinstance(arg, n.Name) or arg.text not in values:
            self.diags.report("SC0111", attr.span, name="on_delete",
                              reason="takes one of cascade, restrict, set_null")
            return None
        return values[arg.text]

    # checks and defaults ---------------------------------------------------------------------------------------
    def _field_checks(self, fd: n.FieldDecl, f: Field) -> list[Check]:
        if fd.check is None:
            return []
        out = []
        kind = f.scalar.kind if f.scalar and f.kind is FieldKind.SCALAR else None
        for term in fd.check.terms:
            if term.kind == "compare" and isinstance(term.left, n.Path) and term.left.text == "len":
                if kind not in TEXT_KINDS:
                    self.diags.report("SC0209", term.span, reason=f"`len` applies to text, `{f.name}` is "
                                      f"{_describe(f)}")
                    continue
                value = self._number(term.right, term.span)
                if value is not None:
                    out.append(Check(kind="length", op=term.op, value=value, field=f.name, span=term.span))
                continue
            if term.kind == "compare" and not (isinstance(term.left, n.Path) and term.left.text == f.name):
                self.diags.report("SC0209", term.span, reason=f"write `check (op value)`, `check (a..b)` "
                                  f"or `check (len <= n)` on field `{f.name}`")
                continue
            op = term.op
            needs_order = term.kind == "range" or op not in ("=", "!=")
            if kind is None or (needs_order and kind not in ORDERED_KINDS) or kind is ScalarKind.JSON:
                self.diags.report("SC0201", term.span, field=f.name, type=_describe(f))
                continue
            if term.kind == "range":
                low, high = self._const(term.left, f, term.span), self._const(term.right, f, term.span)
                if low is None or high is None:
                    continue
                if isinstance(low, float | int) and isinstance(high, float | int) and low > high:
                    self.diags.report("SC0209", term.span, reason=f"the range {low}..{high} is empty")
                    continue
                out.append(Check(kind="range", low=low, high=high, field=f.name, span=term.span))
            else:
                value = self._const(term.right, f, term.span)
                if value is not None:
                    out.append(Check(kind="compare", op=op, value=value, field=f.name, span=term.span))
        return out

    def _number(self, lit: object, span: Span) -> float | None:
        if isinstance(lit, n.Number):
            return int(lit.value) if lit.is_integer else lit.value
        self.diags.report("SC0209", span, reason="expected a number")
        return None

    def _const(self, lit: object, f: Field, span: Span) -> float | int | str | None:
        kind = f.scalar.kind if f.scalar else None
        if kind in NUMERIC_KINDS:
            if not isinstance(lit, n.Number):
                self.diags.report("SC0209", span, reason=f"`{f.name}` is a number; compare it with a number")
                return None
            if kind in INT_BOUNDS and not lit.is_integer:
                self.diags.report("SC0209", span, reason=f"`{f.name}` is an integer; {lit.text} is not")
                return None
            if kind in INT_BOUNDS and abs(lit.value) > INT_BOUNDS[kind]:
                self.diags.report("SC0209", span, reason=f"{lit.text} is out of range for {kind.value}")
                return None
            return int(lit.value) if lit.is_integer else lit.value
        if kind is ScalarKind.ENUM and isinstance(lit, n.Name | n.Path):
            text = lit.text
            if f.scalar and text not in f.scalar.values:
                self.diags.report("SC0209", span, reason=f"`{text}` is not a member of `{f.name}`"
                                  + did_you_mean(text, f.scalar.values))
                return None
            return text
        if isinstance(lit, n.String):
            return lit.value
        self.diags.report("SC0209", span, reason=f"cannot compare `{f.name}` ({_describe(f)}) with that value")
        return None

    def _literal_default(self, fd: n.FieldDecl, f: Field) -> Default | None:
        lit = fd.default
        span = lit.span  # type: ignore[union-attr]
        kind = f.scalar.kind if f.scalar and f.kind is FieldKind.SCALAR else None

        def bad(reason: str) -> None:
            self.diags.report("SC0205", span, field=f.name, reason=reason)

        if kind is None:
            bad(f"a {f.kind.value} field takes no literal default")
            return None
        if isinstance(lit, n.Name):
            word = lit.text
            if word == "now":
                if kind not in (ScalarKind.TIMESTAMP, ScalarKind.DATE):
                    bad("`now` is a default for timestamp and date fields")
                    return None
                return Default(kind="now", span=span)
            if kind is ScalarKind.BOOL and word in ("true", "false"):
                return Default(kind="literal", value=word == "true", span=span)
            if kind is ScalarKind.ENUM and f.scalar is not None:
                if word not in f.scalar.values:
                    bad(f"`{word}` is not a member of enum({', '.join(f.scalar.values)})"
                        + did_you_mean(word, f.scalar.values))
                    return None
                return Default(kind="literal", value=word, span=span)
            bad(f"`{word}` is not a value of {_describe(f)}")
            return None
        if isinstance(lit, n.Number):
            if kind not in NUMERIC_KINDS:
                bad(f"a number is not a value of {_describe(f)}")
                return None
            if kind in INT_BOUNDS and not lit.is_integer:
                bad(f"{lit.text} is not an integer")
                return None
            if kind in INT_BOUNDS and abs(lit.value) > INT_BOUNDS[kind]:
                bad(f"{lit.text} is out of range for {kind.value}")
                return None
            return Default(kind="literal", value=int(lit.value) if lit.is_integer else lit.value, span=span)
        assert isinstance(lit, n.String)
        if kind in (ScalarKind.JSON, ScalarKind.BYTES):
            bad(f"{kind.value} fields take no literal default (not every target can store one)")
            return None
        if kind not in TEXT_KINDS and kind not in (ScalarKind.DATE, ScalarKind.UUID):
            bad(f"a string is not a value of {_describe(f)}")
            return None
        if f.scalar and f.scalar.length is not None and len(lit.value) > f.scalar.length:
            bad(f"the default is longer than {f.scalar.length} characters")
            return None
        return Default(kind="literal", value=lit.value, span=span)

    # second pass: junctions, uniques, indexes, checks, volumes, aggregates -------------------------------------
    def _add_relations(self, decl: n.EntityDecl) -> None:
        """A relation per `Name[]` field; its link entity joins the entities patterns resolve against (writes
        name links), never `Model.entities`."""
        owner = self.entities[decl.name.text]
        for f in owner.fields:
            if f.kind is not FieldKind.MANY or f.target is None:
                continue
            rel = relation_for(owner, f)
            if rel.name in self.entities:
                self.diags.report("SC0103", f.span, kind="entity", name=rel.name, first=self.entities[rel.name].span)
                continue
            self.relations.append(rel)
            self.entities[rel.name] = link_entity(rel, owner)

    def _finish(self, e: Entity, decl: n.EntityDecl, preds: PredicateResolver) -> Entity:
        tenant = e.tenant_field
        lead = (tenant.name,) if tenant is not None else ()
        uniques: list[Unique] = []
        indexes: list[Index] = []
        for f in e.fields:
            if f.unique:
                uniques.append(Unique(fields=_lead(lead, (f.name,)), origin="field", span=f.span))
            if f.indexed:
                indexes.append(Index(parts=tuple(KeyPart(field=x) for x in _lead(lead, (f.name,))),
                                     origin="field", span=f.span))
        for line in decl.keys:
            parts = self._key_parts(e, line)
            if parts is None:
                continue
            where = preds.constant(e, line.where) if line.where else ()
            if line.kind == "unique":
                uniques.append(Unique(fields=_lead(lead, tuple(p.field for p in parts)), where=where,
                                      span=line.span))
            else:
                keyed = tuple(KeyPart(field=x) for x in lead if x not in {p.field for p in parts}) + parts
                indexes.append(Index(parts=keyed, where=where, span=line.span))
        checks = [c for line in decl.checks if (c := self._entity_check(e, line))]
        fields = tuple([self._aggregate_default(e, f, fd, preds) for f, fd in _with_decls(e, decl)])
        return e.model_copy(update={
            "fields": fields, "uniques": tuple(uniques), "indexes": tuple(indexes), "checks": tuple(checks),
            "volume": self._volume(e, decl, preds), "size_bytes": self._size(decl)})

    def _key_parts(self, e: Entity, line: n.KeyLine) -> tuple[KeyPart, ...] | None:
        parts = []
        for item in line.keys:
            if len(item.path.steps) != 1:
                self.diags.report("SC0105", item.path.span, name=item.path.text, owner=e.name,
                                  hint=f" ({line.kind} lists name fields of the entity itself)")
                return None
            name = item.path.steps[0].text
            f = e.field(name)
            if f is None and (e.name, name) in self.decls.dropped:
                return None
            if f is None or not f.is_stored:
                self.diags.report("SC0105", item.path.span, name=name, owner=e.name,
                                  hint=did_you_mean(name, [x.name for x in e.stored_fields]))
                return None
            if line.kind == "unique" and item.direction:
                self.diags.report("SC0209", item.span, reason="a unique list takes no asc/desc")
            parts.append(KeyPart(field=name, descending=item.direction == "desc"))
        return tuple(parts)

    def _entity_check(self, e: Entity, line: n.Check) -> Check | None:
        if len(line.terms) != 1 or line.terms[0].kind != "compare" or not isinstance(line.terms[0].left, n.Path):
            self.diags.report("SC0209", line.span, reason="an entity check compares a field with a literal "
                              "or another field, as in check (starts_at < ends_at)")
            return None
        term = line.terms[0]
        left = e.field(term.left.text) if len(term.left.steps) == 1 else None  # type: ignore[union-attr]
        if left is None and (e.name, term.left.steps[0].text) in self.decls.dropped:  # type: ignore[union-attr]
            return None
        if left is None or left.kind is not FieldKind.SCALAR:
            self.diags.report("SC0105", term.left.span, name=term.left.text, owner=e.name,  # type: ignore
                              hint=did_you_mean(term.left.text, [f.name for f in e.fields]))  # type: ignore
            return None
        right = term.right
        if isinstance(right, n.Path) and len(right.steps) == 1 and e.field(right.text) is not None:
            other = e.field(right.text)
            assert other is not None
            if other.kind is not FieldKind.SCALAR or _comparable(left) != _comparable(other):
                self.diags.report("SC0209", term.span, reason=f"`{left.name}` ({_describe(left)}) and "
                                  f"`{other.name}` ({_describe(other)}) cannot be compared")
                return None
            if term.op not in ("=", "!=") and left.scalar and left.scalar.kind not in ORDERED_KINDS:
                self.diags.report("SC0201", term.span, field=left.name, type=_describe(left))
                return None
            return Check(kind="fields", op=term.op, field=left.name, other=other.name, span=term.span)
        if term.op not in ("=", "!=") and left.scalar and left.scalar.kind not in ORDERED_KINDS:
            self.diags.report("SC0201", term.span, field=left.name, type=_describe(left))
            return None
        value = self._const(right, left, term.span)
        if value is None:
            return None
        return Check(kind="compare", op=term.op, value=value, field=left.name, span=term.span)

    def _aggregate_default(self, e: Entity, f: Field, fd: n.FieldDecl | None,
                           preds: PredicateResolver) -> Field:
        if fd is None or not isinstance(fd.default, n.Aggregate):
            return f
        agg = self._aggregate(e, f, fd.default, preds)
        if agg is None:
            return f
        return f.model_copy(update={"default": Default(kind="aggregate", aggregate=agg, span=fd.default.span)})

    def _aggregate(self, parent: Entity, f: Field, a: n.Aggregate, preds: PredicateResolver) -> Aggregate | None:
        func = a.func.text
        if func not in ("count", "sum", "min", "max", "avg"):
            self.diags.report("SC0205", a.func.span, field=f.name, reason=f"`{func}` is not an aggregate"
                              + did_you_mean(func, ["count", "sum", "min", "max", "avg"]))
            return None
        allowed = NUMERIC_KINDS | ({ScalarKind.DATE, ScalarKind.TIMESTAMP} if func in ("min", "max") else set())
        if f.kind is not FieldKind.SCALAR or f.scalar is None or f.scalar.kind not in allowed:
            self.diags.report("SC0202", f.span, func=func, field=f.name, type=_describe(f))
            return None
        rel = preds.reverse_relation(parent, a.path)
        if rel is None:
            return None
        child, via, rest = rel
        field_name = None
        if rest:
            target = child.field(rest)
            if target is None and (child.name, rest) in self.decls.dropped:
                return None
            if target is None or target.kind is not FieldKind.SCALAR:
                self.diags.report("SC0105", a.path.span, name=rest, owner=child.name,
                                  hint=did_you_mean(rest, [x.name for x in child.fields]))
                return None
            numeric = target.scalar is not None and target.scalar.kind in NUMERIC_KINDS
            if func in ("sum", "avg") and not numeric:
                self.diags.report("SC0202", a.path.span, func=func, field=f"{child.name}.{rest}",
                                  type=_describe(target))
                return None
            field_name = rest
        elif func != "count":
            self.diags.report("SC0205", a.span, field=f.name, reason=f"{func} needs a field, as in "
                              f"{func}({child.name}.amount)")
            return None
        where = preds.constant(child, a.where) if a.where else ()
        return Aggregate(func=func, child=child.name, via=via, field=field_name, where=where,  # type: ignore
                         span=a.span)

    def _volume(self, e: Entity, decl: n.EntityDecl, preds: PredicateResolver) -> Volume:
        plain = [v for v in decl.volumes if v.where is None]
        for extra in plain[1:]:
            self.diags.report("SC0210", extra.span, what="volume", reason="an entity has one unconditional "
                              "volume (conditional ones add `where`)")
        base = per_month = 0.0
        span = None
        if plain:
            v = plain[0]
            span = v.span
            if v.unit is not None:
                per_month = self._per_month(v.count, v.unit)
            else:
                base = v.count.value
            if v.growth is not None:
                per_month = self._per_month(*v.growth)
        horizon = base + per_month * self.settings.horizon_months
        conditional = []
        for v in decl.volumes:
            if v.where is None:
                continue
            rows = v.count.value
            if horizon and rows > horizon:
                self.diags.report("SC0210", v.span, what="volume", reason=f"{v.count.text} rows matching the "
                                  f"predicate exceed the entity's {horizon:,.0f} rows")
            conditional.append(ConditionalVolume(where=preds.constant(e, v.where), rows=rows, span=v.span))
        return Volume(base=base, per_month=per_month, at_horizon=horizon, declared=bool(plain),
                      conditional=tuple(conditional), span=span)

    def _per_month(self, count: n.Number, unit: n.Name) -> float:
        factor = MONTHS_PER.get(unit.text)
        if factor is None:
            self.diags.report("SC0210", unit.span, what="volume", reason="growth is per day, week, month or year")
            return 0.0
        return count.value / factor

    def _size(self, decl: n.EntityDecl) -> int | None:
        for extra in decl.sizes[1:]:
            self.diags.report("SC0210", extra.span, what="size", reason="an entity declares one size")
        if not decl.sizes:
            return None
        s = decl.sizes[0]
        unit = SIZE_UNITS.get(s.unit.text)
        if unit is None or s.amount.value <= 0:
            self.diags.report("SC0210", s.span, what="size", reason="write `size N bytes` or `size N KiB`")
            return None
        return int(s.amount.value * unit)

    def _check_owner_cycles(self) -> None:
        edges = {e.name: [f for f in e.fields if f.owner and not f.optional and f.target] for e in
                 self.entities.values()}
        reported: set[frozenset[str]] = set()
        component = _components(edges)
        for start in edges:
            stack: list[tuple[str, list[Field]]] = [(start, [])]
            while stack:
                node, trail = stack.pop()
                for f in edges.get(node, []):
                    if f.target == start:
                        cycle = [*trail, f]
                        key = frozenset(str(x.target) for x in cycle)
                        if key not in reported:
                            reported.add(key)
                            names = " -> ".join([start, *[str(x.target) for x in cycle]])
                            self.diags.report("SC0204", cycle[0].span, cycle=names)
                    # only entities that lead back to `start` (its strongly connected component) can close a
                    # cycle through it: the others are not explored (the walk was cubic in a long owner chain)
                    elif (component.get(f.target) == component[start] and f.target not in {x.target for x in trail}
                          and len(trail) < len(edges)):
                        stack.append((f.target, [*trail, f]))  # type: ignore[arg-type]


def _components(edges: dict[str, list[Field]]) -> dict[str, int]:
    """Strongly connected components of the owner graph (Kosaraju, iterative): entity -> component number."""
    order: list[str] = []
    seen: set[str] = set()
    for root in edges:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(edges[root]))]
        while stack:
            node, out = stack[-1]
            for f in out:
                if f.target in edges and f.target not in seen:
                    seen.add(f.target)  # type: ignore[arg-type]
                    stack.append((f.target, iter(edges[f.target])))  # type: ignore[index, arg-type]
                    break
            else:
                stack.pop()
                order.append(node)
    reverse: dict[str, list[str]] = {name: [] for name in edges}
    for name, fields in edges.items():
        for f in fields:
            if f.target in reverse:
                reverse[f.target].append(name)  # type: ignore[index]
    component: dict[str, int] = {}
    for number, root in enumerate(reversed(order)):
        if root in component:
            continue
        component[root] = number
        todo = [root]
        while todo:
            for source in reverse[todo.pop()]:
                if source not in component:
                    component[source] = number
                    todo.append(source)
    return component


def _with_decls(e: Entity, decl: n.EntityDecl) -> list[tuple[Field, n.FieldDecl | None]]:
    by_name = {fd.name.text: fd for fd in decl.fields}
    return [(f, by_name.get(f.name) if f.origin is not FieldOrigin.TENANT or f.name in by_name else None)
            for f in e.fields]


def _is_time(f: Field) -> bool:
    return f.kind is FieldKind.SCALAR and f.scalar is not None and f.scalar.kind in (ScalarKind.DATE,
                                                                                      ScalarKind.TIMESTAMP)


def _attribute(decl: n.EntityDecl, field_name: str, attr: str) -> n.Attribute | None:
    fd = next((x for x in decl.fields if x.name.text == field_name), None)
    return next((a for a in fd.attributes if a.name.text == attr), None) if fd else None


def _lead(lead: tuple[str, ...], fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(x for x in lead if x not in fields) + fields


def _comparable(f: Field) -> str:
    kind = f.scalar.kind if f.scalar else None
    if kind in NUMERIC_KINDS:
        return "number"
    if kind in TEXT_KINDS:
        return "text"
    return str(kind)


def _describe(f: Field) -> str:
    if f.kind is FieldKind.SCALAR and f.scalar:
        return f.scalar.kind.value if not f.scalar.is_money else "money"
    if f.kind is FieldKind.LIST and f.scalar:
        return f"list<{f.scalar.kind.value}>"
    return f"a {f.kind.value} to {f.target}" if f.target else f.kind.value


def _is_text(t: n.TypeExpr) -> bool:
    return t.name.text in ("string", "text", "email", "url")
