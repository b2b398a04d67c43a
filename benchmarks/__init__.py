"""consult-coder's benchmark suite: ``python -m benchmarks --size tiny|sample|large``.

A generator of synthetic studies at scale (:mod:`benchmarks.corpus`, :mod:`benchmarks.study`), the
measures (:mod:`benchmarks.measures`, one function per measure in a small registry,
:mod:`benchmarks.registry`) and a runner (:mod:`benchmarks.runner`) that prints a table and writes
JSON. Every figure is a median of several runs; every comparison is a ratio to a bare-library
baseline measured in the same run. Timings are never asserted in tests; docs/benchmarks.md keeps the
latest table.
"""
