"""TikTok Research API importer: video query, video comment list and user info responses."""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import json
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest._readers import Source
from tribescope.ingest.tiktok import TikTokResearch

try:  # tests/ may or may not be a package
    from ._parser_props import parse_all
except ImportError:
    from _parser_props import parse_all  # type: ignore[no-redef]

UTC = dt.UTC
V1, V2, V3 = "7300000000000000001", "7300000000000000002", "7300000000000000003"
C1, C2, C3, C4 = (f"731000000000000000{i}" for i in range(1, 5))


def _rows(ws, table, key):
    rows = ws.table(table).filter(lambda t: t.platform == "tiktok").to_pyarrow().to_pylist()
    return {r[key]: r for r in rows}


def _counts(ws):
    c = ws.counts()
    return {k: c[k] for k in ("accounts", "posts", "comments", "rejects")}


@pytest.fixture
def tt(fixtures):
    return fixtures / "tiktok"


def test_fixture_folder_imports_exact_rows(ws, tt):
    r = import_paths(ws, [tt])
    assert [f.format for f in r.files] == ["tiktok"] * 3
    assert [f.records for f in r.files] == [4, 2, 3]  # comments, users, videos (name order)
    assert _counts(ws) == {"accounts": 4, "posts": 3, "comments": 4, "rejects": 0}

    posts = _rows(ws, "posts", "post_id")
    p1, p2, p3 = posts[V1], posts[V2], posts[V3]
    assert (p1["creator_id"], p1["created_at"]) == (
        "sam.bakes",
        dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
    )
    assert (p1["likes"], p1["comments_count"], p1["views"], p1["shares"], p1["duration_s"]) == (
        5400,
        130,
        81000,
        42,
        34.0,
    )
    assert p1["hashtags"] == ["sourdough", "baking"] and p1["mentions"] == ["flourpower"]
    assert p1["caption"] == "Crumb shot with @FlourPower #sourdough #Baking" and p1["media_type"] == "video"
    assert p1["url"] == f"https://www.tiktok.com/@sam.bakes/video/{V1}"
    assert p2["hashtags"] == [] and p2["duration_s"] is None
    assert (
        p3["hashtags"] == ["ad", "skincare"] and p3["mentions"] == ["glowlabs"] and p3["duration_s"] == 15.5
    )

    com = _rows(ws, "comments", "comment_id")
    top = com[C1]  # parent_comment_id == video id marks a top-level comment
    assert (top["post_id"], top["parent_comment_id"], top["author_id"], top["author_name"]) == (
        V1,
        None,
        "crumbfan",
        "CrumbFan",
    )
    assert (top["likes"], top["reply_count"], top["text"]) == (14, 2, "That crumb!! what hydration?")
    assert top["created_at"] == dt.datetime(2023, 11, 14, 23, 13, 20, tzinfo=UTC)
    creator_reply, fan_reply = com[C2], com[C3]
    assert creator_reply["author_id"] == posts[V1]["creator_id"] and creator_reply["parent_comment_id"] == C1
    assert (fan_reply["author_id"], fan_reply["parent_comment_id"]) == ("doughnut_dan", C1)
    anon = com[C4]  # the real API gives no author; parent 0 = top-level
    assert (anon["post_id"], anon["author_id"], anon["author_name"], anon["parent_comment_id"]) == (
        V3,
        None,
        None,
        None,
    )

    acc = _rows(ws, "accounts", "account_id")
    assert sorted(acc) == ["crumbfan", "doughnut_dan", "glowqueen", "sam.bakes"]
    sam, glow = acc["sam.bakes"], acc["glowqueen"]
    assert (
        sam["username"],
        sam["full_name"],
        sam["bio"],
        sam["followers"],
        sam["following"],
        sam["posts"],
    ) == (
        "sam.bakes",
        "Sam Bakes Bread",
        "Sourdough every Sunday",
        18200,
        310,
        96,
    )
    assert (sam["is_verified"], sam["external_url"], sam["country"]) == (
        False,
        "https://sambakes.example",
        "US",
    )
    assert (glow["is_verified"], glow["followers"], glow["country"]) == (True, 2400000, "DE")
    assert acc["crumbfan"]["username"] == "CrumbFan"


