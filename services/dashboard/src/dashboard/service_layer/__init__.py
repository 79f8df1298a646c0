"""Dashboard service_layer."""
