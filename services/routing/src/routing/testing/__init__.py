"""In-memory stand-ins for routing's stores, for handler tests without a database."""
