"""The commands' ``--out`` files and numeric options as a user gets them wrong: a folder, a path under a file, a
suffix the command does not write, a number out of range. Each is a clean error before any work (``error: …``
and exit 1 for the file, a usage error and exit 2 for the number), and a file is written whole in the format its
suffix names, its missing folders created."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests import _niche_world as W
from typer.testing import CliRunner

from tribescope.cli import app, state
from tribescope.errors import TribescopeError

PLAN = (
    "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code,utm_campaign,link\n"
    "c1,Acme,instagram,fa,FA,200.00,USD,2024-01-01,2024-01-10,FA15,c1-fa,https://shop.example/?utm_campaign=c1-fa\n"
    "c1,Acme,instagram,ka,KA,100.00,USD,2024-01-01,2024-01-10,KA15,c1-ka,https://shop.example/?utm_campaign=c1-ka\n"
)


@pytest.fixture(scope="module")
def wsfile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two niches of three creators (tests/_niche_world.py), the brand Acme and a campaign plan for two of them."""
    from tribescope.brand import add_brand
    from tribescope.campaigns import import_campaign
    from tribescope.store import connect

    root = tmp_path_factory.mktemp("outputs")
    plan = root / "plan.csv"
    plan.write_text(PLAN)
    path = root / "w.duckdb"
    ws = connect(path)
    try:
        W.build(ws)
        add_brand(
            ws,
            "Acme",
            handles=["instagram:fa"],
            keywords="gym workout, protein",
            description="Protein for gyms",
        )
        import_campaign(ws, plan=plan)
    finally:
        ws.close()
    return str(path)


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A folder, a regular file and the CSV inputs of `accounts` and `comments`, in a fresh folder."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "dummy.csv").write_text("a\n")
    acc = tmp_path / "acc.csv"
    acc.write_text(
        "account_id,username,followers,following,posts\nx1,jane.doe,900,300,85\nx2,qq93847561,2,1900,0\n"
    )
    com = tmp_path / "com.csv"
    com.write_text(
        "comment_id,author,text\nc1,ann,I baked this with rye flour and it needed more time\nc2,bob,nice\n"
    )
    return {"adir": tmp_path / "adir", "file": tmp_path / "dummy.csv", "accounts": acc, "comments": com}


def _run(wsfile: str, *args: str) -> tuple[int, str]:
    """Run one command in-process as `tribescope -w WS ARGS…`; the workspaces it opened are closed again (as
    `tribescope.cli.main` does)."""
    try:
        r = CliRunner().invoke(app, ["--workspace", wsfile, *args])
    finally:
        state.close_all()
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)  # no traceback
    return r.exit_code, r.output


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# every command with an --out file, the arguments before it, and a suffix it writes
COMMANDS = {
    "pods": (["pods"], ".csv"),
    "accounts": (["accounts", "{accounts}"], ".csv"),
    "comments": (["comments", "{comments}"], ".csv"),
    "niches": (["niches"], ".csv"),
    "overlap": (["overlap", "fa", "fb"], ".csv"),
    "circle": (["circle", "fa"], ".csv"),
    "similar": (["similar", "fa"], ".csv"),
    "posts": (["posts"], ".csv"),
    "ambassadors": (["ambassadors", "--brand", "Acme"], ".csv"),
    "plan": (["plan", "--brand", "Acme", "--budget", "5000"], ".csv"),
    "brand show": (["brand", "show", "Acme", "--section", "fit"], ".csv"),
    "campaign report": (["campaign", "report", "--no-backtest"], ".csv"),
    "report": (["report", "--top", "1", "--evidence", "0"], ".html"),
}


def _args(name: str, inputs: dict[str, Path]) -> list[str]:
    return [a.format(**{k: str(v) for k, v in inputs.items()}) for a in COMMANDS[name][0]]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_out_is_a_directory(wsfile, inputs, name):
    root = inputs["adir"].parent
    before = _files(root)
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(inputs["adir"]))
    assert code == 1 and f"error: --out {inputs['adir']}: is a directory" in out, out
    assert _files(root) == before  # nothing written, no temporary file left


@pytest.mark.parametrize("name", ["pods", "accounts", "niches", "campaign report", "report"])
def test_out_under_a_file(wsfile, inputs, name):
    target = inputs["file"] / ("r" + COMMANDS[name][1])
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(target))
    assert code == 1 and f"{inputs['file']} is not a folder" in out, out
    assert inputs["file"].read_text() == "a\n"


def test_synth_out_under_a_file(wsfile, inputs):
    code, out = _run(wsfile, "synth", "--scale", "xs", "--out", str(inputs["file"] / "s"))
    assert code == 1 and "is not a folder" in out, out


