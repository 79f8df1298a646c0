"""Dashboard domain: the fold of one complaint's events and the figures over many (pure)."""
