"""Routing rules: pure functions over the organisation, no I/O."""
