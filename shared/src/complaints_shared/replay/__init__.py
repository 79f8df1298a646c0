"""Rebuilding a projection from the whole log, fast: `python -m <service> replay [--check]`.

The pieces every service's `replay.py` puts together (docs/replay.md):

- `journal.Journal`: in-memory tables the service's replay stores keep their rows in, with the
  writes of one event undone when its handler fails (the live consumer rolls it back too);
- `driver.fold_log`: read the log from the broker in large fetches and hand each event to the
  handler the live consumer would call, de-duplicated by event id as its inbox does;
- `compare`: the replayed rows against the live rows, column by column, processing-time
  columns left out;
- `copies`: the SQL: read the live tables, write the replayed rows into a fresh schema;
- `command.run_replay`: the command itself, with its progress bar and report.
"""
