"""MySQL's build options: the shared ones (MySQL has none of its own yet)."""

from __future__ import annotations

from schemac.backends import BuildOptions


class Options(BuildOptions):
    pass