@pytest.mark.parametrize("name", ["pods", "accounts", "comments"])
def test_missing_folders_are_created(wsfile, inputs, name):
    target = inputs["adir"].parent / "new" / "deeper" / "o.csv"
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(target))
    assert code == 0, out
    assert target.read_text().splitlines()[0]  # a header row at least
    assert _files(target.parent) == {"o.csv"}  # no .partial file left


@pytest.mark.parametrize("name", ["pods", "accounts", "comments"])
def test_parquet_and_json_as_named(wsfile, inputs, name):
    pq_out = inputs["adir"] / "o.parquet"
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(pq_out))
    assert code == 0, out
    cols = pq.read_table(pq_out).column_names
    js_out = inputs["adir"] / "o.json"
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(js_out))
    assert code == 0, out
    rows = json.loads(js_out.read_text())  # one JSON document: an array of records (nan written as null)
    assert isinstance(rows, list) and all(list(r) == cols for r in rows)


def test_campaign_report_writes_every_table_as_named(wsfile, inputs):
    out_file = inputs["adir"] / "roi.json"
    code, out = _run(wsfile, "campaign", "report", "--no-backtest", "--out", str(out_file))
    assert code == 0, out
    for name in ("roi", "roi_labels", "roi_campaigns", "roi_incrementality"):
        assert isinstance(json.loads((inputs["adir"] / f"{name}.json").read_text()), list)
    assert {r["creator_id"] for r in json.loads(out_file.read_text())} == {"fa", "ka"}


@pytest.mark.parametrize(
    ("name", "suffix", "printed"),
    [
        ("brand show", ".txt", "brand fit"),
        ("ambassadors", ".txt", "ambassadors to recruit"),
        ("campaign report", ".txt", "per creator"),
        ("niches", ".txt", "niche groups"),
        ("circle", ".txt", "engaged members"),
        ("pods", ".txt", "engagement pods"),
        ("accounts", ".txt", "scored"),
        ("report", ".csv", "report written"),
    ],
)
def test_unsupported_suffix_is_refused_before_any_work(wsfile, inputs, name, suffix, printed):
    target = inputs["adir"].parent / "nd8" / ("o" + suffix)
    code, out = _run(wsfile, *_args(name, inputs), "--out", str(target))
    assert code == 1 and f"error: --out {target}: use a ." in out, out
    assert printed not in out  # nothing computed or shown first
    assert not target.parent.exists()  # and no folder made


def test_brand_show_all_checks_every_section_file_first(wsfile, inputs):
    (inputs["adir"] / "b_safety.parquet").mkdir()
    code, out = _run(wsfile, "brand", "show", "Acme", "--out", str(inputs["adir"] / "b.parquet"))
    assert code == 1 and "b_safety.parquet: is a directory" in out, out
    assert _files(inputs["adir"]) == {"b_safety.parquet"}  # not the fit section written before the error
    (inputs["adir"] / "b_safety.parquet").rmdir()
    code, out = _run(wsfile, "brand", "show", "Acme", "--out", str(inputs["adir"] / "b.parquet"))
    assert code == 0, out
    assert _files(inputs["adir"]) == {"b_fit.parquet", "b_safety.parquet", "b_evangelists.parquet"}
    assert pq.read_table(inputs["adir"] / "b_fit.parquet").num_rows > 0


def test_brand_show_checks_the_section_first(wsfile):
    code, out = _run(wsfile, "brand", "show", "Acme", "--section", "bogus")
    assert code == 1 and "unknown section 'bogus'" in out, out
    assert "Acme" not in out and "keywords" not in out  # the profile is not printed before the error


