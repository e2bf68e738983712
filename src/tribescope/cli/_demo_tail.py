"""Last step of `make demo`: say where to look, and what the score found."""

from __future__ import annotations

import csv
import shlex
import sys
from collections import Counter
from pathlib import Path

#: the score's labels in the order the summary lists them (any other label follows, by count)
_LABELS = ("community_influencer", "broadcast_influencer", "suspicious", "creator", "insufficient_data")


def _labels(scores: Path) -> tuple[str, str]:
    """``150 creators: 54 community influencer, …`` from the score's CSV (its ``label`` column), and the handle of
    its first row (the top score: the CSV is sorted by it)."""
    with open(scores, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts = Counter(row.get("label") or "no label" for row in rows)
    top = (rows[0].get("handle") or rows[0].get("creator_id") or "") if rows else ""
    order = [lb for lb in _LABELS if lb in counts] + [
        lb for lb, _ in counts.most_common() if lb not in _LABELS
    ]
    parts = ", ".join(f"{counts[lb]} {lb.replace('_', ' ')}" for lb in order)
    n = sum(counts.values())
    return f"{n} creator{'s' if n != 1 else ''}" + (f": {parts}" if parts else ""), top


def main(out: str) -> int:
    d = Path(out).resolve()
    ws = d / "demo.duckdb"
    exports = d / "exports"
    scores = d / "scores.csv"
    report = d / "report.html"
    print()
    if not ws.exists():
        print(f"No demo workspace at {ws}: the demo did not run to the end (run `make demo`).")
        return 1
    rows: list[tuple[str, str]] = [("workspace", str(ws))]
    if exports.is_dir():
        truth = exports / "truth"
        rows.append(("exports", f"{exports}" + (f"  (planted truth in {truth})" if truth.is_dir() else "")))
    top = ""
    if scores.exists():
        summary, top = _labels(scores)
        rows.append(("scores.csv", f"{scores}  ({summary})"))
    if report.exists():
        rows.append(("report.html", str(report)))
    width = max(len(k) for k, _ in rows)
    print("Demo finished.")
    for k, v in rows:
        print(f"  {k:<{width}} : {v}")
    cmd = f".venv/bin/tribescope --workspace {shlex.quote(str(ws))}"
    print(f"Explore it: {cmd} status")
    if top:
        print(f"  why the top creator scored what it did: {cmd} explain {shlex.quote(top)}")
    print(f"  the dashboard: {cmd} serve")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "demo-output"))
