"""The PostgreSQL BACKEND: the shared SQL core with the PostgreSQL dialect, and what the package exports."""

from __future__ import annotations

from schemac.backends.postgres import capabilities, options, playbooks, reserved
from schemac.backends.sql.core import SqlBackend
from schemac.backends.sql.postgres import DIALECT

BACKEND = SqlBackend(name="postgres", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                     dialect=DIALECT, options=options.Options, artifacts=capabilities.ARTIFACTS,
                     reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
