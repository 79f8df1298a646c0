"""The command line every service shares: `<service> migrate` and `<service> serve`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from .logging import configure_logging
from .migrations import upgrade
from .settings import ConfigurationError, ServiceSettings
from .telemetry import configure_tracing

S = TypeVar("S", bound=ServiceSettings)
Command = tuple[str, Callable[[S, argparse.Namespace], int]]  # (help, function)


def service_main(
    *,
    service: str,
    package: str,
    default_port: int,
    load_settings: Callable[[], S],
    database_url: Callable[[S], str],
    create_app: Callable[[S], FastAPI],
    commands: dict[str, Command[S]] | None = None,
    argv: list[str] | None = None,
) -> None:
    """`migrate`, `serve`, and any service-specific `commands` (name -> (help, function)).

    Generic over the service's settings class, so each service's callbacks take its own."""
    commands = commands or {}
    parser = argparse.ArgumentParser(prog=service)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("migrate", help="bring the service's database to the newest revision")
    serve = sub.add_parser("serve", help="run the service (the default)")
    serve.add_argument("--port", type=int, default=default_port)
    for name, (help_text, _) in commands.items():
        extra = sub.add_parser(name, help=help_text)
        extra.add_argument("--check", action="store_true", help="compare, change nothing")
    args = parser.parse_args(argv)
    settings = load_settings()
    configure_logging(service, settings.log_level)
    if args.command == "migrate":
        upgrade(package, database_url(settings))
        return
    if args.command in commands:
        raise SystemExit(commands[args.command][1](settings, args))
    port = getattr(args, "port", default_port)
    try:
        settings.check_authentication()  # before anything is built
        configure_tracing(service)  # before the engines, so that their statements are traced
        app = create_app(settings)
    except ConfigurationError as exc:  # a clear line and a non-zero exit, not a traceback
        raise SystemExit(f"{service} refuses to start: {exc}") from None
    uvicorn.run(app, host=settings.host, port=port, log_config=None)
