"""queries.sql: one named statement per read access pattern and per write.

Every statement filters by the tenant (the first parameter) on tenant-scoped tables and by
`deleted_at IS NULL` on every soft-delete table it touches. A query with `order` and `limit` pages by
keyset: its statement reads the first page, and `<Name>Next` the page after a cursor whose `after_<column>`
parameters carry the last row's sort values and id (paging.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from schemac.backends.sql import includes
from schemac.backends.sql.context import Context
from schemac.backends.sql.paging import NEXT, Keyset, is_keyset, keyset
from schemac.backends.sql.predicates import const_condition
from schemac.backends.sql.statements import NamedStatement, Params, compile_statement, statement_name
from schemac.backends.sql.tables import Layout, TableInfo
from schemac.compiler.model import FieldKind, OrderKey, Param, Predicate, Query, SelectItem

_COMPARE = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}


def query_statements(ctx: Context, layout: Layout,
                     index_names: dict[int, str] | None = None) -> list[tuple[str | None, NamedStatement]]:
    """(access pattern, statement) for every query, write and expiry purge (no pattern), in the order
    queries.sql lists them."""
    from schemac.backends.sql.expiry import purge_statements
    from schemac.backends.sql.writes import write_statements

    out: list[tuple[str | None, NamedStatement]] = []
    for q in ctx.model.queries:
        out += [(q.name, s) for s in ReadQuery(ctx, layout, q, index_names or {}).build()]
    for w in ctx.model.writes:
        out += [(w.name, s) for s in write_statements(ctx, layout, w)]
    out += [(None, s) for s in purge_statements(ctx, layout, index_names or {})]
    return out


def render_queries(ctx: Context, layout: Layout, index_names: dict[int, str] | None = None,
                   rendered: list[str] | None = None) -> str:
    """queries.sql: the header, then every statement (`rendered`: their texts, when already rendered)."""
    if rendered is None:
        rendered = [s.render() for _, s in query_statements(ctx, layout, index_names)]
    header = ctx.dialect.schema_header(ctx.model)[0].replace("schema for", "queries for")
    lines = [header, *(f"-- {n}" for n in ctx.dialect.query_notes)]
    return "\n".join(lines) + "\n\n" + "\n\n".join(rendered) + "\n"


class ReadQuery:
    def __init__(self, ctx: Context, layout: Layout, q: Query, index_names: dict[int, str]) -> None:
        self.ctx, self.layout, self.q = ctx, layout, q
        self.d = ctx.dialect
        self.root: TableInfo = layout.of(q.entity)
        self.t = self.root.table
        self.params = Params()
        self.joins: dict[tuple[str, ...], tuple[Any, TableInfo]] = {}
        self.from_: Any = self.t
        self.where: list[ColumnElement[bool]] = []
        self.columns: list[ColumnElement[Any]] = []
        self.extra: list[NamedStatement] = []
        self.notes: list[str] = []
        self.outer_aliases: set[str] = set()  # prefixes of includes reached through a LEFT JOIN
        self.keyset: Keyset | None = None
        self.plan = ctx.design.relational.pattern(q.name)
        self.index_names = index_names

    # --- building blocks ---------------------------------------------------------------------------------
    def join_path(self, steps: tuple[str, ...], *, outer: bool = False) -> tuple[Any, TableInfo]:
        """The table (alias) holding the last step of a path; each earlier step is joined once."""
        alias, info = self.t, self.root
        for i, ref in enumerate(steps[:-1]):
            key = steps[: i + 1]
            if key not in self.joins:
                target = self.layout.of(info.entity.field(ref).target)  # type: ignore[union-attr,arg-type]
                joined = target.table.alias("_".join(key))
                on = includes.join_condition(self.ctx.design, alias, info, ref, joined, target)
                self.from_ = self.from_.join(joined, on, isouter=outer)
                self.joins[key] = (joined, target)
            alias, info = self.joins[key]
        return alias, info

    def column(self, steps: tuple[str, ...]) -> ColumnElement[Any]:
        alias, info = self.join_path(steps)
        return alias.c[info.field_columns[steps[-1]][0]]  # type: ignore[no-any-return]

    def tenant_filter(self, alias: Any, info: TableInfo) -> list[ColumnElement[bool]]:
        if info.tenant is None:
            return []
        return [alias.c[info.tenant] == self.params.tenant(info.tenant, info.table.c[info.tenant].type)]

    @staticmethod
    def live(alias: Any, info: TableInfo) -> list[ColumnElement[bool]]:
        return [alias.c[info.deleted_at].is_(None)] if info.deleted_at else []

    # --- the statement -----------------------------------------------------------------------------------
    def statement(self, *, inclusive: bool = False) -> Any:
        """The SELECT (the first page when paged by keyset; `self.keyset` then holds the cursor condition,
        `inclusive` to keep the cursor row itself)."""
        self.where += self.tenant_filter(self.t, self.root)
        self.where += [self.predicate(p) for p in self.q.where]
        self.where += self.live(self.t, self.root)
        self.where += self._unexpired()
        self._select()
        includes.add_includes(self)
        stmt = sa.select(*self.columns).select_from(self.from_).where(*self.where)
        return self._group_order_limit(stmt, inclusive=inclusive)

    def build(self) -> list[NamedStatement]:
        if len(self.q.sources) > 1:
            from schemac.backends.sql.unions import union_statements

            return union_statements(self)
        if self.ctx.design.relational.summary(self.q.name) is not None:
            return [self._from_summary()]
        stmt = self.statement()
        kind = ":one" if self.q.returns_one else ":many"
        name = statement_name(self.q.name)
        summary = self._summary()
        if self.keyset is None:
            return [compile_statement(self.d, stmt, self.params, name, kind, [summary, *self.notes]), *self.extra]
        first_note = f"keyset pagination: the first page; {name}{NEXT} reads the pages after it"
        first = compile_statement(self.d, stmt, self.params, name, kind, [summary, first_note, *self.notes])
        after = stmt.where(self.keyset.after)
        next_page = compile_statement(self.d, after, self.params, name + NEXT, kind,
                                      [summary, self.keyset.note(name), *self.notes])
        return [first, next_page, *self.extra]

    def _from_summary(self) -> NamedStatement:
        from schemac.backends.sql.summaries import summary_read

        stmt, table = summary_read(self)
        where = " and ".join(_predicate_text(p) for p in self.q.where) or "all rows"
        note = (f"{self.q.entity} where {where}, one row per group kept by triggers on {self.root.name}; "
                f"summary table {table}, by its primary key")
        return compile_statement(self.d, stmt, self.params, statement_name(self.q.name), ":many", [note])

    def _summary(self) -> str:
        where = " and ".join(_predicate_text(p) for p in self.q.where) or "all rows"
        text = f"{self.q.entity} where {where}"
        index = self.plan.index if self.plan else None
        if index is not None and index in self.index_names:
            text += f"; index {self.index_names[index]}"
        elif self.plan is not None and self.plan.by_primary_key:
            text += "; primary key"
        return text

    def _unexpired(self) -> list[ColumnElement[bool]]:
        """Rows past their `@expires` instant that the purge has not removed yet are not returned."""
        field = self.root.entity.expires
        if field is None:
            return []
        return [self.root.column_of(field) > sa.literal_column(self.d.now)]

    def predicate(self, p: Predicate) -> ColumnElement[bool]:
        col = self.column(p.steps)
        if p.bucket is not None and not p.is_constant:
            return self._bucket_range(col, p)
        if p.is_constant:
            return const_condition(self.d, col, p)
        name = p.value.name  # type: ignore[union-attr]
        if p.op == "in":
            param = self.params.get(name, self.d.list_param_type(col.type))
            return self.d.in_list(col, param)
        if p.op == "between":
            high = p.value2.name  # type: ignore[union-attr]
            return col.between(self.params.get(name, col.type), self.params.get(high, col.type))
        if p.op == "match":
            self._fulltext_under_rls()
            return self.d.fulltext_match([col], self.params.get(name, col.type))
        return getattr(col, _COMPARE[p.op])(self.params.get(name, col.type))  # type: ignore[no-any-return]

    def _bucket_range(self, col: ColumnElement[Any], p: Predicate) -> ColumnElement[bool]:
        """A bucket predicate as a half-open range on the plain column (SC-BKT-01): `quarter(f) = ?` is
        `f >= ? AND f < ? + 3 months`, which an ordinary index on the column serves."""
        bucket = p.bucket or "day"
        first = self.params.get(p.value.name, col.type)  # type: ignore[union-attr]
        last = self.params.get(p.value2.name, col.type) if p.op == "between" else first  # type: ignore[union-attr]
        if p.op in ("=", "between"):
            return sa.and_(col >= first, col < self.d.bucket_next(last, bucket))
        if p.op == "!=":
            return sa.or_(col < first, col >= self.d.bucket_next(first, bucket))
        bound = first if p.op in ("<", ">=") else self.d.bucket_next(first, bucket)  # <= and >: the next bucket
        return col < bound if p.op in ("<", "<=") else col >= bound

    def _fulltext_under_rls(self) -> None:
        tenancy = self.ctx.design.relational.tenancy
        if self.d.fulltext_under_rls or tenancy is None or tenancy.enforcement != "row_level_security" \
                or self.q.entity not in tenancy.entities:
            return
        self.ctx.report("SC0420", self.q.span, query=self.q.name, table=self.root.name)
        self.notes.append("under row-level security the full-text index is not used (SC0420): the tenant's "
                          "rows are read and filtered")

    def _select(self) -> None:
        if not self.q.select:
            self.columns += [self.t.c[s.name] for s in self.root.specs if s.name != self.root.deleted_at]
            return
        selected = {(item.steps, item.bucket) for item in self.q.select
                    if item.func is None and item.relation is None}
        for key in self.q.group:
            if (key.steps, key.bucket) not in selected:
                alias = f"{key.field}_{key.bucket}" if key.bucket else key.field
                self.columns.append(self._plain(key.steps, alias, key.bucket))
        for item in self.q.select:
            self.columns.append(self._select_item(item))

    def _plain(self, steps: tuple[str, ...], alias: str, bucket: str | None = None) -> ColumnElement[Any]:
        if bucket is not None:
            return self.d.bucket_start(self.column(steps), bucket).label(alias)
        alias_info = self.join_path(steps)[1]
        is_ref = alias_info.entity.field(steps[-1]).kind is FieldKind.REFERENCE  # type: ignore[union-attr]
        label = f"{alias}_id" if is_ref and alias == steps[-1] else alias
        return self.column(steps).label(label)

    def _select_item(self, item: SelectItem) -> ColumnElement[Any]:
        if item.relation is not None:
            return includes.reverse_aggregate(self, item)
        if item.func is None:
            return self._plain(item.steps, item.alias, item.bucket)
        value = self.column(item.steps) if item.steps else sa.literal_column("*")
        return getattr(sa.func, item.func)(value).label(item.alias)  # type: ignore[no-any-return]

    def order_column(self, key: OrderKey) -> ColumnElement[Any]:
        if not key.entities:  # a select alias
            return sa.literal_column(self.d.quote(key.steps[0]))
        if key.bucket is not None:
            return self.d.bucket_start(self.column(key.steps), key.bucket)
        return self.column(key.steps)

    def _group_order_limit(self, stmt: Any, *, inclusive: bool = False) -> Any:
        if self.q.group:
            stmt = stmt.group_by(*(self.order_column(k) for k in self.q.group))
        if is_keyset(self.q):
            self.keyset = keyset(self, stmt, inclusive=inclusive)
            return self.keyset.first
        if self.q.order:
            stmt = stmt.order_by(*(self._direction(self.order_column(k), k.descending) for k in self.q.order))
        if self.q.limit:
            stmt = stmt.limit(sa.literal_column(str(self.q.limit)))
        return stmt

    @staticmethod
    def _direction(col: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
        return col.desc() if descending else col


def _predicate_text(p: Predicate) -> str:
    path = ".".join(p.steps)
    if p.bucket is not None:
        path = f"{p.bucket}({path})"
    if p.op in ("is_null", "is_not_null"):
        return f"{path} {p.op.replace('_', ' ')}"
    op = {"match": "~"}.get(p.op, p.op)
    value = f":{p.value.name}" if isinstance(p.value, Param) else _const_text(getattr(p.value, "value", None))
    if p.op == "between":
        high = f":{p.value2.name}" if isinstance(p.value2, Param) else _const_text(getattr(p.value2, "value", None))
        return f"{path} between {value} and {high}"
    return f"{path} {op} {value}"


def _const_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)
