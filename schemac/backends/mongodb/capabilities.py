"""What MongoDB can express (read by the document planner), its title and the files it emits. Plain data."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.compiler.capabilities import Capabilities

TITLE = "MongoDB"
ARTIFACTS = ArtifactNames("setup.js", "javascript", "queries.js", "javascript")
CAPABILITIES = Capabilities(
    family="document",
    partial_indexes=True,  # partialFilterExpression (equality, $type, $exists: true, ranges, $and)
    include_columns=False,
    descending_indexes=True,
    row_level_security=False,  # the tenant is in every generated filter
    foreign_keys=False,
    triggers=False,  # no triggers: counters, copies and audit are steps of the write
    json_aggregation=True,
    full_text=True,  # one text index per collection
    transactions=True,  # multi-document transactions on a replica set (4.0+)
    max_identifier=255,
    max_index_columns=32,  # a compound index has at most 32 keys
)
