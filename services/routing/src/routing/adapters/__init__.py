"""Routing adapters."""
