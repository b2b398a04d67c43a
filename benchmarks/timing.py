"""Medians of several runs, a figure and its baseline interleaved in one run, and peak memory.

These machines are shared and noisy, so a figure is never compared with a number from another run:
the runs of a figure and of its baseline alternate (ours, base, base, ours, …) and each is summarised
by its median. Peak memory is the growth of the process's resident set during a run (Linux: the
kernel's high-water mark, reset before the run), falling back to tracemalloc elsewhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Setup = Callable[[], Any]
Work = Callable[[Any], Any]
Teardown = Callable[[Any], None]

_PROC = Path("/proc/self")


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)
    peak_bytes: list[int] = field(default_factory=list)
    last: Any = None  # what the last run returned

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float | None:
        return max(self.peak_bytes) / 2**20 if self.peak_bytes else None


def _status(field_name: str) -> int:
    for line in (_PROC / "status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field_name)


def _can_reset_peak() -> bool:
    try:
        (_PROC / "clear_refs").write_text("5")
        return True
    except OSError:
        return False


_RESET = _can_reset_peak()


def _release_freed_memory() -> None:
    gc.collect()
    # glibc keeps freed memory; hand it back so the next run's peak starts from what is live
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def run_once(work: Work, arg: Any = None, memory: bool = False) -> tuple[float, int | None, Any]:
    """(seconds, peak extra bytes or None, result) of one call."""
    if not memory:
        t0 = time.perf_counter()
        result = work(arg)
        return time.perf_counter() - t0, None, result
    _release_freed_memory()
    if _RESET:
        (_PROC / "clear_refs").write_text("5")  # the high-water mark starts again from now
        base = _status("VmRSS")
        t0 = time.perf_counter()
        result = work(arg)
        seconds = time.perf_counter() - t0
        return seconds, max(0, _status("VmHWM") - base), result
    tracemalloc.start()
    t0 = time.perf_counter()
    result = work(arg)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, result


def python_peak(work: Work, arg: Any = None) -> int:
    """Peak bytes of Python objects alive during one call (tracemalloc: slow, so not timed)."""
    _release_freed_memory()
    tracemalloc.start()
    try:
        work(arg)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def runs(work: Work, repeat: int, setup: Setup | None = None, teardown: Teardown | None = None,
         memory: bool = False) -> Runs:
    out = Runs()
    for _ in range(repeat):
        one(out, work, setup, teardown, memory)
    return out


def one(out: Runs, work: Work, setup: Setup | None, teardown: Teardown | None, memory: bool) -> None:
    arg = setup() if setup else None
    try:
        seconds, peak, result = run_once(work, arg, memory)
    finally:
        if teardown:
            teardown(arg)
    out.seconds.append(seconds)
    if peak is not None:
        out.peak_bytes.append(peak)
    out.last = result


def compare(ours: Work, base: Work, repeat: int, setup: Setup | None = None,
            teardown: Teardown | None = None, base_setup: Setup | None = None,
            base_teardown: Teardown | None = None, memory: bool = False) -> tuple[Runs, Runs]:
    """Alternate the two so a noisy moment on the machine hits both alike."""
    a, b = Runs(), Runs()
    for i in range(repeat):
        pair = [(a, ours, setup, teardown), (b, base, base_setup, base_teardown)]
        for out, work, s, t in (pair if i % 2 == 0 else pair[::-1]):
            one(out, work, s, t, memory)
    return a, b
