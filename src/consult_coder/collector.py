"""Python's cycle collector paused while many small objects are made, for the hot loops that make them.

Each pass of the collector walks every object still alive — the study's rows, the lemma tables, the
patterns — and making a few hundred thousand tuples triggers pass after pass. The loops that pause it
(building an analysis layer's rows, matching a batch of transcripts) make no reference cycles, so
nothing waits to be collected; reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the block, and back on after it only if it was on before (a caller
    who turned it off keeps it off; nested and concurrent blocks never leave it off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
