"""Notifier domain."""
