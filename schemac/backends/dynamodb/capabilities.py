"""What DynamoDB can express (read by the design stage), its title and the files it emits. Plain data."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.compiler.capabilities import Capabilities

TITLE = "DynamoDB"
ARTIFACTS = ArtifactNames("table.json", "json", "access_patterns.json", "json")
CAPABILITIES = Capabilities(
    family="key_value",
    partial_indexes=True,  # sparse indexes: an item without the key attribute is not indexed
    include_columns=True,  # INCLUDE projections
    descending_indexes=False,  # ScanIndexForward reads a sort key either way
    foreign_keys=False,
    triggers=False,
    full_text=False,
    transactions=True,  # TransactWriteItems, up to 100 items
    max_identifier=255,  # attribute and index names (index names 3..255 characters)
    max_index_columns=2,  # a partition key and a sort key
    max_key_bytes=2048,  # partition key; a sort key is at most 1024 bytes
)
