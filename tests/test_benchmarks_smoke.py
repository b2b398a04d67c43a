"""The benchmark suite runs end to end at its tiny size and reports every figure it promises.

Timings are never asserted (they are measured by ``python -m benchmarks``, not tested): this only
checks that every measure produced its rows, on SQLite and on a real PostgreSQL server, with a value,
and a ratio wherever there is a bare-library baseline.
"""

from __future__ import annotations

import json

import benchmarks.measures  # noqa: F401 - registers the measures
from benchmarks.markdown import table as markdown_table
from benchmarks.registry import MEASURES
from benchmarks.runner import run


def test_the_suite_at_tiny_size_reports_every_row_as_table_and_json(tmp_path, pg_server):
    printed: list[str] = []
    out = tmp_path / "results" / "latest.json"
    run("tiny", out=out, new_database=pg_server.new_database, echo=printed.append, cache=tmp_path / "cache")

    written = json.loads(out.read_text())
    expected = [i for m in MEASURES.values() for i in m.expected(["sqlite", "postgresql"])]
    rows = {r["id"]: r for r in written["rows"]}
    assert sorted(rows) == sorted(expected)
    assert {"import.large.sqlite", "load.postgresql", "analysis.page.sqlite", "cooccurrence.exponent",
            "report.docx", "export.xlsx.memory", "qdpx.import", "chart.grid_png",
            "code_page.postgresql"} <= set(rows)
    problems = {i: r["note"] for i, r in rows.items() if r["status"] != "ok" or r["value"] is None}
    assert not problems
    # A ratio wherever there is a baseline, except a memory row where one side grew the resident set by
    # nothing at all (at tiny sizes a run may touch no new page: growth 0, a ratio undefined).
    no_ratio = {i: r for i, r in rows.items() if r["baseline"] and r["ratio"] is None
                and not (r["unit"] == "MB" and 0 in (r["value"], r["baseline_value"]))}
    assert not no_ratio
    assert written["backends"] == ["sqlite", "postgresql"] and written["machine"]["cores"]

    table = next(p for p in printed if p.startswith("what"))
    assert all(r["what"] in table for r in rows.values())
    markdown = markdown_table(written)  # the form docs/benchmarks.md shows
    assert all(f"| {r['what']} |" in markdown for r in rows.values())
