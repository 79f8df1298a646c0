"""Notifier service_layer."""
