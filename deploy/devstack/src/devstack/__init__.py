"""The embedded development stack: PostgreSQL, the Tansu broker and the four services."""
