"""The SQL backends: one shared core (tables, indexes, triggers, queries) and two dialects.

`postgres.py` and `mysql.py` each define a `SqlDialect` (types, flags, procedural spelling) and the
`BACKEND` object registered in `schemac.backends.BACKENDS`.
"""
