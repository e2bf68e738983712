"""Last step of `make demo`: say where to look."""

from __future__ import annotations

import sys
from pathlib import Path


def main(out: str) -> None:
    d = Path(out).resolve()
    print()
    print("Demo finished.")
    print(f"  workspace : {d / 'demo.duckdb'}")
    print(f"  exports   : {d / 'exports'}  (planted truth in {d / 'exports' / 'truth'})")
    for name in ("scores.csv", "report.html"):
        if (d / name).exists():
            print(f"  {name:<10}: {d / name}")
    print(f"Explore it: .venv/bin/tribescope --workspace {d / 'demo.duckdb'} status")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo-output")
