"""Work in a thread beside the main one (the store's statements release the GIL, so a load
can go on while Python computes)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Background"]


class Background:
    """``fn()`` in a thread from :meth:`start`; :meth:`join` waits for it (running it here
    if it never started), raises what it raised or returns what it returned."""

    def __init__(self, fn: Callable[[], Any] | None, name: str = "intel-background") -> None:
        self._fn, self._name, self._thread, self._error, self._result = fn, name, None, None, None

    def start(self) -> Background:
        if self._fn is not None and self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the joining thread
            self._error = exc

    def join(self) -> Any:
        if self._fn is not None:
            if self._thread is None:
                self._run()
            else:
                self._thread.join()
            self._fn = self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._result
