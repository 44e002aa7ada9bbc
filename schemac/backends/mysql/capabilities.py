"""What MySQL can express (read by the design stage), its title and the files it emits."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.backends.sql.mysql import CAPABILITIES

TITLE = "MySQL"
ARTIFACTS = ArtifactNames("schema.sql", "sql", "queries.sql", "sql")

__all__ = ["ARTIFACTS", "CAPABILITIES", "TITLE"]
