from complaints_shared.cli import service_main

from .bootstrap import create_app
from .config import IntakeSettings
from .replay import replay


def main() -> None:
    service_main(
        service="intake",
        package="intake",
        default_port=8001,
        load_settings=IntakeSettings,
        database_url=lambda settings: settings.database_url,
        create_app=create_app,
        commands={"replay": ("rebuild the read model from the log (--check: compare)", replay)},
    )


if __name__ == "__main__":
    main()
