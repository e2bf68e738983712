"""The CLI's tables of data (import report, status, its import log and rejects) print file names, handles and the
values a rejection quotes as written, never as Rich markup."""

from __future__ import annotations

from typer.testing import CliRunner

from tribescope.cli import app


def test_status_rejects_and_the_import_report_print_brackets_as_written(tmp_path):
    """A CSV named ``[red]acc.csv`` with a follower count ``[/b]``: the import report listed the file as "acc.csv"
    (markup ate the name) and ``status --rejects`` failed with a MarkupError traceback on the quoted value."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "[red]acc.csv").write_text("account_id,username,followers\na1,alice,12\na2,bob,[/b]\n")
    ws = str(tmp_path / "ws.duckdb")
    r = CliRunner()
    res = r.invoke(app, ["-w", ws, "import", "--skip-bad", str(folder)], terminal_width=300)
    assert res.exit_code == 0, res.output
    assert "[red]acc.csv" in res.output
    res = r.invoke(app, ["-w", ws, "status", "--rejects"], terminal_width=300)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if "line 3" in ln)
    assert "[red]acc.csv" in line and "found '[/b]'" in line
