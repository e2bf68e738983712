"""Shared atheris driver: feed mutated bytes through ``import_paths`` into one temp workspace.

Each input is written to a file and imported; its first byte picks strict or ``skip_bad=True`` and
whether the format is forced or detected. Only :class:`ImportFailed` may
escape, and a failed import must leave every table exactly as it was (row counts and a checksum of
every column). Any other exception, or a changed workspace after a failure, is a crash for libFuzzer.

The seed corpus is written from ``tests/_fuzz_corpus.py`` (valid exports of the format, with
duplicates, replies before parents, timestamps in other zones…) the first time a harness runs.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.setrecursionlimit(3000)  # the default; importers must not depend on a raised limit

with atheris.instrument_imports(include=["tribescope"]):
    from tribescope import schema
    from tribescope.errors import ImportFailed
    from tribescope.ingest import import_paths
    from tribescope.store import connect

from _fuzz_corpus import BUILDERS, SUFFIX  # noqa: E402  (not instrumented: test-side generator)

__all__ = ["main"]


def _state(ws) -> dict[str, tuple[int, int]]:
    out = {}
    for name in schema.TABLES:
        n, h = ws.duck.execute(f'SELECT count(*), coalesce(sum(hash(s)::HUGEINT), 0) FROM "{name}" s').fetchone()
        out[name] = (int(n), int(h))
    return out


def _seed_corpus(fmt: str, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        return
    for seed in range(8):
        b = BUILDERS[fmt](random.Random(seed), 6 + seed * 3, f"s{seed}x", 0.1 * (seed % 3), False)
        (directory / f"seed{seed}").write_bytes(bytes([seed % 4]) + b.data)


def main(fmt: str) -> None:
    """Run libFuzzer on importer ``fmt``; extra command-line arguments go to libFuzzer."""
    work = Path(tempfile.mkdtemp(prefix=f"tribescope-fuzz-{fmt}-"))
    ws = connect(work / "w.duckdb")
    path = work / ("input" + SUFFIX.get(fmt, ".jsonl"))
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus directory given: use fuzz/corpus/FMT
        corpus = Path(__file__).parent / "corpus" / fmt
        _seed_corpus(fmt, corpus)
        args.append(str(corpus))

    def one_input(data: bytes) -> None:
        if not data:
            return
        mode, body = data[0], data[1:]
        path.write_bytes(body)
        forced, skip_bad = (fmt if mode & 1 else None), bool(mode & 2)
        before = _state(ws)
        try:
            r = import_paths(ws, [path], format=forced, skip_bad=skip_bad, force=True)
        except ImportFailed:
            after = _state(ws)
            if after != before:
                raise AssertionError(f"a failed import changed the workspace: {before} -> {after}") from None
        else:
            if r.rejected and not skip_bad:
                raise AssertionError("records were rejected without skip_bad")
            if _state(ws)["rejects"][0] - before["rejects"][0] != r.rejected:
                raise AssertionError("rejected records are not all in the rejects table")

    atheris.Setup(args, one_input)
    atheris.Fuzz()
