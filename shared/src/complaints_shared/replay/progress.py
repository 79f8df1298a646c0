"""The replay's progress bar: rich's, on standard error when it is a terminal; else nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@dataclass
class Bar:
    progress: Progress | None
    task: TaskID | None = None

    def total(self, total: int) -> None:
        """The broker's count of the records (an estimate on the dev broker)."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, total=max(total, 1))

    def advance(self, records: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, records)
            task = self.progress.tasks[self.task]
            if task.total is not None and task.completed > task.total:
                self.progress.update(self.task, total=task.completed)  # the estimate was low


@contextmanager
def progress_bar(description: str, console: Console | None = None) -> Iterator[Bar]:
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield Bar(None)
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield Bar(progress, progress.add_task(description, total=None))
