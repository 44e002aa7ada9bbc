"""The MySQL backend: the shared SQL core with the MySQL dialect (backends/sql/mysql.py).

Every backend package has the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS), `options`
(Options), `playbooks` (PLAYBOOK) and `reserved` (RESERVED_WORDS); `BACKEND` joins them.
"""

from __future__ import annotations

from schemac.backends.mysql import capabilities, options, playbooks, reserved
from schemac.backends.sql.core import SqlBackend
from schemac.backends.sql.mysql import DIALECT

BACKEND = SqlBackend(name="mysql", title=capabilities.TITLE, capabilities=capabilities.CAPABILITIES,
                     dialect=DIALECT, options=options.Options, artifacts=capabilities.ARTIFACTS,
                     reserved_words=reserved.RESERVED_WORDS, playbook=playbooks.PLAYBOOK)
