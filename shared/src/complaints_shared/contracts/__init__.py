"""Cross-service contracts: the envelope, the event catalogue, topics."""
