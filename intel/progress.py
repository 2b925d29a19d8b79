"""Progress display for long stages: a rich progress bar the pipeline drives by callbacks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

__all__ = ["ProgressFn", "stage_progress", "null_progress"]


class ProgressFn(Protocol):
    """``progress(stage, done=None, total=None)``: start or advance a named stage."""

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None: ...


def null_progress(stage: str, done: int | None = None, total: int | None = None) -> None:
    """A progress callback that shows nothing."""


@contextlib.contextmanager
def stage_progress(console: Console) -> Iterator[ProgressFn]:
    """A progress callback drawing one line per stage, with a bar where totals are known.

    Stages that take under a moment still print their line, so a user sees where time goes.
    """
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
        console=console, transient=False, disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}
        started: dict[str, float] = {}
        current: list[str] = []

        def progress(stage: str, done: int | None = None, total: int | None = None) -> None:
            if stage not in tasks:
                if current:
                    _finish(current[-1])
                tasks[stage] = bar.add_task(stage, total=total or 1, completed=0)
                started[stage] = time.perf_counter()
                current.append(stage)
            if done is not None:
                bar.update(tasks[stage], completed=done, total=total or max(done, 1))

        def _finish(stage: str) -> None:
            task = bar.tasks[tasks[stage]]
            bar.update(tasks[stage], completed=task.total)

        yield progress
        if current:
            _finish(current[-1])
