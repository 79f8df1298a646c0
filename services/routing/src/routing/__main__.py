from complaints_shared.cli import service_main

from .bootstrap import create_app
from .config import RoutingSettings
from .replay import replay


def main() -> None:
    service_main(
        service="routing",
        package="routing",
        default_port=8002,
        load_settings=RoutingSettings,
        database_url=lambda settings: settings.database_url,
        create_app=create_app,
        commands={"replay": ("rebuild routing's state from the log (--check: compare)", replay)},
    )


if __name__ == "__main__":
    main()
