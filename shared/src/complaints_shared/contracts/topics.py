"""Topic names. One log keyed by complaint id is the source of truth."""

COMPLAINT_EVENTS = "complaint-events"
DEAD_LETTERS = "complaint-events.dead-letter"
ALL_TOPICS = (COMPLAINT_EVENTS, DEAD_LETTERS)
