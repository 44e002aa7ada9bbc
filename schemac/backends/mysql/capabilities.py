"""What MySQL can express (read by the design stage, and by its dialect for its limits), its title
and the files it emits. Plain data: importing it loads no SQL machinery."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.compiler.capabilities import Capabilities

TITLE = "MySQL"
ARTIFACTS = ArtifactNames("schema.sql", "sql", "queries.sql", "sql")
CAPABILITIES = Capabilities(
    family="relational",
    case_insensitive_text=True,  # utf8mb4_unicode_ci
    fk_actions_fire_triggers=False,  # InnoDB: rows changed by a cascade fire no triggers
    partial_indexes=False,
    include_columns=False,
    row_level_security=False,
    json_aggregation=True,
    max_identifier=64,
    identifier_in_bytes=False,  # 64 characters, whatever their bytes
    max_index_columns=16,
    max_key_bytes=3072,
    partition_foreign_keys=False,  # InnoDB: a partitioned table has no foreign keys (REL-P02)
    updated_at_by_column=True,  # ON UPDATE CURRENT_TIMESTAMP(6): the dialect reads it, the decisions say so
    identity_leads_index=True,  # an AUTO_INCREMENT column must be the first column of an index
    clustered_primary_key=True,  # InnoDB: rows are stored in primary-key order, secondaries carry the key
)
