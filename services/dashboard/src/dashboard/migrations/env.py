from complaints_shared.migrations import run_env
from dashboard.adapters.tables import metadata

run_env(metadata)
