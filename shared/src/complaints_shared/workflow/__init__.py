"""The complaint's rules every service must answer alike: hierarchy queries, the lifecycle,
who may act, who may see. Pure functions over the organisation and plain data; no I/O."""
