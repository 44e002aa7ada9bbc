"""MongoDB's build options: the shared ones only."""

from __future__ import annotations

from schemac.backends import BuildOptions


class Options(BuildOptions):
    pass
