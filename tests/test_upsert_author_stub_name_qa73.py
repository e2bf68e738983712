"""A comment's author stub ``(platform, account_id, username)`` never replaces the username an account's own profile
gives, whatever the import order; between stubs the newest name still wins, and a stub fills a missing name."""

from __future__ import annotations

import pytest

from tribescope.ingest import import_paths

PROFILE = "platform,account_id,username,followers\nyoutube,UCarjun,devwitharjun,5200\n"
# the comments file names the same channel by its display name
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,text\n"
    "youtube,c1,v1,UCarjun,Devwitharjun,thanks all\n"
    "youtube,c2,v1,UCfan,FanOne,great\n"
)


def _username(ws, aid: str):
    return ws.duck.execute("SELECT username FROM accounts WHERE account_id = ?", [aid]).fetchone()[0]


@pytest.fixture
def files(tmp_path):
    prof, com = tmp_path / "accounts.csv", tmp_path / "comments.csv"
    prof.write_text(PROFILE)
    com.write_text(COMMENTS)
    return prof, com


@pytest.mark.parametrize("order", ["profile_first", "comments_first"])
def test_stub_name_never_replaces_the_profiles_in_one_import(ws, files, order):
    prof, com = files
    import_paths(ws, [prof, com] if order == "profile_first" else [com, prof])
    assert _username(ws, "UCarjun") == "devwitharjun"
    assert _username(ws, "UCfan") == "FanOne"  # a stub alone keeps its name


def test_stub_name_of_a_later_import_leaves_the_profiles_and_changes_nothing(ws, files):
    prof, com = files
    import_paths(ws, [prof])
    r = import_paths(ws, [com])
    assert _username(ws, "UCarjun") == "devwitharjun"
    assert r.rows()["accounts"] == 1  # the new commenter only
    again = import_paths(ws, [com, prof], force=True)
    assert again.rows() == {"accounts": 0, "comments": 0}


def test_profile_after_stub_still_wins_and_newest_stub_wins_between_stubs(ws, files, tmp_path):
    prof, com = files
    import_paths(ws, [com])
    assert _username(ws, "UCarjun") == "Devwitharjun"
    later = tmp_path / "more.csv"
    later.write_text(
        "platform,comment_id,post_id,author_id,author_name,text\nyoutube,c3,v1,UCfan,FanOneRenamed,hi\n"
    )
    import_paths(ws, [later])
    assert _username(ws, "UCfan") == "FanOneRenamed"
    import_paths(ws, [prof])
    assert _username(ws, "UCarjun") == "devwitharjun"


def test_stub_name_fills_a_profile_without_one(ws, tmp_path):
    prof = tmp_path / "accounts.csv"
    prof.write_text("platform,account_id,followers\nyoutube,UCarjun,5200\n")
    com = tmp_path / "comments.csv"
    com.write_text(COMMENTS)
    import_paths(ws, [prof])
    import_paths(ws, [com])
    assert _username(ws, "UCarjun") == "Devwitharjun"
    assert (
        ws.duck.execute("SELECT followers FROM accounts WHERE account_id = 'UCarjun'").fetchone()[0] == 5200
    )


def _acc(rows):
    import pyarrow as pa

    from tribescope import schema

    s = schema.arrow_schema("accounts")
    return pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)


def _merge(ws, files):
    """The accounts rows of ``files`` (``(import_id, rows)``, in order) staged and merged in one transaction."""
    from tribescope.store._upsert import Stager

    with ws.transaction():
        st = Stager(ws.duck, "")
        for imp, rows in files:
            st.next_file(imp)
            st.add("accounts", _acc(rows))
        st.merge()


@pytest.mark.parametrize("together", [False, True])
def test_profile_observed_before_the_stub_still_gives_the_name(ws, together):
    """The stub carries a later observation time than the profile (a comments scrape after the profile's) and is
    stored first: its name is still no profile's — merged in two imports, or as two files of one."""
    import datetime as dt

    jan, mar = (dt.datetime(2024, m, 1, tzinfo=dt.UTC) for m in (1, 3))
    stub = [{"platform": "youtube", "account_id": "UCarjun", "username": "Devwitharjun", "snapshot_at": mar}]
    prof = [
        {
            "platform": "youtube",
            "account_id": "UCarjun",
            "username": "devwitharjun",
            "followers": 5200,
            "snapshot_at": jan,
        }
    ]
    groups = [[("i1", stub), ("i2", prof)]] if together else [[("i1", stub)], [("i2", prof)]]
    for files in groups:
        _merge(ws, files)
    got = ws.duck.execute("SELECT username, followers, snapshot_at FROM accounts").fetchall()
    assert got == [("devwitharjun", 5200, mar)]


def test_a_stub_with_a_display_name_or_flag_is_still_a_stub(ws):
    """An Instagram commenter's verified badge or a Discord author's nickname comes with every comment or message:
    such a row is no profile — the newest of them names the account, and none replaces a profile's name."""

    ig = "instagram"
    files = [
        ("i1", [{"platform": ig, "account_id": "fan0", "username": "Fan0", "is_verified": True}]),
        ("i2", [{"platform": ig, "account_id": "fan0", "username": "fan0", "full_name": "Fan Zero"}]),
        (
            "i3",
            [{"platform": ig, "account_id": "cook", "username": "cook", "followers": 900, "bio": "I cook"}],
        ),
        ("i4", [{"platform": ig, "account_id": "cook", "username": "Cook", "is_verified": False}]),
    ]
    _merge(ws, files)
    got = ws.duck.execute("SELECT account_id, username, is_verified FROM accounts ORDER BY 1").fetchall()
    assert got == [("cook", "cook", False), ("fan0", "fan0", True)]
