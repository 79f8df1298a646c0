from complaints_shared.cli import service_main

from .bootstrap import create_app
from .config import DashboardSettings
from .replay import replay


def main() -> None:
    service_main(
        service="dashboard",
        package="dashboard",
        default_port=8005,
        load_settings=DashboardSettings,
        database_url=lambda settings: settings.database_url,
        create_app=create_app,
        commands={"replay": ("rebuild the projection from the log (--check: compare)", replay)},
    )


if __name__ == "__main__":
    main()
