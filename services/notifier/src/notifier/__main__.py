from complaints_shared.cli import service_main

from .bootstrap import create_app
from .config import NotifierSettings
from .replay import replay


def main() -> None:
    service_main(
        service="notifier",
        package="notifier",
        default_port=8004,
        load_settings=NotifierSettings,
        database_url=lambda settings: settings.database_url,
        create_app=create_app,
        commands={
            "replay": (
                "rebuild the facts and alerts recorded, sending nothing (--check: compare)",
                replay,
            )
        },
    )


if __name__ == "__main__":
    main()
