"""The PostgreSQL backend: the shared SQL core with the PostgreSQL dialect (backends/sql/postgres.py).

Every backend package has the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS), `options`
(Options), `playbooks` (PLAYBOOK) and `reserved` (RESERVED_WORDS); `backend` joins them
(BACKEND). Only `backend` loads the SQL machinery.
"""
