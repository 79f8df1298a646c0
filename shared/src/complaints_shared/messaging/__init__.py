"""Messaging infrastructure: Kafka adapters, the outbox relay, the inbox, the consume loop."""
