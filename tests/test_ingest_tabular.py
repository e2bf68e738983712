"""Generic CSV/Parquet import, error reporting, --skip-bad, transactions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths

ACCOUNTS = """account_id,username,full_name,bio,followers,following,posts,has_profile_pic,is_private,external_url,vendor_col
17841,Alice.Cooks,Alice,"Recipes, daily",12500,310,420,true,false,https://alice.example,x
17842,bob_99812,,,3,2100,0,0,1,,y
"""


def test_accounts_csv_imports_and_is_idempotent(ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text(ACCOUNTS)
    r = import_paths(ws, [f], options={"platform": "instagram"})
    assert r.rows() == {"accounts": 2}
    row = ws.table("accounts").filter(lambda t: t.account_id == "17841").to_pyarrow().to_pylist()[0]
    assert (row["followers"], row["is_private"], row["bio"], row["platform"]) == (
        12500,
        False,
        "Recipes, daily",
        "instagram",
    )
    before = ws.counts()
    again = import_paths(ws, [f], options={"platform": "instagram"})
    assert again.files[0].skipped
    forced = import_paths(ws, [f], options={"platform": "instagram"}, force=True)
    assert forced.rows() == {"accounts": 0}
    after = ws.counts()
    assert {k: after[k] for k in ("accounts", "posts", "comments")} == {
        k: before[k] for k in ("accounts", "posts", "comments")
    }


def test_bad_value_names_file_line_and_field_and_changes_nothing(ws, tmp_path):
    good = tmp_path / "a_good.csv"
    good.write_text(ACCOUNTS)
    bad = tmp_path / "b_bad.csv"
    bad.write_text("account_id,followers\n1,10\n2,lots\n")
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [good, bad], options={"platform": "instagram"})
    msg = str(e.value)
    assert "b_bad.csv" in msg and "line 3" in msg and "'followers'" in msg and "whole number" in msg
    assert ws.counts()["accounts"] == 0 and ws.counts()["imports"] == 0


def test_skip_bad_quarantines_with_reason(ws, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('account_id,followers\n1,10\n2,lots\n3,"unterminated\n')
    r = import_paths(ws, [bad], options={"platform": "instagram"}, skip_bad=True)
    assert r.rejected >= 1
    assert ws.counts()["accounts"] == 1
    rej = ws.table("rejects").to_pyarrow().to_pylist()
    assert rej[0]["location"] == "line 3" and rej[0]["field"] == "followers"


def test_comments_csv_creates_author_accounts(ws, tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text(
        "platform,comment_id,post_id,author_name,parent_comment_id,created_at,text\n"
        "youtube,c1,v1,Ann,,2024-03-01T10:00:00+02:00,great tip\n"
        "youtube,c2,v1,Ben,c1,2024-03-01 09:00:00,thanks!\n"
    )
    import_paths(ws, [f])
    rows = ws.table("comments").order_by("comment_id").to_pyarrow().to_pylist()
    assert rows[0]["created_at"].hour == 8 and rows[1]["parent_comment_id"] == "c1"
    assert ws.counts()["accounts"] == 2
    # names only: the comments carry the accounts' ids (the author's lower-cased name), so they link up
    assert [r["author_id"] for r in rows] == ["ann", "ben"]


def test_a_comment_without_an_author_id_in_a_file_with_the_column_stays_unknown(ws, tmp_path):
    """A file with an author_id column that leaves it empty for a row (a tribescope export of a YouTube comment
    without a channel) kept the comment's author unknown but added an account keyed by its display name that no
    comment pointed to: a Parquet export imported again held accounts its source did not."""
    f = tmp_path / "comments.csv"
    f.write_text(
        "platform,comment_id,post_id,author_id,author_name,text\n"
        "youtube,c1,v1,UCann,Ann,great tip\n"
        "youtube,c2,v1,,Stone Glow,thanks!\n"
    )
    import_paths(ws, [f])
    rows = ws.table("comments").order_by("comment_id").to_pyarrow().to_pylist()
    assert [r["author_id"] for r in rows] == ["UCann", None]
    assert ws.table("accounts").to_pyarrow().column("account_id").to_pylist() == ["UCann"]


def test_parquet_posts(ws, tmp_path):
    f = tmp_path / "posts.parquet"
    pq.write_table(
        pa.table({"post_id": ["p1"], "creator_id": ["c"], "likes": [5], "hashtags": ['["Food","vegan"]']}), f
    )
    import_paths(ws, [f], options={"platform": "tiktok"})
    row = ws.table("posts").to_pyarrow().to_pylist()[0]
    assert row["hashtags"] == ["food", "vegan"] and row["likes"] == 5


def test_parquet_date_columns_are_midnight_utc(ws, tmp_path):
    """A ``date32`` / ``date64`` column (pandas' and R's dates) was refused: "expected a timestamp, found date"."""
    import datetime as dt

    for i, typ in enumerate((pa.date32(), pa.date64())):
        pq.write_table(
            pa.table(
                {
                    "platform": ["instagram", "instagram"],
                    "post_id": [f"q{i}", f"r{i}"],
                    "creator_id": ["ann", "ann"],
                    "created_at": pa.array([dt.date(2024, 3, 1 + i), None], typ),
                }
            ),
            tmp_path / f"posts{i}.parquet",
        )
    import_paths(ws, [tmp_path / "posts0.parquet", tmp_path / "posts1.parquet"])
    got = ws.duck.execute(
        "SELECT post_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') FROM posts ORDER BY 1"
    ).fetchall()
    assert got == [("q0", "2024-03-01 00:00:00"), ("q1", "2024-03-02 00:00:00"), ("r0", None), ("r1", None)]
