"""The DynamoDB backend: renders the key-value design (schemac.compiler.design.keyvalue) as a CreateTable
request, a CloudFormation template and the JSON request templates of every pattern and write.

Every backend package has the same modules: `capabilities` (CAPABILITIES, TITLE, ARTIFACTS), `options`
(Options), `playbooks` (PLAYBOOK) and `reserved` (RESERVED_WORDS); `backend` joins them (BACKEND).
"""
