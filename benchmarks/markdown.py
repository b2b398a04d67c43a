"""The results JSON as a Markdown table for docs/benchmarks.md, optionally beside an earlier run.

    python -m benchmarks.markdown benchmarks/results/latest.json [--before earlier.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _value(row: dict[str, Any] | None) -> str:
    if row is None:
        return ""
    if row["value"] is None:
        return f"{row['status']}: {row['note']}" if row["status"] != "ok" else "—"
    v, unit = row["value"], row["unit"]
    text = f"{v:.2f}{unit}" if unit not in ("s", "ms", "MB") else \
        f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    if row.get("ratio") is not None:
        text += f" ({row['ratio']:.2f}×)"
    return text


def table(after: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    old = {r["id"]: r for r in (before or {}).get("rows", [])}
    head = ["what", "db", *(["before (ratio)"] if before else []), "now (ratio)", "baseline", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in after["rows"]:
        base = ""
        if r["baseline"]:
            b = r["baseline_value"]
            shown = "—" if b is None else f"{b:.3g} {r['unit']}".strip()
            base = f"{r['baseline']}: {shown}"
        met = "" if r["meets"] is None else ("yes" if r["meets"] else "**no**")
        cells = [r["what"], r["backend"], *([_value(old.get(r["id"]))] if before else []), _value(r), base,
                 r["target"], met]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--before", type=Path)
    args = parser.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None
    print(table(json.loads(args.results.read_text()), before))


if __name__ == "__main__":
    main()
