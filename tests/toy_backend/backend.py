"""The toy BACKEND: joins what the package exports."""


from __future__ import annotations

from dataclasses import dataclass

from schemac.backends import ArtifactNames, BuildOptions
from schemac.backends.playbook import Playbook
from schemac.compiler.capabilities import Capabilities
from tests.toy_backend import capabilities, options, playbooks, reserved
from tests.toy_backend.emit import emit


@dataclass(frozen=True)
class ToyBackend:
    name: str
    title: str
    capabilities: Capabilities
    options: type[BuildOptions]
    artifacts: ArtifactNames
    reserved_words: frozenset[str]
    playbook: Playbook | None

    emit = staticmethod(emit)


BACKEND = ToyBackend(name="toy", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                     options=options.Options, artifacts=capabilities.ARTIFACTS,
                     reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
