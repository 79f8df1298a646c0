"""Intake service_layer."""