@pytest.mark.parametrize(
    "args",
    [
        ["brand", "show", "Acme", "--limit", "-1"],
        ["posts", "--limit", "-1"],
        ["ambassadors", "--brand", "Acme", "--limit", "-2"],
        ["pods", "--window", "-5"],
        ["pods", "--min-posts", "-1"],
        ["pods", "--min-size", "0"],
        ["niches", "-r", "-1"],
        ["niches", "-r", "nan"],
        ["niches", "--alpha", "2"],
        ["niches", "--alpha", "-1"],
        ["niches", "--alpha", "nan"],
        ["niches", "--seed", "-1"],
        ["circle", "fa", "--top", "-1"],
        ["overlap", "fa", "fb", "--minhash", "-3"],
        ["similar", "fa", "-n", "-1"],
        ["plan", "--brand", "Acme", "--budget", "5000", "--min-community-share", "2"],
        ["plan", "--brand", "Acme", "--budget", "inf"],
        ["plan", "--brand", "Acme", "--budget", "-5"],
        ["plan", "--brand", "Acme", "--budget", "5000", "--overlap-penalty", "inf"],
        ["campaign", "report", "--window", "-5"],
        ["campaign", "report", "--margin", "-1"],
        ["campaign", "report", "--margin", "nan"],
        ["serve", "--port", "99999"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_numbers_are_usage_errors(wsfile, args):
    code, out = _run(wsfile, *args)
    option = next(a for a in reversed(args) if a.startswith("-") and not a[1:].lstrip("-").isdigit())
    assert code == 2 and "Invalid value for" in out and option in out, out


HUGE = "99999999999999999999"  # past a C long: typer's int reached the engine (OverflowError, TypeError)


@pytest.mark.parametrize(
    "args",
    [
        ["pods", "--window", "10000000000000"],  # duckdb: interval out of range
        ["pods", "--window", HUGE],
        ["pods", "--min-posts", HUGE],
        ["pods", "--min-size", HUGE],
        ["overlap", "fa", "fb", "--minhash", HUGE],
        ["circle", "fa", "--top", HUGE],
        ["similar", "fa", "-n", HUGE],
        ["ambassadors", "--brand", "Acme", "--limit", HUGE],
        ["posts", "--limit", HUGE],
        ["brand", "show", "Acme", "--limit", HUGE],
        ["plan", "--brand", "Acme", "--budget", "5000", "--max-macro", HUGE],
        ["campaign", "report", "--window", "3661"],
    ],
    ids=lambda a: " ".join(a),
)
def test_huge_numbers_are_usage_errors_not_tracebacks(wsfile, args):
    """Integer options had a minimum but no maximum: a huge value reached the engine and ended in a traceback. Now
    each has a bound no real use meets (windows ten years, counts 10⁹) and a larger value is a usage error."""
    code, out = _run(wsfile, *args)
    option = next(a for a in reversed(args) if a.startswith("-") and not a[1:].lstrip("-").isdigit())
    assert code == 2 and "Invalid value for" in out and option in out and "Traceback" not in out, out


def test_synth_negative_seed_is_a_usage_error_and_writes_nothing(wsfile, tmp_path):
    code, out = _run(wsfile, "synth", "--scale", "xs", "--seed", "-1", "--out", str(tmp_path / "s"))
    assert code == 2 and "--seed" in out, out
    assert not (tmp_path / "s").exists()


def test_write_report_into_a_folder_leaves_nothing(wsfile, tmp_path, monkeypatch):
    import tribescope.report._html as html
    from tribescope.report import write_report
    from tribescope.store import connect

    def never(*a, **k):  # the folder is refused before the report is rendered (seconds on a large workspace)
        raise AssertionError("rendered a report that cannot be written")

    monkeypatch.setattr(html, "render_report", never)
    (tmp_path / "x").mkdir()
    ws = connect(wsfile, read_only=True)
    try:
        with pytest.raises(TribescopeError, match="is a directory"):
            write_report(ws, tmp_path / "x", top=1, evidence=0)
    finally:
        ws.close()
    assert _files(tmp_path) == {"x"}


def test_a_failed_write_leaves_no_file_or_folder(tmp_path):
    from tribescope.cli._out import write_atomic

    target = tmp_path / "a" / "b" / "o.csv"

    def boom(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(TribescopeError, match="No space left"):
        write_atomic(target, boom)
    assert _files(tmp_path) == set()


def test_csv_outputs_defuse_spreadsheet_formulas(tmp_path):
    """A channel title such as ``=HYPERLINK(…)`` is a handle when the channel has no custom URL: in a CSV a
    marketer opens in a spreadsheet it must stay text (OWASP "CSV Injection"), as the web API's CSV does."""
    import csv

    import pyarrow as pa

    from tribescope.cli._out import write_table
    from tribescope.cli._score import write_scores

    t = pa.table(
        {
            "handle": ['=HYPERLINK("http://evil.example","click")', "@ann", "plain", None],
            "community_score": [1.0, -2.0, 3.0, 4.0],
        }
    )
    for write, name in ((write_scores, "scores.csv"), (write_table, "table.csv")):
        out = tmp_path / name
        write(t, out)
        with out.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["handle"] for r in rows] == [
            '\'=HYPERLINK("http://evil.example","click")',
            "'@ann",
            "plain",
            "",
        ]
        assert [r["community_score"] for r in rows] == ["1", "-2", "3", "4"]  # numbers are numbers


@pytest.mark.parametrize(
    "args, missing",
    [
        (["eval", "sponsored", "--split", "holdout"], "posts.holdout.jsonl.gz"),
        (["train", "sponsored", "--model-out", "{tmp}/sp.json"], "posts.train.jsonl.gz"),
        (["train", "category", "--model-out", "{tmp}/cat"], "instagram_influencer_posts_kim"),
        (["eval", "niches", "--no-graphs"], "instagram_influencer_posts_kim"),
    ],
)
def test_every_eval_and_train_command_finds_the_shared_data_the_same_way(
    tmp_path, monkeypatch, args, missing
):
    """``eval``/``train`` without ``--data`` look where ``eval accounts`` does ($TRIBESCOPE_SHARED_DATA, else
    shared/data beside the repository), whatever the current folder: ``eval sponsored`` and ``train sponsored`` read a
    ``../shared/data`` of the current folder fixed when the CLI was imported, so they failed anywhere but in the repo."""
    shared = tmp_path / "elsewhere" / "data"
    shared.mkdir(parents=True)
    monkeypatch.setenv("TRIBESCOPE_SHARED_DATA", str(shared))
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert r.exit_code == 1, r.output
    out = " ".join(r.output.split())
    assert str(shared) in out.replace(" ", "") or str(shared) in out, out
    assert missing in out.replace(" ", "")


def test_brand_show_all_writes_the_whole_safety_section_and_prints_the_flagged(wsfile, inputs):
    """``brand show`` (section ``all``) prints only the flagged creators of the safety section, but its file holds every
    creator, as ``--section safety --out`` does (it silently held the flagged ones only: 0 rows here)."""
    code, out = _run(wsfile, "brand", "show", "Acme", "--out", str(inputs["adir"] / "b.csv"))
    assert code == 0, out
    import pyarrow.csv as pcsv

    all_rows = pcsv.read_csv(inputs["adir"] / "b_safety.csv").num_rows
    code, out = _run(
        wsfile, "brand", "show", "Acme", "--section", "safety", "--out", str(inputs["adir"] / "s.csv")
    )
    assert code == 0, out
    # the six creators of the world but the brand's own "fa" (the brand's handle is instagram:fa)
    assert all_rows == pcsv.read_csv(inputs["adir"] / "s.csv").num_rows == 5
    code, out = _run(wsfile, "brand", "show", "Acme", "--flagged", "--out", str(inputs["adir"] / "f.csv"))
    assert code == 0 and pcsv.read_csv(inputs["adir"] / "f_safety.csv").num_rows == 0, out


@pytest.mark.parametrize("kind", ["maybe", "sponsored", "", " "])  # "" listed every post
def test_posts_sponsored_other_than_its_three_values_is_an_error(wsfile, kind):
    code, out = _run(wsfile, "posts", "--sponsored", kind)
    assert code == 1 and f"unknown --sponsored '{kind}'; use disclosed, likely, no" in out, out
    code, out = _run(wsfile, "posts", "--sponsored", "No")  # the three values, in any case
    assert code == 0 and "unknown" not in out, out


def test_posts_of_a_creator_on_one_platform_and_another_platform_is_an_error(wsfile):
    """`posts --creator instagram:fa --platform tiktok` listed nothing, as if the creator had no post."""
    code, out = _run(wsfile, "posts", "--creator", "instagram:fa", "--platform", "TikTok")
    assert code == 1 and "--creator 'instagram:fa' is on instagram, --platform tiktok" in out, out
    code, out = _run(wsfile, "posts", "--creator", "Instagram:fa", "--platform", "instagram")
    assert code == 0, out


def test_plan_shows_a_budget_with_cents_as_given(wsfile):
    code, out = _run(wsfile, "plan", "--brand", "Acme", "--budget", "5000.50", "--min-community-share", "0")
    assert code == 0, out
    text = " ".join(out.split())
    assert "budget 5,000.50" in text and "of 5,000.50 on" in text, text


def test_csv_outputs_keep_ids_that_start_with_a_dash(tmp_path):
    """A YouTube id may start with "-" (``-vwGAKh1yNs``): the formula guard wrote it ``'-vwGAKh1yNs``, so a join on
    the id failed. A sign and a bare word (letters, digits, ``_ . -``) can run nothing and stays as it is, in the CLI's
    CSV files and the API's; a formula that starts with a sign is still defused."""
    import csv

    import pyarrow as pa

    from tribescope.cli._out import write_table
    from tribescope.web._api import _cell

    cells = [
        "-vwGAKh1yNs",
        "-2.5",
        "+_x-y.z",
        "-2+3+cmd|' /C calc'!A0",
        '-HYPERLINK("http://x")',
        "- 1",
        "=1+1",
    ]
    want = [
        "-vwGAKh1yNs",
        "-2.5",
        "+_x-y.z",
        "'-2+3+cmd|' /C calc'!A0",
        '\'-HYPERLINK("http://x")',
        "'- 1",
        "'=1+1",
    ]
    out = tmp_path / "posts.csv"
    write_table(pa.table({"post_id": cells}), out)
    with out.open(newline="") as fh:
        assert [r["post_id"] for r in csv.DictReader(fh)] == want
    assert [_cell(c) for c in cells] == want
