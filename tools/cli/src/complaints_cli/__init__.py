"""`complaints`: the operators' command line."""
