from complaints_shared.migrations import run_env
from sla_monitor.adapters.tables import metadata

run_env(metadata)
