"""Stopping a long-running command (the relay, the export loop) cleanly on SIGTERM or Ctrl-C."""

import signal
from collections.abc import Callable
from types import FrameType


def stop_on_signals() -> Callable[[], bool]:
    """Installs SIGTERM and SIGINT handlers that ask the command to stop at its next turn;
    returns what its loop asks to know whether it should."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return lambda: stopping
