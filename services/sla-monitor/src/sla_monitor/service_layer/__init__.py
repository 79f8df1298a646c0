"""SLA monitor service_layer."""
