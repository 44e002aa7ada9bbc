"""The MongoDB backend: renders the document design (compiler/design/document) as mongosh scripts and JSON.

Every backend package has the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS), `options`
(Options), `playbooks` (PLAYBOOK) and `reserved` (RESERVED_WORDS); `backend` joins them (BACKEND). Only
`backend` loads the emitter.
"""
