"""Notifier entrypoints."""
