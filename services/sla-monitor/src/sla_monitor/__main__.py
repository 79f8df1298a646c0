from complaints_shared.cli import service_main

from .bootstrap import create_app
from .config import SlaSettings
from .replay import replay


def main() -> None:
    service_main(
        service="sla-monitor",
        package="sla_monitor",
        default_port=8003,
        load_settings=SlaSettings,
        database_url=lambda settings: settings.database_url,
        create_app=create_app,
        commands={"replay": ("rebuild the clock projection from the log", replay)},
    )


if __name__ == "__main__":
    main()
