"""The relational family's planner and layout: indexes, foreign keys, tenant isolation, audit, erasure and
maintained aggregates, each a recorded decision. `planner.plan` is registered in `design.PLANNERS`."""
