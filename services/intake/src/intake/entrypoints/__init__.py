"""Intake entrypoints."""
