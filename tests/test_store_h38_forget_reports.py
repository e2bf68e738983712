"""`forget --reports`: the generated files that name the account go, wherever in the folders and whatever their format;
a folder that does not exist is an error before anything is deleted; the exports the workspace imported stay."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tribescope.ingest import import_paths
from tribescope.store._privacy import PrivacyError, forget


def _seed(ws, tmp_path):
    src = tmp_path / "exports"
    src.mkdir()
    (src / "posts.csv").write_text("platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n")
    (src / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
        "instagram,c1,p1,mallory,mallory,,my secret is garlic\n"
        "instagram,c2,p1,mallory.lee,mallory.lee,,so good\n"
        "instagram,c3,p1,bob,bob,,yum\n"
    )
    import_paths(ws, [src / "posts.csv", src / "comments.csv"])
    return src


def _parquet_rows_naming(folder, name: str) -> int:
    """Rows of every Parquet file under ``folder`` with a text value equal to ``name``."""
    n = 0
    for f in folder.rglob("*.parquet"):
        t = pq.read_table(f)
        for col in t.column_names:
            if pa.types.is_string(t[col].type):
                n += sum(v == name for v in t[col].to_pylist())
    return n


def test_a_parquet_report_naming_the_account_is_removed(ws, tmp_path):
    _seed(ws, tmp_path)
    reps = tmp_path / "reports"
    reps.mkdir()
    # "mallory" follows "mallory.lee" in the column: compressed, its bytes are a back-reference, not the word
    pq.write_table(
        pa.table({"handle": ["mallory.lee", "mallory", "bob"], "n": [1, 2, 3]}), reps / "top.parquet"
    )
    pq.write_table(pa.table({"handle": ["mallory.lee", "bob"], "n": [1, 3]}), reps / "others.parquet")
    assert b"mallory\x00" not in (reps / "top.parquet").read_bytes()
    rep = forget(ws, "mallory", report_dirs=[reps])
    assert rep.files_removed == [str(reps / "top.parquet")]
    assert (reps / "others.parquet").exists()


def test_reports_in_subfolders_and_every_written_suffix_are_removed(ws, tmp_path):
    _seed(ws, tmp_path)
    reps = tmp_path / "reports"
    (reps / "brand" / "acme").mkdir(parents=True)
    (reps / "Report.HTML").write_text("<td>mallory</td>")
    (reps / "brand" / "acme" / "fans.tsv").write_text("handle\tn\nmallory\t2\n")
    (reps / "brand" / "scores.jsonl").write_text('{"handle": "mallory"}\n')
    (reps / "brand" / "page.htm").write_text("<td>mallory</td>")
    (reps / "brand" / "keep.csv").write_text("handle\nmallory.lee\n")
    rep = forget(ws, "mallory", report_dirs=[reps])
    assert sorted(rep.files_removed) == sorted(
        str(p)
        for p in (
            reps / "Report.HTML",
            reps / "brand" / "acme" / "fans.tsv",
            reps / "brand" / "scores.jsonl",
            reps / "brand" / "page.htm",
        )
    )
    assert (reps / "brand" / "keep.csv").exists()


def test_a_parquet_export_keeps_no_row_of_the_account(ws, tmp_path):
    _seed(ws, tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    ws.export_parquet(out / "pq")
    assert _parquet_rows_naming(out, "mallory") >= 2  # comments (author_id, author_name), accounts
    rep = forget(ws, "mallory", report_dirs=[out])
    assert str(out / "pq" / "comments" / "part-0.parquet") in rep.files_removed
    assert _parquet_rows_naming(out, "mallory") == 0
    assert (out / "pq" / "posts" / "part-0.parquet").exists()  # a table that does not name the account stays


def test_a_reports_folder_that_does_not_exist_deletes_nothing(ws, tmp_path):
    _seed(ws, tmp_path)
    before = ws.counts()
    with pytest.raises(PrivacyError, match=r"does not exist.*Nothing was deleted"):
        forget(ws, "mallory", report_dirs=[tmp_path / "reprots"])
    assert ws.counts() == before
    (tmp_path / "afile.html").write_text("x")
    with pytest.raises(PrivacyError, match="is a file"):
        forget(ws, "mallory", report_dirs=[tmp_path / "afile.html"])
    assert ws.counts() == before


def test_an_imported_export_in_a_reports_folder_is_kept(ws, tmp_path):
    src = _seed(ws, tmp_path)
    (src / "summary.csv").write_text("handle\nmallory\n")  # generated, never imported
    rep = forget(ws, "mallory", report_dirs=[src])
    assert rep.files_removed == [str(src / "summary.csv")]
    assert (
        src / "comments.csv"
    ).exists()  # the user's own export: not a report; a re-import drops mallory again
    import_paths(ws, [src / "comments.csv"], force=True)
    assert ws.duck.execute("SELECT count(*) FROM comments WHERE author_id = 'mallory'").fetchone()[0] == 0


def test_the_campaign_files_a_workspace_imported_are_kept_as_inputs(ws, tmp_path):
    """`forget --reports DIR` deleted the campaign plan imported from DIR (it names the creator), as if it were a
    report: a campaign import is no row of `imports`. Its files' size and hash are kept now (no path: a file name can
    name a creator), and forget keeps them; a report beside them still goes."""
    from tribescope.campaigns import import_campaign

    src = _seed(ws, tmp_path)
    camp = tmp_path / "campaigns"
    camp.mkdir()
    plan = camp / "campaign_plan.csv"
    plan.write_text("campaign_id,platform,creator,fee\nspring,instagram,mallory,300\n")
    import_campaign(ws, plan=plan)
    import_campaign(ws, plan=plan)  # again: one row per file
    assert ws.duck.execute("SELECT count(*) FROM campaign_files").fetchone() == (1,)
    (camp / "roi.csv").write_text("handle,roi\nmallory,1.5\n")
    rep = forget(ws, "mallory", report_dirs=[src, camp])
    assert rep.files_removed == [str(camp / "roi.csv")]
    assert plan.exists()
    assert "mallory" not in str(ws.duck.execute("SELECT * FROM campaign_files").fetchall())
