"""The CLI's contract where a user error is refused: the message, the exit code, and nothing else printed."""

from __future__ import annotations

try:  # the tests folder may or may not be a package
    from ._score_fixtures import run_cli
except ImportError:
    from _score_fixtures import run_cli  # type: ignore[no-redef]


def test_an_unknown_import_format_is_refused_before_the_import_starts(tmp_path):
    """`import --format nope` of 5 MB of exports: the error, and no progress bar left under it ("importing
    0.0/5.0 MB"): the format was refused mid-import, once the bar had started."""
    big = tmp_path / "accounts.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("platform,account_id,username,followers\n")
        for i in range(120_000):
            f.write(f"instagram,acc{i:07d},user_{i:07d},{1000 + i}\n")
    assert big.stat().st_size > 4 << 20  # the import's progress bar shows from 4 MB
    ws = tmp_path / "ws.duckdb"
    code, out, err = run_cli(str(ws), "import", str(big), "--format", "nope", env={"COLUMNS": "200"})
    assert code == 1
    text = out + err
    assert "unknown format 'nope'; known formats: csv, discord" in text
    assert "importing" not in text, text
    assert not ws.exists()
