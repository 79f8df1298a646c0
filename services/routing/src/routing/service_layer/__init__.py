"""Routing service_layer."""
