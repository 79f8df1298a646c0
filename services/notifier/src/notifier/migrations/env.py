from complaints_shared.migrations import run_env
from notifier.adapters.tables import metadata

run_env(metadata)
