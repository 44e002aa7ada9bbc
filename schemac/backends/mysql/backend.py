"""The MySQL BACKEND: the shared SQL core with the MySQL dialect, and what the package exports."""

from __future__ import annotations

from schemac.backends.mysql import capabilities, options, playbooks, reserved
from schemac.backends.sql.core import SqlBackend
from schemac.backends.sql.mysql import DIALECT

BACKEND = SqlBackend(name="mysql", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                     dialect=DIALECT, options=options.Options, artifacts=capabilities.ARTIFACTS,
                     reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
