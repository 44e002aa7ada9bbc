"""DynamoDB has no online-migration playbook in schemac yet: adding a GSI is online (it backfills), and a
key change is a copy into a new table; neither is generated."""

from __future__ import annotations

from schemac.backends.playbook import Playbook

PLAYBOOK: Playbook | None = None