def test_reimport_is_idempotent(ws, tt):
    import_paths(ws, [tt])
    before = _counts(ws)
    forced = import_paths(ws, [tt], force=True)
    assert sum(forced.rows().values()) == 0
    assert _counts(ws) == before


def test_detected_from_content_incl_gzip_and_array(ws, tt, tmp_path):
    gz = tmp_path / "dump"
    gz.write_bytes(gzip.compress((tt / "videos.jsonl").read_bytes()))
    arr = tmp_path / "comments.json"
    arr.write_text(
        json.dumps([json.loads(x) for x in (tt / "comments.jsonl").read_text().splitlines()], indent=1)
    )
    with warnings.catch_warnings():
        # _readers.Source.open() does not close the raw file under a GzipFile (reported to the lead)
        warnings.simplefilter("ignore", ResourceWarning)
        assert detect_format(Source(gz)).name == "tiktok"
        r = import_paths(ws, [gz])
        gc.collect()
    assert r.rows()["posts"] == 3
    assert detect_format(Source(arr)).name == "tiktok"
    assert import_paths(ws, [arr]).rows()["comments"] == 4


def test_creator_id_is_the_lower_cased_handle(ws, tmp_path):
    f = tmp_path / "v.json"
    f.write_text(
        json.dumps({"data": {"videos": [{"id": 1, "username": "@Mixed.Case", "create_time": "1700000000"}]}})
    )
    import_paths(ws, [f])
    post = _rows(ws, "posts", "post_id")["1"]
    assert post["creator_id"] == "mixed.case" and post["created_at"] == dt.datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
    assert _rows(ws, "accounts", "account_id")["mixed.case"]["username"] == "Mixed.Case"


def test_ndjson_with_pages_longer_than_the_probe(ws, tmp_path):
    long_text = "x" * 300
    pages = [
        {
            "data": {
                "comments": [{"id": k * 1000 + i, "video_id": 9, "text": long_text} for i in range(900)]
            },
            "error": {"code": "ok", "message": "", "log_id": "L"},
        }
        for k in (1, 2)
    ]
    f = tmp_path / "c.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    assert len(f.read_text().split("\n", 1)[0]) > 256 * 1024
    assert detect_format(Source(f)).name == "tiktok"
    assert import_paths(ws, [f]).rows() == {"comments": 1800}


def _video_page(videos):
    return {
        "data": {"videos": videos, "cursor": len(videos), "has_more": False},
        "error": {"code": "ok", "log_id": "L"},
    }


def test_bad_item_fails_or_is_quarantined_alone(ws, tmp_path):
    good = {"id": 1, "username": "a", "like_count": 3}
    f = tmp_path / "videos.jsonl"
    f.write_text(
        json.dumps(_video_page([good, {"id": 2, "username": "a", "like_count": "many"}, {**good, "id": 3}]))
    )
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    assert "videos.jsonl, line 1, data.videos[1], field 'data.videos[1].like_count'" in str(e.value)
    assert _counts(ws)["posts"] == 0
    r = import_paths(ws, [f], skip_bad=True)
    assert r.rejected == 1 and r.rows()["posts"] == 2
    rej = ws.table("rejects").to_pyarrow().to_pylist()
    assert [(x["location"], x["field"]) for x in rej] == [
        ("line 1, data.videos[1]", "data.videos[1].like_count")
    ]


def test_missing_username_is_explained(ws, tmp_path):
    f = tmp_path / "users.jsonl"
    f.write_text(json.dumps({"data": {"display_name": "X", "follower_count": 5}, "error": {"code": "ok"}}))
    with pytest.raises(ImportFailed, match='record it as a top-level "username"'):
        import_paths(ws, [f])
    v = tmp_path / "videos.jsonl"
    v.write_text(json.dumps(_video_page([{"id": 5, "like_count": 1}])))
    with pytest.raises(ImportFailed, match=r"data\.videos\[0\]\.username.*request the `username` field"):
        import_paths(ws, [v])


