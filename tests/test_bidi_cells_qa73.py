"""A handle with a right-to-left override (U+202E) reversed the rest of its line: the `score` table's row read its
columns backwards in the terminal, and the dashboard's row after it. Shown data is now kept to itself (an isolate,
FSI … PDI, that closes what the text left open)."""

from __future__ import annotations

import pytest

try:
    from ._score_fixtures import run_main
except ImportError:  # run as a rootdir-relative module
    from _score_fixtures import run_main  # type: ignore[no-redef]
from tribescope._bidi import isolate_bidi

FSI, PDI, PDF, RLO, RLI = "\u2068", "\u2069", "\u202c", "\u202e", "\u2067"
FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "web"


def test_isolate_closes_what_the_text_left_open():
    assert isolate_bidi("alice_bakes") == "alice_bakes"  # the common case untouched
    assert isolate_bidi(f"{RLO}ekab") == f"{FSI}{RLO}ekab{PDF}{PDI}"
    assert isolate_bidi(f"a{RLO}b{PDF}c") == f"{FSI}a{RLO}b{PDF}c{PDI}"  # closed by itself: nothing more
    assert isolate_bidi(f"{RLI}x{RLO}y") == f"{FSI}{RLI}x{RLO}y{PDF}{PDI}{PDI}"


def _workspace(tmp_path):
    """The web fixtures, Alice's handle with an override as an export can carry it (the CSV reader drops it)."""
    from tribescope.store import connect

    path = tmp_path / "ws.duckdb"
    assert (
        run_main(path, "import", *(str(FIXTURES / f) for f in ("accounts.csv", "posts.csv", "comments.csv")))
        == 0
    )
    ws = connect(path)
    try:
        ws.duck.execute(
            "UPDATE accounts SET username = ? WHERE account_id = 'alice_bakes'", [f"{RLO}Alice_Bakes"]
        )
    finally:
        ws.close()
    return path


def test_the_score_table_keeps_an_override_in_its_cell(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    path = _workspace(tmp_path)
    capsys.readouterr()
    assert run_main(path, "score") == 0
    out = capsys.readouterr().out
    (line,) = [ln for ln in out.splitlines() if "Alice_Bakes" in ln]
    # the handle's override ends inside its cell, before the platform's column
    assert f"{FSI}{RLO}Alice_Bakes{PDF}{PDI}" in line
    assert line.index(PDI) < line.index("instagram")


def test_the_dashboard_keeps_an_override_in_its_cell(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    path = _workspace(tmp_path)
    assert run_main(path, "score") == 0
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        page = c.get("/").text
        assert f">{FSI}{RLO}Alice_Bakes{PDF}{PDI}</a>" in page
        assert c.get("/api/creators").json()["items"]  # the API's data is as stored
        handles = [r["handle"] for r in c.get("/api/creators").json()["items"]]
        assert f"{RLO}Alice_Bakes" in handles
