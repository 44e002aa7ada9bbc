"""The catalog of one SQL emission, read off the objects the emit built: the SQLAlchemy tables, indexes
and constraints, the trigger and routine specs, and the named statements. Nothing here reads SQL text:
a location is found by looking for the statement string the writer produced, in the script it joined.
The SQL backend describes lazily (`EmitResult.describe`): a build that only writes files never pays for it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnClause, TextClause, UnaryExpression

from schemac import catalog as c
from schemac.backends.sql.context import Context
from schemac.backends.sql.ddl import SchemaWriter
from schemac.backends.sql.dialect import CollationSpec, PolicySpec, RoleSpec, RoutineSpec, StatisticsSpec, TriggerSpec
from schemac.backends.sql.statements import NamedStatement
from schemac.backends.sql.summaries import summary_table_of
from schemac.backends.sql.tables import Layout

SCHEMA, QUERIES = "schema.sql", "queries.sql"
UNNAMED_PRIMARY_KEY = "PRIMARY"  # what a dialect that cannot name primary keys calls them (MySQL)


def build_catalog(ctx: Context, layout: Layout, writer: SchemaWriter, schema: str, index_names: dict[int, str],
                  statements: list[tuple[str | None, NamedStatement, str]], queries: str) -> c.Catalog:
    """`statements` are (pattern, statement, its rendered text) in the order `queries` holds them."""
    builder = _Builder(ctx, layout, index_names, writer)
    created = writer.created
    for obj, location in zip((o for _, o in created), _locate(schema, [s for s, _ in created]), strict=True):
        builder.add(obj, location)
    return c.Catalog(
        target=ctx.dialect.name, collations=tuple(builder.collations), roles=tuple(builder.roles),
        containers=tuple(builder.containers), keys=tuple(builder.keys),
        foreign_keys=tuple(builder.foreign_keys + builder.deferred), checks=tuple(builder.checks),
        statistics=tuple(builder.statistics),
        triggers=tuple(builder.triggers), routines=tuple(builder.routines), policies=tuple(builder.policies),
        statements=_statements(statements, queries))


def _locate(script: str, firsts: list[str]) -> list[c.Location | None]:
    """Where each statement starts (they are in script order): the line of its first line that is not a
    comment, as an editor would jump to it (None if the script does not hold it as written)."""
    out: list[c.Location | None] = []
    pos, line = 0, 1
    for text in firsts:
        found = script.find(text, pos)
        if found < 0:
            out.append(None)
            continue
        line += script.count("\n", pos, found)
        pos = found
        lead = 0
        for row in text.splitlines():
            if not row.lstrip().startswith("--"):
                break
            lead += 1
        out.append(c.Location(artifact=SCHEMA, line=line + lead))
    return out


class _Builder:
    def __init__(self, ctx: Context, layout: Layout, index_names: dict[int, str], writer: SchemaWriter) -> None:
        self.ctx, self.layout, self.d = ctx, layout, ctx.dialect
        self.compiler = self.d.ddl_dialect.ddl_compiler(self.d.ddl_dialect, None)
        self.entities = {id(info.table): info for info in layout.tables.values()}
        self.histories = {id(t): name for name, t in writer.histories.items() if t is not None}
        self.summaries = {id(t): name for name, pairs in writer.summaries.items() for t, _ in pairs}
        self.cut = ctx.namer.cut  # every name the namer cut short -> the longer one asked for
        self.summary_reads = {id(summary_table_of(ctx, layout, plan)): plan.query  # the read each one answers
                              for plan in ctx.design.relational.summaries if plan.entity in layout.tables}
        self.plans: dict[str, list[int]] = {}  # index name -> the Design.indexes positions it realises
        for position, name in index_names.items():
            self.plans.setdefault(name, []).append(position)
        self.primary_plans: dict[str, list[int]] = {}  # entity -> its primary-key plans
        for position, plan in enumerate(ctx.design.relational.indexes):
            if plan.origin == "primary":
                self.primary_plans.setdefault(plan.entity, []).append(position)
        self.types: dict[int, tuple[str, Any]] = {}
        self.containers: list[c.Container] = []
        self.keys: list[c.Key] = []
        self.foreign_keys: list[c.ForeignKey] = []
        self.deferred: list[c.ForeignKey] = []
        self.checks: list[c.Check] = []
        self.triggers: list[c.Trigger] = []
        self.routines: list[c.Routine] = []
        self.policies: list[c.Policy] = []
        self.collations: list[c.Collation] = []
        self.roles: list[c.Role] = []
        self.statistics: list[c.Statistics] = []

    def add(self, obj: Any, at: c.Location | None) -> None:
        if isinstance(obj, sa.Table):
            self._table(obj, at)
        elif isinstance(obj, sa.Index):
            self.keys.append(self._index(obj, at))
        elif isinstance(obj, sa.ForeignKeyConstraint):
            self.deferred.append(self._foreign_key(obj, at))
        elif isinstance(obj, TriggerSpec):
            self.triggers += [c.Trigger(name=n, container=obj.table, timing=obj.timing, events=tuple(events),
                                        per="statement" if obj.per == "statement" else "row", location=at)
                              for n, events in self._trigger_events(obj)]
        elif isinstance(obj, RoutineSpec):
            self.routines.append(c.Routine(name=obj.name, params=obj.params, executor=self.d.routine_executor(obj),
                                           entity=obj.entity or None, shortened_from=self.cut.get(obj.name),
                                           location=at))
        elif isinstance(obj, PolicySpec):
            self.policies.append(c.Policy(name=obj.name, container=obj.table, location=at))
        elif isinstance(obj, CollationSpec):
            self.collations.append(c.Collation(name=obj.name, provider=obj.provider, locale=obj.locale,
                                               deterministic=obj.deterministic, location=at))
        elif isinstance(obj, StatisticsSpec):
            self.statistics.append(c.Statistics(name=obj.name, container=obj.table, members=obj.columns,
                                                kinds=obj.kinds, location=at))
        elif isinstance(obj, RoleSpec):
            self.roles.append(c.Role(name=obj.name, login=obj.login, location=at))

    def _trigger_events(self, spec: TriggerSpec) -> list[tuple[str, tuple[str, ...]]]:
        """Each trigger `spec` makes with the events it fires on: one per event where the dialect splits it."""
        names = self.d.trigger_names(spec)
        if len(names) == 1:
            return [(names[0], tuple(spec.events))]
        return [(n, (event,)) for n, event in zip(names, spec.events, strict=True)]

    # -- tables ----------------------------------------------------------------------------------------
    def _table(self, table: sa.Table, at: c.Location | None) -> None:
        info = self.entities.get(id(table))
        fields = {col: f for f, cols in info.field_columns.items() for col in cols} if info else {}
        history = self.histories.get(id(table)) or self.summaries.get(id(table))
        role = ("junction" if info.entity.junction else "entity") if info else \
            "history" if id(table) in self.histories else "summary" if history else "audit"
        members = tuple(self._member(col, fields.get(col.name), self.cut.get(col.name)) for col in table.columns)
        self.containers.append(c.Container(name=table.name, role=role,
                                           entity=info.entity.name if info else history, members=members,
                                           shortened_from=self.cut.get(table.name), location=at))
        constraints = sorted(table.constraints, key=lambda k: k._creation_order)  # as CREATE TABLE lists them
        pk = table.primary_key
        if pk is not None and pk.columns:
            plans = tuple(self.primary_plans.get(info.entity.name, ())) if info else ()
            read = self.summary_reads.get(id(table))
            self.keys.append(c.Key(name=pk.name or UNNAMED_PRIMARY_KEY, container=table.name, kind="primary",
                                   parts=tuple(col.name for col in pk.columns), plans=plans,
                                   definition=", ".join(self.d.quote(col.name) for col in pk.columns),
                                   serves=(read,) if read else self._serves(plans), location=at))
        for k in constraints:
            if isinstance(k, sa.UniqueConstraint) and not isinstance(k, sa.PrimaryKeyConstraint):
                self.keys.append(c.Key(name=str(k.name), container=table.name, kind="unique",
                                       parts=tuple(col.name for col in k.columns), location=at,
                                       definition=", ".join(self.d.quote(col.name) for col in k.columns)))
            elif isinstance(k, sa.ForeignKeyConstraint) and not k.use_alter:
                self.foreign_keys.append(self._foreign_key(k, at))
            elif isinstance(k, sa.CheckConstraint):
                self.checks.append(c.Check(name=str(k.name or ""), container=table.name,
                                           expression=self._sql(k.sqltext), location=at))

    def _member(self, col: sa.Column, field: str | None, shortened_from: str | None = None) -> c.Member:
        computed = col.computed
        generated = "" if computed is None else ("stored" if computed.persisted else "virtual")
        default = col.server_default
        return c.Member(
            name=col.name, type=self._type(col.type), nullable=bool(col.nullable),
            default=self._sql(default.arg) if isinstance(default, sa.DefaultClause) else None,
            generated=generated, field=field, comment=col.comment, shortened_from=shortened_from)

    def _type(self, type_: Any) -> str:
        key = id(type_)
        found = self.types.get(key)
        if found is None:
            found = self.types[key] = (self.d.type_sql(type_), type_)  # the type is kept: its id stays unique
        return found[0]

    def _foreign_key(self, fk: sa.ForeignKeyConstraint, at: c.Location | None) -> c.ForeignKey:
        return c.ForeignKey(name=str(fk.name or ""), container=fk.table.name, members=tuple(fk.column_keys),
                            ref_container=fk.referred_table.name,
                            ref_members=tuple(e.column.name for e in fk.elements),
                            on_delete=str(fk.ondelete or ("SET NULL" if getattr(fk, "set_null", ()) else "")),
                            deferred=bool(fk.use_alter), location=at)

    # -- indexes ---------------------------------------------------------------------------------------
    def _index(self, ix: sa.Index, at: c.Location | None) -> c.Key:
        options = dict(ix.dialect_kwargs)  # what the dialect was given: postgresql_where, mysql_length ...
        lengths = options.get("mysql_length") or {}
        parts, descending, written = [], [], []
        for expr in ix.expressions:
            desc = isinstance(expr, UnaryExpression) and expr.modifier is operators.desc_op
            column = expr.element if desc else expr
            if isinstance(column, ColumnClause):
                parts.append(column.name)
                text = self.d.quote(column.name) + (f"({lengths[column.name]})" if column.name in lengths else "")
            else:
                parts.append(self._sql(column.self_group()))
                text = parts[-1]
            descending.append(desc)
            written.append(text + (" DESC" if desc else ""))
        name = str(ix.name)
        plans = tuple(self.plans.get(name, ()))
        where = options.get("postgresql_where")
        include = options.get("postgresql_include") or ()
        return c.Key(name=name, container=ix.table.name, parts=tuple(parts),
                     descending=tuple(descending) if any(descending) else (),
                     kind="unique" if ix.unique else "index",
                     method=str(options.get("postgresql_using") or options.get("mysql_prefix") or "").lower(),
                     where=" ".join(self._sql(where).split()) if where is not None else "",
                     include=tuple(str(getattr(x, "name", x)) for x in include),
                     lengths=tuple((k, v) for k, v in sorted(lengths.items())), definition=", ".join(written),
                     plans=plans, serves=self._serves(plans), location=at)

    def _serves(self, plans: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for p in plans for s in self.ctx.design.relational.indexes[p].serves))

    def _sql(self, element: Any) -> str:
        """An expression as the DDL compiler writes it inside CREATE statements."""
        if isinstance(element, str):
            return element
        if isinstance(element, TextClause) and not element._bindparams:
            return element.text  # what the compiler writes for text() without parameters
        return str(self.compiler.sql_compiler.process(element, include_table=False, literal_binds=True))


def _statements(statements: list[tuple[str | None, NamedStatement, str]], queries: str) -> tuple[c.Statement, ...]:
    out: list[c.Statement] = []
    pos, line = 0, 1
    for pattern, s, rendered in statements:
        found = queries.find(rendered, pos)
        line += queries.count("\n", pos, found)
        pos = found
        params = tuple(c.Param(name=n, type=t.removesuffix(" NULL"), nullable=t.endswith(" NULL")) for n, t in s.params)
        out.append(c.Statement(name=s.name, kind=s.kind.lstrip(":"), pattern=pattern, params=params,
                               text=rendered.split("\n", 1)[1], location=c.Location(artifact=QUERIES, line=line)))
    return tuple(out)
