"""In-memory stand-ins for intake's stores, for handler tests without a database."""
