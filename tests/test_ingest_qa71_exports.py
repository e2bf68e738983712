"""Importers against files as platforms, export tools and spreadsheets really write them (QA round 71)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths
from tribescope.ingest._base import to_ts
from tribescope.ingest._readers import Source, iter_csv_rows

UTC = dt.UTC


def _comments(ws):
    rows = ws.table("comments").to_pyarrow().to_pylist()
    return {r["comment_id"]: r for r in rows}


# ---------------------------------------------------------------------------- spreadsheet CSV


def test_spreadsheet_rows_of_empty_cells_at_the_end_are_skipped_not_refused(ws, tmp_path):
    # Excel / LibreOffice write ``,,,,`` for formatted rows left empty at the end of a sheet; with a BOM, CRLF and
    # a quoted newline, as Excel's "CSV UTF-8" saves it
    f = tmp_path / "comments.csv"
    f.write_bytes(
        b"\xef\xbb\xbfplatform;comment_id;post_id;author_id;created_at;text;likes\r\n"
        b'instagram;c1;p1;ann;2024-03-01 10:00;"line1\r\nline2";1.234\r\n'
        b"instagram;c2;p1;bob;01.03.2024 11:30;hi;3\r\n"
        b";;;;;;\r\n"
        b" ; ;;;;;\r\n"
    )
    r = import_paths(ws, [f])
    assert r.rejected == 0
    got = _comments(ws)
    assert sorted(got) == ["c1", "c2"]
    assert got["c1"]["likes"] == 1234 and got["c1"]["text"] == "line1\r\nline2"
    assert got["c2"]["created_at"] == dt.datetime(2024, 3, 1, 11, 30, tzinfo=UTC)


def test_patreon_members_csv_with_trailing_empty_rows_counts_the_members(ws, tmp_path):
    f = tmp_path / "patreon-members-campaign-4412345.csv"
    f.write_text(
        "Name,Email,Discord,Patron Status,Follows You,Free Member,Free Trial,Lifetime Amount,Pledge Amount,User ID\n"
        "Ann Lee,ann@x.com,,Active patron,Yes,No,No,50.00,5.00,12345678\n"
        "Bob,bob@x.com,,Former patron,No,No,No,10.00,0.00,23456789\n"
        ",,,,,,,,,\n"
        ",,,,,,,,,\n"
    )
    r = import_paths(ws, [f], options={"link_creator": "youtube:UCx"})
    assert r.rejected == 0
    assert ws.counts()["accounts"] == 2
    links = ws.table("community_links").to_pyarrow().to_pylist()
    assert [(x["space_id"], x["members"]) for x in links] == [("4412345", 1)]


def test_a_compact_date_yyyymmdd_is_that_day_not_a_time_in_1970(ws, tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text("platform,comment_id,post_id,author_id,date,text\nyoutube,c1,v1,UCa,20240301,hi\n")
    import_paths(ws, [f])
    assert _comments(ws)["c1"]["created_at"] == dt.datetime(2024, 3, 1, tzinfo=UTC)


def test_a_spreadsheet_serial_date_is_refused_not_read_as_seconds_after_1970(ws, tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text("platform,comment_id,post_id,author_id,created_at,text\ninstagram,c1,p1,ann,45292.75,hi\n")
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "comments.csv" in msg and "line 2" in msg and "'created_at'" in msg and "serial date" in msg
    assert ws.counts()["comments"] == 0 and ws.counts()["imports"] == 0


def test_unix_seconds_as_text_are_still_read(ws, tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text("platform,comment_id,post_id,author_id,created_at,text\nreddit,c1,p1,ann,1609459200,hi\n")
    import_paths(ws, [f])
    assert _comments(ws)["c1"]["created_at"] == dt.datetime(2021, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------- Instagram Graph API


def _ig_media_page(replies: dict) -> dict:
    return {
        "data": [
            {
                "id": "17895695668004550",
                "caption": "Sunday bake #baking",
                "media_type": "IMAGE",
                "timestamp": "2024-03-01T10:00:00+0000",
                "like_count": 120,
                "comments_count": 30,
                "username": "baker.ann",
                "comments": {
                    "data": [
                        {
                            "id": "17870000000000001",
                            "text": "yum",
                            "timestamp": "2024-03-01T11:00:00+0000",
                            "username": "fan_1",
                            "like_count": 2,
                            "replies": replies,
                        }
                    ]
                },
            }
        ],
        "paging": {"cursors": {"before": "QVFIU", "after": "QVFIU2"}},
    }


def _reply(i: int) -> dict:
    return {
        "id": f"1787100000000000{i}",
        "text": "@fan_1 ty",
        "timestamp": "2024-03-01T12:00:00+0000",
        "username": "x",
    }


def test_graph_api_reply_count_is_unknown_when_the_replies_page_has_more(ws, tmp_path):
    partial = {
        "data": [_reply(1), _reply(2)],
        "paging": {
            "cursors": {"after": "b"},
            "next": "https://graph.facebook.com/v19.0/17870000000000001/replies?after=b",
        },
    }
    f = tmp_path / "media.json"
    f.write_text(json.dumps(_ig_media_page(partial)))
    import_paths(ws, [f])
    got = _comments(ws)
    assert got["17870000000000001"]["reply_count"] is None  # 2 of an unknown number of replies
    assert got["17871000000000001"]["parent_comment_id"] == "17870000000000001"
    assert len(got) == 3


def test_graph_api_reply_count_is_the_replies_of_a_complete_page(ws, tmp_path):
    whole = {"data": [_reply(1), _reply(2)], "paging": {"cursors": {"before": "a", "after": "b"}}}
    f = tmp_path / "media.json"
    f.write_text(json.dumps(_ig_media_page(whole)))
    import_paths(ws, [f])
    assert _comments(ws)["17870000000000001"]["reply_count"] == 2


# ---------------------------------------------------------------------------- properties


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_any_compact_date_is_its_midnight(d):
    assert to_ts(d.strftime("%Y%m%d"), "date") == dt.datetime(d.year, d.month, d.day, tzinfo=UTC)


@given(st.integers(min_value=100_000_000, max_value=4_000_000_000))
def test_unix_seconds_as_text_from_1973_on_read_as_before(sec):
    assert to_ts(str(sec), "created_at") == dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=sec)


@given(
    rows=st.lists(st.tuples(st.text("ab1 é", min_size=1, max_size=4), st.integers(0, 99)), max_size=5),
    blanks=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["", " ", "\t", "  "])), max_size=4),
    delimiter=st.sampled_from([",", ";"]),
)
def test_rows_of_empty_cells_anywhere_are_skipped_and_the_others_kept(
    tmp_path_factory, rows, blanks, delimiter
):
    lines = [f"account_id{delimiter}followers{delimiter}bio"]
    lines += [f"{k.strip() or 'x'}{delimiter}{n}{delimiter}" for k, n in rows]
    for at, cell in blanks:
        lines.insert(1 + min(at, len(lines) - 1), delimiter.join([cell] * 3))
    f = tmp_path_factory.mktemp("csv") / "accounts.csv"
    f.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    got = [r for _, r in iter_csv_rows(Source(f))]
    assert got == [{"account_id": k.strip() or "x", "followers": str(n), "bio": ""} for k, n in rows]


# ---------------------------------------------------------------------------- Discord


def test_a_discordchatexporter_csv_is_refused_with_the_advice_to_export_json(ws, tmp_path):
    f = tmp_path / "Knitters - general [1100000000000000001].csv"
    f.write_bytes(
        b"\xef\xbb\xbf"
        b'"AuthorID","Author","Date","Content","Attachments","Reactions"\n'
        b'"1110000000000000001","ann","2024-03-01T10:00:00.1230000+01:00","hello\nall","",""\n'
        b'"1110000000000000002","bob","2024-03-01T10:05:00.0000000+01:00","hi","","\xf0\x9f\x91\x8d (2)"\n'
    )
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "[1100000000000000001].csv" in msg and "header" in msg
    assert "DiscordChatExporter CSV" in msg and "JSON" in msg
    assert ws.counts()["community_messages"] == 0 and ws.counts()["imports"] == 0
