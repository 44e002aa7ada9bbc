"""The toy target's own options."""

from __future__ import annotations

from schemac.backends import BuildOptions


class Options(BuildOptions):
    page_size: int = 25
