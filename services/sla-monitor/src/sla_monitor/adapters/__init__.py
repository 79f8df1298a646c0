"""SLA monitor adapters."""
