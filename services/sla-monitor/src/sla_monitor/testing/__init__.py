"""In-memory fakes of the SLA monitor's stores, for its tests and anyone else's."""
