"""Dashboard entrypoints."""
