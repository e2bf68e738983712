"""Import-run follow-ups: ``--table`` refuses the bookkeeping tables; Reddit dumps of one subreddit without
``subreddit`` (the ChangeMyView chains of Habernal et al. 2018) import with ``--space-id``."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tribescope.errors import ImportFailed, TribescopeError
from tribescope.ingest import import_paths

UTC = dt.UTC


@pytest.mark.parametrize("table", ["imports", "rejects", "bogus"])
def test_table_option_refuses_what_is_no_data_table(ws, tmp_path, table):
    f = tmp_path / "imp.csv"
    f.write_text("import_id,path\na,b\n")
    with pytest.raises(TribescopeError) as e:
        import_paths(ws, f, options={"table": table})
    msg = str(e.value)
    assert not isinstance(e.value, ImportFailed)  # the option is wrong, not a record of the file
    assert f"--table {table!r}" in msg
    assert "accounts, posts, comments, community_messages, community_links" in msg
    assert "not a column" not in msg
    assert ws.counts()["imports"] == 0


def _cmv_lines() -> list[dict[str, object]]:
    """A ChangeMyView chain as the dataset stores it: a submission (``name`` t3_, empty ``link_id``, its text in
    ``body``), then two comments; ``author_name`` and ``ups``, no ``subreddit`` nor ``score``."""
    return [
        {
            "author_name": "OpPoster",
            "body": "Here is why.",
            "created_utc": 1421020207.0,
            "id": "2s3xuq",
            "link_id": "",
            "name": "t3_2s3xuq",
            "parent_id": "",
            "title": "CMV: pineapple belongs on pizza",
            "ups": 9,
        },
        {
            "author_name": "Replier_One",
            "body": "No it does not.",
            "created_utc": 1421020807.0,
            "id": "cnm3efw",
            "link_id": "t3_2s3xuq",
            "name": "t1_cnm3efw",
            "parent_id": "t3_2s3xuq",
            "title": "",
            "ups": -1,
        },
        {
            "author_name": "[deleted]",
            "body": "[removed]",
            "created_utc": 1421021407.0,
            "id": "cnm3zzz",
            "link_id": "t3_2s3xuq",
            "name": "t1_cnm3zzz",
            "parent_id": "t1_cnm3efw",
            "title": "",
            "ups": 3,
        },
    ]


def _write_cmv(tmp_path, lines):
    f = tmp_path / "cmv.jsonl"
    # a comment first, as in the dataset: the file is recognised by its first record
    f.write_text("".join(json.dumps(d) + "\n" for d in lines))
    return f


def test_reddit_dump_without_subreddit_imports_with_space_id(ws, tmp_path):
    lines = _cmv_lines()
    f = _write_cmv(tmp_path, [lines[1], lines[0], lines[2]])
    r = import_paths(ws, f, options={"space_id": "r/ChangeMyView"})
    assert [(x.format, x.records, x.rejected) for x in r.files] == [("reddit", 3, 0)]
    got = {
        m["message_id"]: (
            m["space_id"],
            m["space_name"],
            m["thread_id"],
            m["reply_to"],
            m["author_id"],
            m["author_name"],
            m["reactions"],
            m["text"],
        )
        for m in ws.table("community_messages").to_pyarrow().to_pylist()
    }
    assert got == {
        "2s3xuq": (
            "changemyview",
            "r/ChangeMyView",
            "2s3xuq",
            None,
            "opposter",
            "OpPoster",
            9,
            "CMV: pineapple belongs on pizza\n\nHere is why.",
        ),
        "cnm3efw": (
            "changemyview",
            "r/ChangeMyView",
            "2s3xuq",
            "2s3xuq",
            "replier_one",
            "Replier_One",
            -1,
            "No it does not.",
        ),
        "cnm3zzz": ("changemyview", "r/ChangeMyView", "2s3xuq", "cnm3efw", None, None, 3, None),
    }
    accounts = sorted(a["account_id"] for a in ws.table("accounts").to_pyarrow().to_pylist())
    assert accounts == ["opposter", "replier_one"]


def test_reddit_dump_without_subreddit_says_to_give_space_id(ws, tmp_path):
    lines = _cmv_lines()
    f = _write_cmv(tmp_path, [lines[1], lines[2]])
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, f)  # recognised as Reddit (not "format not recognised"), refused for its subreddit
    assert e.value.field == "subreddit"
    assert "--space-id" in e.value.message
    assert ws.counts()["community_messages"] == 0


def test_record_subreddit_wins_over_space_id(ws, tmp_path):
    d = dict(_cmv_lines()[1], subreddit="CozyKnits")
    f = _write_cmv(tmp_path, [d])
    import_paths(ws, f, options={"space_id": "changemyview"})
    (m,) = ws.table("community_messages").to_pyarrow().to_pylist()
    assert (m["space_id"], m["space_name"]) == ("cozyknits", "r/CozyKnits")


def test_each_file_says_what_it_brought_of_a_forgotten_account(ws, tmp_path):
    """Two files of one import write the same forgotten account: each file's figures show it dropped, none written
    (the row ended up stamped with the second file's import id, so the first one said "accounts 1" written)."""
    from tribescope.store._privacy import forget

    d = tmp_path / "export"
    d.mkdir()
    (d / "a.csv").write_text(
        "platform,account_id,username,followers\ninstagram,alice,alice,10\ninstagram,bob,bob,5\n"
    )
    (d / "b.csv").write_text("platform,account_id,username,followers\ninstagram,alice,alice,20\n")
    import_paths(ws, d)
    forget(ws, "alice", "instagram")
    rep = import_paths(ws, d, force=True)
    got = {f.path.rsplit("/", 1)[-1]: (f.rows, f.forgotten) for f in rep.files}
    assert got == {"a.csv": ({"accounts": 0}, 1), "b.csv": ({"accounts": 0}, 1)}
    assert rep.forgotten == 2
    logged = ws.duck.execute(
        "SELECT rows FROM imports WHERE path LIKE '%a.csv' ORDER BY import_id DESC LIMIT 1"
    ).fetchone()[0]
    assert json.loads(logged) == {"accounts": 0}
    left = ws.duck.execute("SELECT account_id, followers FROM accounts ORDER BY 1").fetchall()
    assert left == [("bob", 5)]


def test_instaloader_side_files_are_listed_but_not_logged_as_imports(ws, tmp_path):
    try:  # tests/ may or may not be a package
        from .test_ingest_h38_social import _download
    except ImportError:
        from test_ingest_h38_social import _download  # type: ignore[no-redef]

    d = _download(tmp_path)
    first = import_paths(ws, [d])
    side = [f for f in first.files if f.format == "instaloader-companion"]
    assert len(side) == 9 and all(
        (f.records, f.rows, f.import_id, f.skipped) == (0, {}, "", "") for f in side
    )
    logged = ws.duck.execute("SELECT format, count(*) FROM imports GROUP BY ALL ORDER BY 1").fetchall()
    assert logged == [("instagram-graphql", 3)]  # the post, its comments, the profile: not the 9 side files
    again = import_paths(ws, [d])
    assert {f.skipped.split(" (")[0] for f in again.files if f.format != "instaloader-companion"} == {
        "identical content already imported"
    }
    assert ws.duck.execute("SELECT count(*) FROM imports").fetchone() == (3,)


@pytest.mark.realdata
def test_the_cmv_dataset_imports_with_space_id(ws):
    """The shared ChangeMyView chains (README: 8,147 lines, a comment repeated across chains): figures computed
    independently with pandas — 8,106 distinct ids, 54 of them submissions, 3,031 named authors, ``ups`` summing to
    51,651."""
    from tests.conftest import shared

    root = shared("reddit_cmv_adhominem")
    r = import_paths(ws, root, options={"space_id": "changemyview"})
    assert [(f.format, f.records, f.rejected) for f in r.files] == [("reddit", 8147, 0)]
    got = ws.duck.execute(
        """SELECT count(*), count(DISTINCT space_id), count(*) FILTER (WHERE reply_to IS NULL),
                  count(DISTINCT author_id), sum(reactions) FROM community_messages"""
    ).fetchone()
    assert got == (8106, 1, 54, 3031, 51651)
    assert ws.counts()["accounts"] == 3031


@pytest.mark.parametrize("given", ["changemyview", "r/ChangeMyView", "/r/changemyview/", " r/changemyview "])
def test_space_id_takes_a_subreddit_as_users_write_it(ws, tmp_path, given):
    f = _write_cmv(tmp_path, [_cmv_lines()[1]])
    import_paths(ws, f, options={"space_id": given})
    assert ws.duck.execute(
        "SELECT DISTINCT space_id, lower(space_name) FROM community_messages"
    ).fetchall() == [("changemyview", "r/changemyview")]
