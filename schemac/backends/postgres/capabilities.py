"""What PostgreSQL can express (read by the design stage, and by its dialect for its limits), its title
and the files it emits. Plain data: importing it loads no SQL machinery."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.compiler.capabilities import Capabilities

TITLE = "PostgreSQL"
ARTIFACTS = ArtifactNames("schema.sql", "sql", "queries.sql", "sql")
CAPABILITIES = Capabilities(
    family="relational",
    statement_triggers=True,
    partial_indexes=True,
    include_columns=True,
    row_level_security=True,
    fulltext_under_rls=False,  # `@@` (ts_match_vq) is not LEAKPROOF
    json_aggregation=True,
    fk_set_null_columns=True,
    extended_statistics=True,
    hot_updates=True,
    max_identifier=63,
    max_index_columns=32,
)
