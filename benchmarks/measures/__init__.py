"""Every measure of the suite; importing this package registers them, in table order."""

from benchmarks.measures import ingest, analysis, exports, refi, charts, coding_page, agreement, suggestions  # noqa: F401, I001