def test_api_error_names_code_and_message(ws, tmp_path):
    f = tmp_path / "page.json"
    err = {"code": "rate_limit_exceeded", "message": "daily quota reached", "log_id": "202311"}
    f.write_text(json.dumps({"data": {}, "error": err}))
    assert detect_format(Source(f)).name == "tiktok"
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    assert (
        "page.json" in str(e.value)
        and "'rate_limit_exceeded'" in str(e.value)
        and "daily quota reached" in str(e.value)
    )


def test_truncated_file_fails_naming_it_and_changes_nothing(ws, tt, tmp_path):
    import_paths(ws, [tt / "users.jsonl"])
    before = _counts(ws)
    raw = (tt / "comments.jsonl").read_bytes()
    f = tmp_path / "comments_cut.jsonl"
    f.write_bytes(raw[: len(raw) - 60])
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    assert "comments_cut.jsonl, line 2" in str(e.value) and "truncated" in str(e.value)
    assert _counts(ws) == before


# ---------------------------------------------------------------------------- properties

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["0", "12", "1,5", "ok", "@a #b", "1700000000"]),
)
json_value = st.recursive(
    json_scalar,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=10,
)
VIDEO_KEYS = [
    "id",
    "username",
    "create_time",
    "like_count",
    "hashtag_names",
    "video_mention_list",
    "video_duration",
]
COMMENT_KEYS = [
    "id",
    "video_id",
    "parent_comment_id",
    "like_count",
    "reply_count",
    "text",
    "create_time",
    "username",
]
USER_KEYS = ["display_name", "follower_count", "is_verified", "bio_url", "username"]


def _obj(keys):
    return st.dictionaries(st.sampled_from(keys), json_value | st.integers(0, 10**19), max_size=len(keys))


@st.composite
def messy_file(draw):
    pages = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            data = {"videos": draw(st.lists(_obj(VIDEO_KEYS) | json_value, max_size=3))}
        elif kind == 1:
            data = {"comments": draw(st.lists(_obj(COMMENT_KEYS) | json_value, max_size=3))}
        elif kind == 2:
            data = draw(_obj(USER_KEYS))
        else:
            data = draw(json_value)
        page = {
            "data": data,
            "error": {"code": draw(st.sampled_from(["ok", "ok", "invalid_params"])), "log_id": "L"},
        }
        if draw(st.booleans()):
            page["username"] = draw(json_value)
        pages.append(page)
    layout = draw(st.sampled_from(["ndjson", "array"]))
    data = ("\n".join(json.dumps(p) for p in pages) if layout == "ndjson" else json.dumps(pages)).encode()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=100, deadline=None)
@given(data=messy_file())
def test_parser_raises_only_field_or_source_errors(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("t") / "x.json"
    f.write_bytes(data)
    parse_all(TikTokResearch(), f)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=messy_file())
def test_import_only_fails_with_import_failed_and_skip_bad_never_raises(ws, tmp_path_factory, data):
    f = tmp_path_factory.mktemp("t") / "x.json"
    f.write_bytes(data)
    before = _counts(ws)
    try:
        import_paths(ws, [f], format="tiktok", force=True)
    except ImportFailed as exc:
        assert "x.json" in str(exc)
        assert _counts(ws) == before
    import_paths(ws, [f], format="tiktok", force=True, skip_bad=True)


def test_profile_picture_from_avatar_url(tmp_path):
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    f = tmp_path / "users.jsonl"
    ok = {"code": "ok", "message": "", "log_id": "1"}
    rows = [
        {
            "username": "has.pic",
            "data": {"display_name": "A", "avatar_url": "https://p16.example/a.jpeg"},
            "error": ok,
        },
        {"username": "no.pic", "data": {"display_name": "B", "avatar_url": ""}, "error": ok},
        {"username": "unknown.pic", "data": {"display_name": "C"}, "error": ok},
    ]
    import json

    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ws = connect(tmp_path / "w.duckdb")
    try:
        import_paths(ws, [f])
        got = dict(ws.duck.execute("SELECT account_id, has_profile_pic FROM accounts").fetchall())
        assert got == {"has.pic": True, "no.pic": False, "unknown.pic": None}
    finally:
        ws.close()
