"""The SLA monitor's pure core: working-time arithmetic and calendars, with no I/O and no clock."""
