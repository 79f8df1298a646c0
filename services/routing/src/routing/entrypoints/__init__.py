"""Routing entrypoints."""
