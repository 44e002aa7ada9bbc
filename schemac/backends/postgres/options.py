"""PostgreSQL's build options: the shared ones and the major version to target."""

from __future__ import annotations

from schemac.backends import BuildOptions


class Options(BuildOptions):
    pg_version: int = 15  # 18+ has uuidv7() built in: no UUIDv7 function is emitted
