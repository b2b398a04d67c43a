"""The measures, by name: each is one function that returns its table rows.

To add a measure (suggestions' words/s against spaCy's bare tokenizer, agreement against
``krippendorff`` called directly, …) write one function in a module of :mod:`benchmarks.measures`::

    @measure("agreement", rows=("agreement.all",))
    def agreement(b: Bench) -> list[Row]:
        study = b.study("sqlite")                     # the generated project, built once per run
        ours, base = compare(lambda _: ..., lambda _: ..., b.size.repeat)
        return [Row.timed("agreement.all", "Agreement, all codes × transcripts", ours, base,
                          "krippendorff.alpha on the same matrices", target_ratio=1.2)]

and import the module in ``benchmarks/measures/__init__.py``. ``rows`` names every row the function
returns (``{backend}`` expands to each storage backend), so a measure that fails still shows its rows,
and the smoke test knows what to expect.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.runner import Bench
    from benchmarks.timing import Runs

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class Row:
    id: str
    what: str
    value: float | None  # in ``unit``
    unit: str = "s"
    backend: str = ""
    baseline: str = ""  # what the value is compared with, when there is a bare-library baseline
    baseline_value: float | None = None
    ratio: float | None = None  # value / baseline_value, both measured in this run
    target: str = ""  # as the issue states it, e.g. "≤ 3×", "≤ 1 s", "exponent ≤ 1.1"
    meets: bool | None = None
    note: str = ""
    status: str = OK
    runs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def timed(cls, id: str, what: str, ours: Runs, base: Runs | None = None, baseline: str = "",
              target_ratio: float | None = None, target_seconds: float | None = None, **kw: Any) -> Row:
        row = cls(id, what, ours.median, runs=len(ours.seconds), baseline=baseline, **kw)
        if base is not None:
            row.baseline_value = base.median
            row.ratio = ours.median / base.median if base.median > 0 else None
        if target_ratio is not None and row.ratio is not None:
            row.target, row.meets = f"≤ {target_ratio:g}×", row.ratio <= target_ratio
        if target_seconds is not None:
            row.target, row.meets = f"≤ {target_seconds:g} s", ours.median <= target_seconds
        return row

    @classmethod
    def failed(cls, id: str, what: str, why: str, **kw: Any) -> Row:
        return cls(id, what, None, status=FAILED, note=why, **kw)

    @classmethod
    def skipped(cls, id: str, what: str, why: str, **kw: Any) -> Row:
        return cls(id, what, None, status=SKIPPED, note=why, **kw)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def exponent(n_small: float, t_small: float, n_large: float, t_large: float) -> float:
    """How time grows with size: t ∝ n^k between the two sizes."""
    return math.log(t_large / t_small) / math.log(n_large / n_small)


@dataclass(frozen=True)
class Measure:
    key: str
    rows: tuple[str, ...]
    fn: Callable[[Bench], list[Row]]

    def expected(self, backends: list[str]) -> list[str]:
        out: list[str] = []
        for row in self.rows:
            out += [row.format(backend=b) for b in backends] if "{backend}" in row else [row]
        return out


MEASURES: dict[str, Measure] = {}


def measure(key: str, rows: tuple[str, ...]) -> Callable[[Callable[[Bench], list[Row]]], Callable]:
    def register(fn: Callable[[Bench], list[Row]]) -> Callable[[Bench], list[Row]]:
        if key in MEASURES:
            raise ValueError(f"benchmark measure {key!r} registered twice")
        MEASURES[key] = Measure(key, rows, fn)
        return fn

    return register
