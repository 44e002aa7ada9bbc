"""The MongoDB BACKEND: the document emitter and what the package exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemac.backends.mongodb import capabilities, options, playbooks, reserved

if TYPE_CHECKING:
    from schemac.backends import ArtifactNames, BuildOptions, EmitResult
    from schemac.backends.playbook import Playbook
    from schemac.compiler.design.model import Capabilities, Design


@dataclass(frozen=True)
class MongoBackend:
    name: str
    title: str
    capabilities: Capabilities
    options: type[BuildOptions]
    artifacts: ArtifactNames
    reserved_words: frozenset[str] = field(default=frozenset(), repr=False)
    playbook: Playbook | None = field(default=None, repr=False)

    def emit(self, design: Design, options: BuildOptions) -> EmitResult:
        from schemac.backends.mongodb.emit import emit

        return emit(design, options)


BACKEND = MongoBackend(name="mongodb", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                       options=options.Options, artifacts=capabilities.ARTIFACTS,
                       reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
