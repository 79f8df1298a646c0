"""SLA monitor entrypoints."""
