"""The import/status commands as a user runs them."""

from __future__ import annotations

import gc
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tribescope.cli import app

try:  # the tests folder may or may not be a package
    from ._score_fixtures import run_cli
except ImportError:
    from _score_fixtures import run_cli  # type: ignore[no-redef]

runner = CliRunner()
_YOUTUBE = Path(__file__).parent / "fixtures" / "youtube"


def test_import_then_status_then_bad_file(tmp_path):
    w = str(tmp_path / "w.duckdb")
    good = tmp_path / "accounts.csv"
    good.write_text("account_id,username,followers\n1,ann,100\n2,ben,2500\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(good), "--platform", "instagram"])
    assert r.exit_code == 0, r.output
    assert "accounts 2" in r.output
    s = runner.invoke(app, ["--workspace", w, "status"])
    assert s.exit_code == 0 and "instagram 2" in s.output

    bad = tmp_path / "more.csv"
    bad.write_text("account_id,username,followers\n3,cy,7\n4,dee,many\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(bad), "--platform", "instagram"])
    assert r.exit_code == 1
    assert "more.csv" in r.output and "line 3" in r.output and "followers" in r.output
    s = runner.invoke(app, ["--workspace", w, "status"])
    assert "instagram 2" in s.output  # unchanged

    r = runner.invoke(app, ["--workspace", w, "import", str(bad), "--platform", "instagram", "--skip-bad"])
    assert r.exit_code == 0 and "quarantined" in r.output
    s = runner.invoke(app, ["--workspace", w, "status", "--rejects"])
    assert "instagram 3" in s.output and "whole number" in s.output


def test_unknown_format_and_missing_path(tmp_path):
    w = str(tmp_path / "w.duckdb")
    junk = tmp_path / "notes.dat"
    junk.write_text("hello world\nthis is not an export\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(junk)])
    assert r.exit_code == 1 and "format not recognised" in r.output
    r = runner.invoke(app, ["--workspace", w, "import", str(tmp_path / "nope.json")])
    assert r.exit_code == 1 and "no such file" in r.output


def test_folder_import_skips_marked_folders(tmp_path):
    w = str(tmp_path / "w.duckdb")
    d = tmp_path / "exports"
    (d / "truth").mkdir(parents=True)
    (d / "truth" / ".tribescopeignore").write_text("")
    (d / "truth" / "creators.csv").write_text("account_id,kind\n1,community\n")
    (d / "accounts.csv").write_text("platform,account_id,username\ninstagram,1,ann\n")
    (d / "README.md").write_text("# notes\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(d)])
    assert r.exit_code == 0, r.output
    assert "creators.csv" not in r.output and "accounts.csv" in r.output


@pytest.fixture
def thawed():
    """``cli.main`` freezes the heap and disables the collector for the process's exit: undone after the test."""
    yield
    gc.unfreeze()
    gc.enable()


def test_main_runs_the_command_with_fewer_collections_then_freezes_for_exit(monkeypatch, thawed):
    """``tribescope`` (cli.main) runs its command with the young generation's threshold raised, restores it, and
    freezes what the command left so that the interpreter's shutdown collections skip it — also when it fails."""
    import tribescope.cli as cli
    from tribescope._gc import BATCH_GC_THRESHOLD

    before = gc.get_threshold()
    seen = []

    def command(code):
        def run():
            seen.append(gc.get_threshold())
            raise SystemExit(code)

        return run

    for code in (0, 2):
        monkeypatch.setattr(cli, "app", command(code))
        with pytest.raises(SystemExit) as exc:
            cli.main()
        assert exc.value.code == code
        assert seen[-1][0] == max(before[0], BATCH_GC_THRESHOLD) and seen[-1][1:] == before[1:]
        assert gc.get_threshold() == before
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        gc.unfreeze()
        gc.enable()


def test_main_closes_the_workspaces_the_command_opened(monkeypatch, tmp_path, thawed):
    """Frozen objects in a reference cycle are never finalised: main closes (checkpoints) every workspace the command
    opened and left open, before it freezes them."""
    import tribescope.cli as cli
    from tribescope.cli._app import state

    monkeypatch.setattr(state, "workspace", str(tmp_path / "w.duckdb"))
    kept = []

    def command():
        ws = state.open(create=True)
        ws.duck.execute("CREATE TABLE t AS SELECT 42 AS x")
        ws.cycle = ws  # only the cyclic collector would free it
        kept.append(ws)
        raise SystemExit(0)

    monkeypatch.setattr(cli, "app", command)
    with pytest.raises(SystemExit):
        cli.main()
    from tribescope.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="is closed"):
        kept[0].duck.execute("SELECT 1")
    with pytest.raises(duckdb.ConnectionException):  # the DuckDB connection itself is closed
        kept[0]._duck.execute("SELECT 1")
    assert not (tmp_path / "w.duckdb.wal").exists()
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT x FROM t").fetchone() == (42,)
    con.close()


def test_commands_that_only_read_or_derive_do_not_create_a_missing_workspace(tmp_path):
    w = tmp_path / "typo.duckdb"
    for args in (
        ["score"],
        ["forget", "ann"],
        ["report", "--out", str(tmp_path / "r.html")],
        ["explain", "ann"],
    ):
        r = runner.invoke(app, ["--workspace", str(w), *args])
        assert r.exit_code == 1, (args, r.output)
        assert "typo.duckdb does not exist" in r.output and "tribescope import" in r.output
        assert not w.exists()


def test_score_of_a_workspace_without_creators_is_an_empty_ranking(tmp_path):
    w = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["--workspace", w, "brand", "add", "acme", "--keyword", "shoes"])
    assert r.exit_code == 0, r.output  # a brand profile may come before any export: it creates the workspace
    out = tmp_path / "scores.csv"
    r = runner.invoke(app, ["--workspace", w, "score", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote 0 creators" in r.output and "no creators in this workspace yet" in r.output
    assert out.read_text().startswith('"platform","creator_id"')


def _md5(p) -> str:
    import hashlib

    return hashlib.md5(p.read_bytes()).hexdigest()


def test_an_export_given_as_the_workspace_is_refused_and_left_alone(tmp_path):
    from pathlib import Path

    chan = tmp_path / "channels.json"  # DuckDB would open it as a throwaway in-memory database
    chan.write_bytes((Path(__file__).parent / "fixtures" / "youtube" / "channels.json").read_bytes())
    before = _md5(chan)
    for args in (["import", str(Path(__file__).parent / "fixtures" / "youtube")], ["status"]):
        r = runner.invoke(app, ["--workspace", str(chan), *args])
        assert r.exit_code == 1 and "is not a DuckDB workspace" in r.output, r.output
    assert _md5(chan) == before
    under = tmp_path / "channels.json" / "w.duckdb"  # a parent that is a file: an error, not a traceback
    r = runner.invoke(app, ["--workspace", str(under), "brand", "add", "acme", "--keyword", "shoes"])
    assert r.exit_code == 1 and "cannot create workspace" in r.output


def test_a_failed_command_leaves_no_workspace_it_created(tmp_path, monkeypatch):
    from tribescope.cli import main

    empty = tmp_path / "empty.json"
    empty.write_text("")
    for args in (["import", str(empty)], ["brand", "add", "nokeyword"]):
        w = tmp_path / "new.duckdb"
        monkeypatch.setattr("sys.argv", ["tribescope", "--workspace", str(w), *args])
        with pytest.raises(SystemExit) as exc:
            main()
        assert exc.value.code == 1
        assert not w.exists() and not w.with_name("new.duckdb.wal").exists()
    w = tmp_path / "kept.duckdb"  # a workspace that existed before a failed command is kept, unchanged
    assert (
        runner.invoke(app, ["--workspace", str(w), "brand", "add", "acme", "--keyword", "x"]).exit_code == 0
    )
    monkeypatch.setattr("sys.argv", ["tribescope", "--workspace", str(w), "import", str(empty)])
    with pytest.raises(SystemExit):
        main()
    assert w.exists()


def test_skip_bad_skips_files_that_are_not_exports(tmp_path):
    from pathlib import Path

    folder = tmp_path / "mix"
    folder.mkdir()
    (folder / "channels.json").write_bytes(
        (Path(__file__).parent / "fixtures" / "youtube" / "channels.json").read_bytes()
    )
    (folder / "empty.json").write_text("")
    (folder / "list.json").write_text("[]")
    w = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["--workspace", w, "import", str(folder)])
    assert r.exit_code == 1 and "empty.json, file: the file is empty" in r.output
    assert "--skip-bad to import the other files" in r.output and "Fix the record" not in r.output
    r = runner.invoke(app, ["--workspace", w, "import", "--skip-bad", str(folder)])
    assert r.exit_code == 0, r.output
    con = duckdb.connect(w, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 1  # the export alone
    finally:
        con.close()


def test_a_folder_without_files_to_import_is_an_error(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "README.md").write_text("notes")
    (folder / ".hidden.json").write_text("{}")
    r = runner.invoke(app, ["--workspace", str(tmp_path / "w.duckdb"), "import", str(folder)])
    assert r.exit_code == 1 and "no files to import in this folder" in r.output
    assert not (tmp_path / "w.duckdb").exists()


def test_score_limit_below_zero_is_a_usage_error(tmp_path):
    r = runner.invoke(app, ["--workspace", str(tmp_path / "w.duckdb"), "score", "--limit", "-3"])
    assert r.exit_code == 2 and "--limit" in r.output


def test_import_with_an_unknown_table_is_a_clear_error(tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("account_id,username\n1,ann\n")
    r = runner.invoke(app, ["--workspace", str(tmp_path / "w.duckdb"), "import", str(f), "--table", "bogus"])
    assert r.exit_code == 1 and "--table 'bogus' is not a table" in r.output and "accounts" in r.output
    assert not (tmp_path / "w.duckdb").exists()


def test_import_says_which_columns_it_did_not_import(tmp_path):
    """A generic file's columns that no canonical column takes (a typo, a second spelling) are named, not dropped
    without a word; a column name is shown as text, never as console markup."""
    w = str(tmp_path / "w.duckdb")
    f = tmp_path / "accounts.csv"
    f.write_text(
        "platform,account_id,username,followers,follower_count,[red]odd\ninstagram,1,ann,100,200,x\n"
    )
    r = runner.invoke(app, ["--workspace", w, "import", str(f)])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "accounts.csv: column(s) '[red]odd', 'follower_count' not imported" in said
    ok = tmp_path / "plain.csv"
    ok.write_text("platform,account_id,username\ninstagram,2,bo\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(ok)])
    assert r.exit_code == 0 and "not imported" not in r.output


def test_error_messages_are_printed_as_text_not_console_markup(tmp_path):
    """``fail`` printed messages as Rich markup: a bracketed part of a file name ("[red]") vanished or restyled."""
    w = str(tmp_path / "w.duckdb")
    f = tmp_path / "[red]bad.csv"
    f.write_text("account_id,username,followers\n1,ann,many\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(f), "--platform", "instagram"])
    assert r.exit_code == 1 and "[red]bad.csv" in " ".join(r.output.split())


def test_a_malformed_link_creator_is_refused_before_anything_is_imported(tmp_path):
    """Only a file that links a community space (Discord, Reddit, Patreon) read ``--link-creator``: an import of other
    files committed, printed its report, then failed on the option in its closing note with a traceback — and the
    workspace it had just created was removed with it. The option is now refused first, naming it."""
    w = tmp_path / "w.duckdb"
    for bad in ("bad", "myspace:ann", "youtube:"):
        code, out, err = run_cli(
            str(w), "import", str(_YOUTUBE), "--link-creator", bad
        )  # no exception but the exit
        assert code == 1, out + err
        said = out + err
        assert "--link-creator" in said and "PLATFORM:ACCOUNT_ID" in said and repr(bad) in said
        assert "imported into" not in said and "Traceback" not in said
        assert not w.exists()
    # the Python API refuses it before reading any file too (the check is import_paths' own)
    from tribescope.errors import TribescopeError
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    ws = connect(tmp_path / "api.duckdb")
    try:
        with pytest.raises(
            TribescopeError, match=r"--link-creator: expected PLATFORM:ACCOUNT_ID .* found 'bad'"
        ):
            import_paths(ws, [_YOUTUBE], options={"link_creator": "bad"})
        assert ws.table("comments").count().execute() == 0
    finally:
        ws.close()
    # a well-formed one is taken (a YouTube import has no space to link: the note says the id names no account yet)
    code, out, err = run_cli(str(w), "import", str(_YOUTUBE), "--link-creator", "youtube:UCnobody")
    assert code == 0, out + err
    with duckdb.connect(str(w), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM comments").fetchone()[0] == 8


def test_a_key_file_without_pseudonymize_is_refused_not_ignored(tmp_path):
    """``--key-file`` alone was ignored: the import stored the real ids and handles its user meant to hide. So was
    ``key_file`` alone in ``import_paths``' options."""
    from tribescope.errors import TribescopeError
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    w, key = tmp_path / "w.duckdb", tmp_path / "k.key"
    code, out, err = run_cli(str(w), "import", str(_YOUTUBE), "--key-file", str(key))
    assert code == 1, out + err
    said = out + err
    assert "--key-file" in said and "--pseudonymize" in said and "imported into" not in said
    assert not w.exists() and not key.exists()
    ws = connect(tmp_path / "api.duckdb")
    with pytest.raises(TribescopeError, match="--pseudonymize"):
        import_paths(ws, [_YOUTUBE], options={"key_file": str(key)})
    assert not ws.has_table("comments") or ws.table("comments").count().execute() == 0
    assert not key.exists()
    ws.close()
    # with it, the key is made and the commenters' ids are keyed hashes
    code, out, err = run_cli(str(w), "import", str(_YOUTUBE), "--pseudonymize", "--key-file", str(key))
    assert code == 0, out + err
    assert key.exists()
    with duckdb.connect(str(w), read_only=True) as con:
        plain = con.execute("SELECT count(*) FROM comments WHERE author_id LIKE 'UCfan%'").fetchone()[0]
    assert plain == 0  # the fans; the creator keeps its id


def test_status_rejects_lists_the_latest_and_says_how_many_there_are(tmp_path):
    """301 rejects: the list showed the table's first 200 in no order, titled "rejects", so the record the last import
    had just pointed to (`see tribescope status --rejects`) could be missing. It shows the last 200, in import and
    line order, and says of how many."""
    many = tmp_path / "many.csv"
    many.write_text(
        "account_id,username,followers\n"
        + "".join(f"a{i},a{i},bad{i}\n" for i in range(1, 301))
        + "ok,ok,5\n"
    )
    (tmp_path / "newest.csv").write_text("account_id,username,followers\nzz,zz,NEWEST_BAD\n")
    w = str(tmp_path / "w.duckdb")
    for f in ("many.csv", "newest.csv"):
        code, _, err = run_cli(w, "import", str(tmp_path / f), "--platform", "instagram", "--skip-bad")
        assert code == 0, err
    code, out, err = run_cli(w, "status", "--rejects")
    assert code == 0, err
    assert "rejects (the last 200 of 301)" in out
    assert "NEWEST_BAD" in out and "'bad102'" in out and "'bad101'" not in out
    assert out.index("'bad300'") < out.index("NEWEST_BAD") and out.index("'bad102'") < out.index("'bad300'")


def test_a_workspace_under_the_home_folder_is_found_there(tmp_path, monkeypatch):
    """``TRIBESCOPE_WORKSPACE=~/t.duckdb`` (an env file; a quoted argument) made a folder named "~" in the current
    one."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    code, _, err = run_cli("~/t.duckdb", "import", str(_YOUTUBE), env={"HOME": str(home)})
    assert code == 0, err
    assert (home / "t.duckdb").exists() and not (tmp_path / "~").exists()


def test_an_option_no_imported_file_reads_is_said_to_be_unused(tmp_path):
    """`--table` on a YouTube export and `--space-id` on a Discord export were ignored without a word: the user
    believed the rows went to that table or space. Each is now named with the formats that read it; an option a file
    did read, or would have read had it not been imported already, is not."""
    from tribescope.ingest._notes import report_notes
    from tribescope.ingest._run import FileReport, ImportReport, unused_options
    from tribescope.web._jobs import dashboard_text

    w = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["--workspace", w, "import", str(_YOUTUBE), "--table", "posts"])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "option --table not used: only csv files read it, and this import had none" in said, said
    disc = Path(__file__).parent / "fixtures" / "discord" / "knitting-circle"
    r = runner.invoke(
        app, ["--workspace", w, "import", str(disc), "--space-id", "knit", "--platform", "reddit"]
    )
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "option --space-id not used: only patreon and reddit files read it" in said, said
    assert "option --platform not used: only csv files read it" in said, said
    f = tmp_path / "accounts.csv"
    f.write_text("account_id,username\n1,ann\n")
    for _ in range(2):  # read, then skipped as already imported: the option applies to it either way
        r = runner.invoke(
            app, ["--workspace", w, "import", str(f), "--table", "accounts", "--platform", "tiktok"]
        )
        assert r.exit_code == 0 and "not used" not in r.output, r.output
    assert unused_options({"table": "posts"}, [FileReport("a", "csv"), FileReport("b", "youtube")]) == {}
    report = ImportReport(unused_options=unused_options({"space_id": "x", "link_creator": "y"}, []))
    texts = [dashboard_text(n.text) for n in report_notes(report)]
    assert texts[0].startswith(
        'the field "link to creator" was not used: only discord, patreon and reddit'
    ), texts
    assert texts[1].startswith('the field "space id" was not used'), texts
    table = ImportReport(unused_options=unused_options({"table": "posts"}, []))
    assert dashboard_text(report_notes(table)[0].text).startswith('the "table" field was not used'), table


def test_a_negative_count_names_its_file_line_and_field_and_minus_one_is_unknown(tmp_path):
    w = str(tmp_path / "w.duckdb")
    ok = tmp_path / "accounts.csv"
    ok.write_text("platform,account_id,username,followers\ninstagram,ann,ann,-1\ninstagram,bo,bo,12\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(ok)])
    assert r.exit_code == 0, r.output
    con = duckdb.connect(w, read_only=True)
    try:
        assert con.execute("SELECT account_id, followers FROM accounts ORDER BY 1").fetchall() == [
            ("ann", None),
            ("bo", 12),
        ]
    finally:
        con.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,account_id,username,followers\ninstagram,cy,cy,7\ninstagram,di,di,-5\n")
    r = runner.invoke(app, ["--workspace", w, "import", str(bad)])
    said = " ".join(r.output.split())
    assert r.exit_code == 1 and "bad.csv" in said and "line 3" in said, said
    assert "field 'followers': expected a count of 0 or more, found -5" in said, said
