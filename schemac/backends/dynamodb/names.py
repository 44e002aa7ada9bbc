"""Parameter names and result columns shared with the SQL targets, so one parameter set drives both and
results compare column by column: a reference `student` is the parameter `student_id`, a value type's
members are `shipping_address_line1` (the attribute path `shipping_address.line1`)."""

from __future__ import annotations

from schemac.backends.sql.naming import column_name
from schemac.compiler.design.keyvalue.encoding import type_name
from schemac.compiler.model import Entity, FieldKind, Include, Model, Query
from schemac.compiler.naming import plural, snake


def param_name(e: Entity, name: str) -> str:
    """The parameter (SQL column) name of one IR field of `e`, or of a bucket hole `field|week`."""
    base = name.split("|", 1)[0]
    f = e.field(base)
    return column_name(f) if f is not None else base


def param_type(model: Model, e: Entity, name: str) -> str:
    f = e.field(name.split("|", 1)[0])
    if f is None:
        return "string"
    if f.kind is FieldKind.REFERENCE and f.target is not None:
        target = model.entity(f.target)
        return param_type(model, target, target.primary_key[0])
    return f.scalar.kind.value if f.scalar is not None else f.kind.value


def columns(model: Model, e: Entity, fields: tuple[str, ...] = (), *, tenant: bool = True) -> dict[str, str]:
    """SQL column -> attribute path of one entity's stored fields (all but deleted_at, or `fields`)."""
    out: dict[str, str] = {}
    tenant_name = e.tenant_field.name if e.tenant_field is not None else None
    for f in e.stored_fields:
        if f.name == "deleted_at" or (fields and f.name not in fields) or (not tenant and f.name == tenant_name):
            continue
        if f.kind is FieldKind.EMBEDDED and f.target is not None:
            for sub in model.value_type(f.target).fields:
                out[f"{snake(f.name)}_{snake(sub.name)}"] = f"{f.name}.{sub.name}"
        else:
            out[column_name(f)] = f.name
    return out


def include_label(inc: Include) -> str:
    return plural(snake(inc.name)) if inc.name[:1].isupper() else inc.name


def result_columns(model: Model, q: Query, copied: tuple[str, ...] = (),
                   collection: tuple[tuple[str, str], ...] = ()) -> dict[str, object]:
    """The PostgreSQL target's result columns of `q`, each with where the DynamoDB items hold it."""
    e = model.entity(q.entity)
    if q.is_union:
        common = None
        for name in q.sources:
            cols = columns(model, model.entity(name))
            common = cols if common is None else {k: v for k, v in common.items() if k in cols}
        return {**(common or {}), "entity": "$entity"}
    if q.select:
        return _selected(model, q)
    out: dict[str, object] = dict(columns(model, e))
    for column, source in _includes(model, q.include, "", "", set(copied), dict(collection)).items():
        out.setdefault(column, source)  # a root column of that name wins, as in the SQL select
    return out


def _selected(model: Model, q: Query) -> dict[str, object]:
    out: dict[str, object] = {}
    e = model.entity(q.entity)
    for k in q.group:
        if k.bucket:
            out[f"{k.steps[0]}_{k.bucket}"] = f"{k.steps[0]}_{k.bucket}"
        elif len(k.steps) == 1:
            out[param_name(e, k.steps[0])] = k.steps[0]
    for item in q.select:
        if item.func and item.relation:
            out[item.alias] = f"{item.func}_{item.relation.lower()}_by_{item.via}"
        elif item.func:
            out[item.alias] = item.alias
        elif len(item.steps) == 1:
            out[param_name(e, item.steps[0])] = item.steps[0]
        else:
            out["_".join(item.steps)] = "_".join(item.steps)
    return out


def _includes(model: Model, incs: tuple[Include, ...], step: str, prefix: str,
              copied: set[str], collection: dict[str, str] | None = None) -> dict[str, object]:
    out: dict[str, object] = {}
    for inc in incs:
        name = f"{step}.{inc.name}" if step else inc.name
        target = model.entity(inc.entity)
        if inc.kind == "to_one" and name in copied:  # attributes copied into the parent item
            on = f"{step}/" if step else ""
            for col, attr in columns(model, target, inc.fields, tenant=False).items():
                out.setdefault(f"{prefix}{inc.name}_{col}", f"{on}{inc.name}_{attr}")
        elif inc.kind == "to_one":
            for col, attr in columns(model, target, inc.fields, tenant=False).items():
                out.setdefault(f"{prefix}{inc.name}_{col}", f"{name}/{attr}")
            out.update(_includes(model, inc.nested, name, f"{prefix}{inc.name}_", copied))
        else:
            fetch = f"{name}.{inc.entity}" if inc.kind == "many" else name
            source = (collection or {}).get(name, fetch)  # the root Query of the item collection returns them
            obj: dict[str, object] = {c: a for c, a in columns(model, target, inc.fields, tenant=False).items()}
            for nested in inc.nested:
                cols = columns(model, model.entity(nested.entity), nested.fields, tenant=False)
                if f"{fetch}.{nested.name}" in copied:  # copied into each child item
                    obj[nested.name] = {"object": {c: f"{nested.name}_{a}" for c, a in cols.items()}}
                else:
                    obj[nested.name if nested.kind == "to_one" else include_label(nested)] = {
                        "object": cols, "from": f"{fetch}.{nested.name}"}
            out[prefix + include_label(inc)] = {"list": source, "type": type_name(inc.entity), "object": obj}
    return out
