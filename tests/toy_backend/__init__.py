"""A minimal backend that lives only under tests/: one text file describing each entity as a container.

It proves that adding a target needs its own folder and one registry line, nothing else: the package has
the modules every backend has (capabilities, options, playbooks, reserved) and returns a catalog beside its
text. It designs with the relational family's planner (the family planner registry will let a test family
plug in its own; then `capabilities.CAPABILITIES.family` changes and a planner is registered beside it).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemac.backends import ArtifactNames, BuildOptions
from schemac.backends.playbook import Playbook
from schemac.compiler.design.model import Capabilities
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
