"""In-memory stand-ins for the dashboard's stores, for tests without a database."""
