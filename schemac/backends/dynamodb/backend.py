"""The DynamoDB BACKEND: what the package exports; only `emit` loads the renderers."""

from __future__ import annotations

from dataclasses import dataclass

from schemac.backends import ArtifactNames, BuildOptions, EmitResult
from schemac.backends.dynamodb import capabilities, options, playbooks, reserved
from schemac.backends.playbook import Playbook
from schemac.compiler.capabilities import Capabilities
from schemac.compiler.design.model import Design


@dataclass(frozen=True)
class DynamoBackend:
    name: str
    title: str
    capabilities: Capabilities
    options: type[BuildOptions]
    artifacts: ArtifactNames
    reserved_words: frozenset[str]
    playbook: Playbook | None

    def emit(self, design: Design, opts: BuildOptions) -> EmitResult:
        from schemac.backends.dynamodb.emit import emit

        return emit(design, opts)


BACKEND = DynamoBackend(name="dynamodb", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                        options=options.Options, artifacts=capabilities.ARTIFACTS,
                        reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
