"""Dashboard adapters."""
