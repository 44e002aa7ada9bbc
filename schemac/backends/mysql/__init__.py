"""The MySQL backend: the shared SQL core with the MySQL dialect (backends/sql/mysql.py).

Every backend package has the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS), `options`
(Options), `playbooks` (PLAYBOOK) and `reserved` (RESERVED_WORDS); `backend` joins them
(BACKEND). Only `backend` loads the SQL machinery.
"""
