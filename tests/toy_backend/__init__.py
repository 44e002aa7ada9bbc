"""A minimal backend that lives only under tests/: one text file describing each entity as a container.

It proves that adding a target needs its own folder and one registry line, nothing else: the package has
the modules every backend has (capabilities, options, playbooks, reserved) and returns a catalog beside its
text. It designs with the relational family's planner (the family planner registry will let a test family
plug in its own; then `capabilities.CAPABILITIES.family` changes and a planner is registered beside it).
"""
