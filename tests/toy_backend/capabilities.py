"""What the toy target can express, its title and the files it writes."""

from __future__ import annotations

from schemac.backends import ArtifactNames
from schemac.compiler.capabilities import Capabilities

TITLE = "ToyDB"
ARTIFACTS = ArtifactNames("containers.txt", "text", "requests.txt", "text")
CAPABILITIES = Capabilities(family="relational", foreign_keys=False, triggers=False, full_text=False,
                            max_identifier=40)
