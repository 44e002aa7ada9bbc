"""The shared SQL core: Design -> schema.sql and queries.sql for one SqlDialect.

`SqlBackend.emit` is pure: it builds the relational layout (tables.py), the design's indexes
(indexes.py), then renders the schema (ddl.py) and the access patterns (queries.py, writes.py), and
describes what it emitted in a catalog (catalog.py) from the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemac.backends.sql import codes  # noqa: F401  (registers SC0410-SC0419)
from schemac.backends.sql.context import Context
from schemac.backends.sql.dialect import SqlDialect

if TYPE_CHECKING:
    from schemac.backends import ArtifactNames, BuildOptions, EmitResult
    from schemac.backends.playbook import Playbook
    from schemac.compiler.design.model import Capabilities, Design


@dataclass(frozen=True)
class SqlBackend:
    """A SQL target: the shared core with one dialect, and what its package exports (see backends/)."""

    name: str
    title: str
    capabilities: Capabilities
    dialect: SqlDialect
    options: type[BuildOptions]
    artifacts: ArtifactNames
    reserved_words: frozenset[str] = field(default=frozenset(), repr=False)
    playbook: Playbook | None = field(default=None, repr=False)

    def emit(self, design: Design, options: BuildOptions) -> EmitResult:
        return emit(design, options, self.dialect.configured(options))


def emit(design: Design, options: BuildOptions, dialect: SqlDialect) -> EmitResult:
    from schemac.backends import Artifact, EmitResult
    from schemac.backends.sql.catalog import build_catalog
    from schemac.backends.sql.ddl import SchemaWriter
    from schemac.backends.sql.indexes import build_indexes
    from schemac.backends.sql.limits import check_limits
    from schemac.backends.sql.queries import query_statements, render_queries
    from schemac.backends.sql.tables import build_layout

    ctx = Context(design, options, dialect)
    layout = build_layout(ctx)
    indexes, index_names = build_indexes(ctx, layout)
    check_limits(ctx, layout)
    writer = SchemaWriter(ctx, layout, indexes)
    schema = writer.render(dialect.schema_header(ctx.model))
    statements = [(pattern, s, s.render()) for pattern, s in query_statements(ctx, layout, index_names)]
    queries = render_queries(ctx, layout, index_names, [text for _, _, text in statements])
    artifacts = [Artifact("schema.sql", schema), Artifact("queries.sql", queries)]
    return EmitResult(artifacts=artifacts, diagnostics=list(ctx.diags),
                      describe=lambda: build_catalog(ctx, layout, writer, schema, index_names, statements, queries))
