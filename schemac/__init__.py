"""schemac: one schema model, compiled into the best schema for PostgreSQL, MySQL, MongoDB and DynamoDB."""

__version__ = "0.1.0"
