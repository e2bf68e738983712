"""Real-format hunt: files as spreadsheet programs, influencer tools, DiscordChatExporter and instaloader write them.

Each test names the tool and the shape it writes; the files are in ``tests/format_samples/``, as the tools write
them, some deliberately wrong (not in ``tests/fixtures``, whose exports tests import whole).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import lzma
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribescope.errors import FieldError, ImportFailed
from tribescope.ingest import import_paths
from tribescope.ingest._base import parse_number, to_int, to_ts

HUNT = Path(__file__).parent / "format_samples"
FIXTURES_YT = Path(__file__).parent / "fixtures" / "youtube"


def _rows(ws, sql: str) -> list[tuple]:
    return ws.duck.execute(sql).fetchall()


def _accounts(ws) -> dict[str, tuple]:
    return {
        r[0]: r[1:] for r in _rows(ws, "SELECT account_id, username, full_name, followers, bio FROM accounts")
    }


# ---------------------------------------------------------------------------- CSV as spreadsheet programs write it


def test_excel_csv_utf8_with_bom_crlf_multiline_cell_and_trailing_columns(ws):
    r = import_paths(ws, [HUNT / "excel_utf8_accounts.csv"], options={"platform": "instagram"})
    assert r.rows() == {"accounts": 2}
    got = _accounts(ws)
    # "Follower Count" (a header with a blank and capitals) is the followers column; "12,500" is 12500
    assert got["alice.cooks"] == ("alice.cooks", "Alice Dupré", 12500, "Recipes\r\nevery day 🍝")
    assert got["bob_bakes"][2] == 980
    assert r.files[0].ignored_columns == ["(column 6)", "(column 7)"]  # the empty columns Excel leaves


def test_excel_semicolon_csv_with_decimal_commas(ws):
    """Excel where the decimal mark is a comma (de, fr, …) writes semicolons, thousands dots and decimal commas, and
    may start with the line ``sep=;``."""
    r = import_paths(ws, [HUNT / "excel_de_posts.csv"])
    assert r.rows() == {"posts": 2}
    got = _rows(ws, "SELECT post_id, likes, comments_count, views, duration_s FROM posts ORDER BY 1")
    assert got == [("v1", 1234, 56, 1234567, 62.5), ("v2", 12, 0, 900, 8.0)]


def test_semicolon_csv_error_names_the_line_after_the_sep_line(ws, tmp_path):
    f = tmp_path / "posts.csv"
    f.write_bytes((HUNT / "excel_de_posts.csv").read_bytes().replace(b";12;0;", b";12;1,5;"))
    with pytest.raises(
        ImportFailed, match=r"posts\.csv, line 4, field 'comments_count': expected a whole number"
    ):
        import_paths(ws, [f])


def test_excel_unicode_text_utf16_tab_separated(ws):
    r = import_paths(ws, [HUNT / "excel_unicode_accounts.txt"], options={"platform": "instagram"})
    assert r.rows() == {"accounts": 1}
    assert _accounts(ws)["zoé.knits"] == ("zoé.knits", "Zoé", 4521, None)


def test_utf16_json_export_is_read_too(ws, fixtures, tmp_path):
    f = tmp_path / "channels.json"
    f.write_bytes((fixtures / "youtube" / "channels.json").read_text(encoding="utf-8").encode("utf-16"))
    assert import_paths(ws, [f]).rows()["accounts"] >= 1


def test_windows_1252_csv_is_refused_row_by_row_naming_the_encoding(ws):
    """Excel's "CSV (Comma delimited)" writes Windows-1252: each row with é is refused (never read as mojibake),
    the message says what to do, and the table is still told from the header when the first row is a bad one."""
    f = HUNT / "excel_cp1252_accounts.csv"
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f], options={"platform": "instagram"})
    msg = str(e.value)
    assert "excel_cp1252_accounts.csv, line 2: not UTF-8 text" in msg and "Windows-1252" in msg
    assert "CSV UTF-8" in msg
    r = import_paths(ws, [f], options={"platform": "instagram"}, skip_bad=True)
    assert (r.records, r.rejected, r.rows()) == (2, 1, {"accounts": 1})
    assert list(_accounts(ws)) == ["ann"]


def test_repeated_column_name_keeps_the_first_and_reports_the_second(ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("username,followers,followers\nalice,12,99\n")
    r = import_paths(ws, [f], options={"platform": "instagram"})
    assert _accounts(ws)["alice"][2] == 12
    assert r.files[0].ignored_columns == ["followers (column 3)"]


def test_camel_case_columns_of_scraping_tools(ws):
    r = import_paths(ws, [HUNT / "scraper_profiles.csv"], options={"platform": "instagram"})
    assert r.files[0].ignored_columns == []
    got = _rows(
        ws, "SELECT account_id, full_name, followers, following, posts, is_verified, is_private FROM accounts"
    )
    assert sorted(got) == [
        ("alice.cooks", "Alice Dupré", 12500, 310, 42, True, False),
        ("bob_bakes", "Bob", 980, 1200, 7, False, True),
    ]


def test_r_write_csv_column_names_with_dots(ws):
    """R's write.csv names columns as its data frames do, dots for blanks (``Number.of.followers``, the SRF fake
    follower set): each is the canonical column it names, not a column left out."""
    r = import_paths(ws, [HUNT / "r_write_csv_followers.csv"], options={"platform": "instagram"})
    assert r.files[0].ignored_columns == ["Profile.URL", "rating"]
    got = _rows(
        ws, "SELECT account_id, followers, following, posts, has_profile_pic, is_private FROM accounts"
    )
    assert sorted(got) == [
        ("clay.and.kiln", 1520, 388, 214, True, False),
        ("xx_buy99_likes", 12, 7412, 0, False, True),
    ]


def test_twitter_v1_user_objects_as_csv_columns(ws):
    """The Twitter API v1.1 user object's fields as columns (the Cresci "Fame for sale" users.csv): ``screen_name``
    is the username (it used to leave the file's table unknown), ``friends_count`` following, ``statuses_count``
    posts; an empty ``protected``/``verified`` cell stays unknown."""
    r = import_paths(ws, [HUNT / "twitter_v11_users.csv"], options={"platform": "twitter"})
    assert (r.files[0].format, r.rows()) == ("csv", {"accounts": 2})
    got = _rows(
        ws,
        "SELECT account_id, username, full_name, followers, following, posts, bio, created_at, is_private "
        "FROM accounts ORDER BY 1",
    )
    assert (
        got
        == [
            (
                "luca40218833",
                "luca40218833",
                "Luca",
                1,
                2011,
                4,
                "",  # an empty description cell: no bio (known), as the fake-account model reads it (schema.KNOWN_EMPTY_TEXT)
                dt.datetime(2013, 1, 31, 9, 2, 11, tzinfo=dt.UTC),
                None,
            ),
            (
                "maramakespots",
                "MaraMakesPots",
                "Mara Clay",
                742,
                410,
                3810,
                "Ceramista, insegnante.",
                dt.datetime(2007, 5, 1, 11, 53, 40, tzinfo=dt.UTC),
                None,
            ),
        ]
    )


def test_csv_without_a_required_column_is_refused_once_at_its_header(ws, tmp_path):
    """A comment list without the id of its post (the YouTube Spam Collection's ``COMMENT_ID,AUTHOR,DATE,CONTENT,
    CLASS``) used to be refused row by row ("line 2, field 'post_id'", every row quarantined with --skip-bad): the
    header lacks the column, which the message says once; with it added, ``DATE`` is the comment's time."""
    f = HUNT / "comment_list_without_post_id.csv"
    with pytest.raises(
        ImportFailed,
        match=r"comment_list_without_post_id\.csv, header: table comments needs the column\(s\) post_id",
    ):
        import_paths(ws, [f], options={"platform": "youtube"})
    r = import_paths(ws, [f], options={"platform": "youtube"}, skip_bad=True)
    assert ws.counts()["comments"] == 0 and r.rejected == 1  # the file, not each of its rows
    fixed = tmp_path / "comments.csv"
    lines = f.read_text().splitlines()
    fixed.write_text("\n".join([lines[0] + ",post_id"] + [ln + ",9bZkp7q19f0" for ln in lines[1:]]) + "\n")
    r = import_paths(ws, [fixed], options={"platform": "youtube"})
    assert r.files[0].ignored_columns == ["CLASS"]
    assert _rows(ws, "SELECT author_name, created_at, text FROM comments ORDER BY 1") == [
        ("Kiln Fan", dt.datetime(2015, 5, 6, 10, 56, 35, 972000, tzinfo=dt.UTC), "lovely glaze, what cone?"),
        ("Sub4Sub Now", None, "check out my channel!!! http://example.com"),
    ]


def test_error_in_a_multiline_row_names_the_line_it_starts_on(ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_bytes(b'username,bio,followers\r\nalice,"line one\r\nline two",many\r\nbob,x,3\r\n')
    with pytest.raises(ImportFailed, match=r"accounts\.csv, line 2, field 'followers'"):
        import_paths(ws, [f], options={"platform": "instagram"})


def test_long_id_saved_in_scientific_notation_is_refused(ws, tmp_path):
    """A spreadsheet shows a TikTok video id 7251443385627200811 in a narrow column as 7.25144E+18 and saves that."""
    f = tmp_path / "posts.csv"
    f.write_text(
        "platform,post_id,creator_id,views\ntiktok,7.25144E+18,alice,1.2E+3\ntiktok,7251443385627200811,al,9\n"
    )
    with pytest.raises(
        ImportFailed, match=r"line 2, field 'post_id': '7\.25144E\+18' is a long id in scientific"
    ):
        import_paths(ws, [f])
    r = import_paths(ws, [f], skip_bad=True)
    assert (r.rejected, _rows(ws, "SELECT post_id FROM posts")) == (1, [("7251443385627200811",)])


# ---------------------------------------------------------------------------- numbers


def test_decimal_comma_in_a_comma_separated_file_is_an_error_not_another_number(ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text('username,followers\nalice,"1,5"\n')
    with pytest.raises(
        ImportFailed, match=r"line 2, field 'followers': expected a whole number, found '1,5'"
    ):
        import_paths(ws, [f], options={"platform": "instagram"})


def test_abbreviated_counts_of_influencer_tool_exports(ws):
    r = import_paths(ws, [HUNT / "creator_tool_export.csv"], options={"platform": "instagram"})
    assert r.rows() == {"accounts": 3}
    assert {k: v[2] for k, v in _accounts(ws).items()} == {
        "alice.cooks": 12_300,
        "mega.chef": 1_200_000,
        "tiny.chef": 850,
    }
    assert r.files[0].ignored_columns == ["Engagement Rate"]


def test_unknown_counts_as_tools_and_excel_write_them_are_empty(ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("username,followers,following,posts\nalice,N/A,#N/A,-\n")
    import_paths(ws, [f], options={"platform": "instagram"})
    assert _rows(ws, "SELECT followers, following, posts FROM accounts") == [(None, None, None)]


def test_abbreviated_counts_stay_errors_in_platform_api_json():
    """An API writes counts as numbers: ``1.2K`` there is display text, refused (tests/test_ingest_youtube.py)."""
    with pytest.raises(FieldError):
        to_int("1.2K", "likeCount")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouped_whole_numbers_read_back_in_either_locale(n):
    us = f"{n:,}"
    assert parse_number(us) == n
    assert parse_number(us.replace(",", "."), decimal_comma=True) == n
    assert parse_number(us.replace(",", "\u00a0")) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_decimal_comma_is_never_read_as_thousands(whole, frac):
    """``1,5`` is 1.5 in a decimal-comma file and an error elsewhere — never 15."""
    text = f"{whole},{frac}"
    assert parse_number(text, decimal_comma=True) == decimal.Decimal(f"{whole}.{frac}")
    if len(str(frac)) != 3:
        with pytest.raises(ValueError):
            parse_number(text)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=999_999), st.sampled_from([("K", 10**3), ("M", 10**6), ("B", 10**9)])
)
def test_abbreviated_count_is_its_value_rounded(tenths, suffix):
    letter, scale = suffix
    text = f"{tenths // 10}.{tenths % 10}{letter}"
    want = (decimal.Decimal(tenths) * scale / 10).to_integral_value(decimal.ROUND_HALF_UP)
    assert parse_number(text, abbreviated=True) == want
    with pytest.raises(ValueError):
        parse_number(text)


# ---------------------------------------------------------------------------- dates as spreadsheets write them


def test_spreadsheet_dates_day_first_in_a_semicolon_file_ambiguous_elsewhere(ws, tmp_path):
    eu = tmp_path / "eu.csv"
    eu.write_text("comment_id;post_id;platform;text;created_at\nc1;p1;youtube;hi;01/03/2024 10:00\n")
    import_paths(ws, [eu])
    assert _rows(ws, "SELECT strftime(created_at, '%Y-%m-%d %H:%M') FROM comments") == [("2024-03-01 10:00",)]
    us = tmp_path / "us.csv"
    us.write_text("comment_id,post_id,platform,text,created_at\nc2,p1,youtube,hi,3/1/2024 10:00\n")
    with pytest.raises(
        ImportFailed, match=r"us\.csv, line 2, field 'created_at': ambiguous date '3/1/2024 10:00'"
    ):
        import_paths(ws, [us])


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_slash_date_is_read_only_when_it_can_be_read_one_way(day):
    want = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    assert to_ts(f"{day.day}/{day.month}/{day.year}", "t", day_first=True) == want
    assert to_ts(f"{day.day:02}.{day.month:02}.{day.year} 00:00", "t") == want
    us = f"{day.month}/{day.day}/{day.year}"
    if day.day > 12 or day.day == day.month:
        assert to_ts(us, "t") == want
    else:
        with pytest.raises(FieldError, match="ambiguous date"):
            to_ts(us, "t")


# ---------------------------------------------------------------------------- what the errors tell to do


def test_csv_whose_columns_fit_no_table_says_how_to_choose_one(ws, tmp_path):
    f = tmp_path / "creators.csv"
    f.write_text("Creator,Audience Size\nalice,12\n")
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "creators.csv, header" in msg and "'Creator', 'Audience Size'" in msg and "--table" in msg
    assert "Fix the record" not in msg
    with pytest.raises(
        ImportFailed, match=r"none of the columns 'Creator', 'Audience Size' is a column of table"
    ):
        import_paths(ws, [f], options={"table": "accounts"})


def test_bad_option_error_does_not_suggest_skip_bad(ws, fixtures):
    with pytest.raises(ImportFailed) as e:
        import_paths(
            ws, [fixtures / "reddit" / "cozyknits_comments.ndjson"], options={"link_creator": "youtubeUC123"}
        )
    msg = str(e.value)
    assert "option --link-creator" in msg and "Correct the option" in msg and "--skip-bad" not in msg


def test_excel_workbook_is_refused_saying_to_save_it_as_csv(ws, tmp_path):
    import zipfile

    f = tmp_path / "creators.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ImportFailed, match=r'creators\.xlsx, start of file: .*save the sheet as "CSV UTF-8"'):
        import_paths(ws, [f])


@pytest.mark.parametrize("codec", ["gzip", "xz", "zstd"])
def test_compressed_file_damaged_at_its_start_is_not_called_empty(ws, tmp_path, codec):
    """A compressed file that yields no content because it is corrupt is said to be so (it used to read as "the
    file is empty"), and --skip-bad skips it."""
    import gzip

    import zstandard

    body = (FIXTURES_YT / "commentThreads.jsonl").read_bytes()
    data = {"gzip": gzip.compress, "xz": lzma.compress, "zstd": zstandard.ZstdCompressor().compress}[codec](
        body
    )
    f = tmp_path / "RC_2023-01.zst"
    f.write_bytes(data[:24] + bytes(b ^ 0x5A for b in data[24:48]))
    with pytest.raises(
        ImportFailed, match=rf"RC_2023-01\.zst, start of file: the {codec} file is truncated or corrupt"
    ):
        import_paths(ws, [f])
    assert ws.counts()["comments"] == 0
    r = import_paths(ws, [f], skip_bad=True)
    assert r.files[0].skipped and "truncated or corrupt" in r.files[0].skipped


# ---------------------------------------------------------------------------- DiscordChatExporter, instaloader


def test_discord_system_notifications_are_not_messages(ws):
    """DCE writes its own text for a member joining, a pin, a new thread ("Joined the server.", …)."""
    r = import_paths(ws, [HUNT / "dce_general.json"])
    assert r.records == 6
    got = _rows(ws, "SELECT message_id[-1:], reply_to[-1:], text FROM community_messages ORDER BY 1")
    assert got == [
        ("2", None, "Welcome Bob! Show us your WIPs"),
        ("3", "2", "Here is my first sock"),
        ("6", None, ""),
    ]


def test_discord_system_notifications_skipped_on_the_record_by_record_path_too(ws, tmp_path, monkeypatch):
    from tribescope.ingest.discord import DiscordChatExporter

    monkeypatch.setattr(DiscordChatExporter, "bulk", lambda self, src, ctx: None)
    import_paths(ws, [HUNT / "dce_general.json"])
    assert _rows(ws, "SELECT count(*) FROM community_messages") == [(3,)]


@pytest.mark.parametrize("compressed", [False, True])
def test_instaloader_post_json(ws, fixtures, tmp_path, compressed):
    """instaloader saves each post as ``{"node": …, "instaloader": {"node_type": "Post"}}``, xz-compressed unless
    --no-compress-json."""
    media = json.loads((fixtures / "instagram" / "web_post.json").read_text())["graphql"]["shortcode_media"]
    doc = {"node": media, "instaloader": {"version": "4.14.1", "node_type": "Post"}}
    if compressed:
        f = tmp_path / "2024-03-01_12-00-00_UTC.json.xz"
        with lzma.open(f, "wt", check=lzma.CHECK_NONE) as fp:
            json.dump(doc, fp, separators=(",", ":"))
    else:
        f = tmp_path / "2024-03-01_12-00-00_UTC.json"
        f.write_text(json.dumps(doc, indent=4, sort_keys=True))
    web = tmp_path / "web" / "web_post.json"
    web.parent.mkdir()
    shutil.copy(fixtures / "instagram" / "web_post.json", web)
    r = import_paths(ws, [f])
    assert r.files[0].format == "instagram-graphql" and r.rows()["posts"] == 1
    before = {t: ws.counts()[t] for t in ("posts", "comments", "accounts")}
    again = import_paths(ws, [web])  # the same post as the web GraphQL document: nothing new
    assert {t: ws.counts()[t] for t in ("posts", "comments", "accounts")} == before and again.records == 1


def test_truncated_xz_file_is_a_clear_error(ws, fixtures, tmp_path):
    f = tmp_path / "post.json.xz"
    data = lzma.compress((fixtures / "instagram" / "web_post.json").read_bytes())
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed, match="the xz file is truncated or corrupt"):
        import_paths(ws, [f], format="instagram-graphql")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999))
def test_a_fraction_of_three_digits_is_never_read_as_thousands(frac):
    """``0,035`` is no thousands grouping (a group never starts with 0): an error without decimal commas, 0.035 with
    them; and ``0.035`` in a decimal-comma file is 0.035, not 35."""
    with pytest.raises(ValueError):
        parse_number(f"0,{frac:03d}")
    assert parse_number(f"0,{frac:03d}", decimal_comma=True) == decimal.Decimal(f"0.{frac:03d}")
    assert parse_number(f"0.{frac:03d}", decimal_comma=True) == decimal.Decimal(f"0.{frac:03d}")


def test_a_windows_1252_header_row_gets_the_same_advice_as_its_rows(ws, tmp_path):
    """The header's error said only "not UTF-8 text", and its hint offered --skip-bad for a record."""
    f = tmp_path / "accounts.csv"
    f.write_bytes("usernäme,followers\nann,3\n".encode("cp1252"))
    with pytest.raises(ImportFailed) as exc:
        import_paths(ws, [f])
    text = str(exc.value)
    assert "header: not UTF-8 text (the header row (line 1) holds bytes" in text
    assert 'save the file as "CSV UTF-8"' in text and "Fix the file's header row" in text
