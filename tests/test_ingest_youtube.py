"""YouTube Data API v3 importer: channels, videos, comment threads with replies, comments.list."""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import FieldError, ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest._base import Context
from tribescope.ingest._readers import Source
from tribescope.ingest.youtube import YouTubeAPI, parse_duration

try:  # tests/ may or may not be a package
    from ._parser_props import parse_all
except ImportError:
    from _parser_props import parse_all  # type: ignore[no-redef]

UTC = dt.UTC
MOSS = "UCmossfern00000000000001"
GLOW = "UCdailyglow0000000000002"
FAN_A, FAN_B, FAN_C, FAN_D = (f"UCfan{c * 18}{i}" for i, c in enumerate("ABCD", 1))


def _rows(ws, table, key):
    rows = ws.table(table).filter(lambda t: t.platform == "youtube").to_pyarrow().to_pylist()
    return {r[key]: r for r in rows}


def _counts(ws):
    c = ws.counts()
    return {k: c[k] for k in ("accounts", "posts", "comments", "rejects")}


@pytest.fixture
def yt(fixtures):
    return fixtures / "youtube"


def test_fixture_folder_imports_exact_rows(ws, yt):
    r = import_paths(ws, [yt])
    assert [f.format for f in r.files] == ["youtube"] * 3
    assert {f.path.rsplit("/", 1)[1]: f.records for f in r.files} == {
        "channels.json": 2,
        "commentThreads.jsonl": 5,
        "videos.jsonl": 3,
    }
    assert _counts(ws) == {"accounts": 6, "posts": 3, "comments": 8, "rejects": 0}

    acc = _rows(ws, "accounts", "account_id")
    moss, glow = acc[MOSS], acc[GLOW]
    assert (moss["username"], moss["full_name"], moss["followers"], moss["posts"], moss["country"]) == (
        "mossandfern",
        "Moss & Fern Terrariums",
        48200,
        212,
        "GB",
    )
    assert moss["created_at"] == dt.datetime(2016, 4, 2, 18, 30, 5, tzinfo=UTC)
    # hidden subscriber count → unknown followers; no customUrl → the title is the username
    assert (glow["username"], glow["followers"], glow["posts"]) == ("Daily Glow", None, 1450)
    assert glow["created_at"] == dt.datetime(2019, 11, 20, 9, 15, 0, 123456, tzinfo=UTC)
    assert {a: acc[a]["username"] for a in (FAN_A, FAN_B, FAN_C, FAN_D)} == {
        FAN_A: "PlantPal",
        FAN_B: "JarJunkie",
        FAN_C: "glowfan99",
        FAN_D: "Old Style Name",
    }

    posts = _rows(ws, "posts", "post_id")
    v1, v2, v3 = posts["vidMoss0001"], posts["vidMoss0002"], posts["vidGlow0003"]
    assert v1["creator_id"] == MOSS and v3["creator_id"] == GLOW
    assert v1["hashtags"] == ["terrarium", "moss", "closed terrarium"]
    assert v1["mentions"] == ["fernfriend"]
    assert (v1["likes"], v1["comments_count"], v1["views"], v1["duration_s"]) == (1320, 241, 15400, 750.0)
    assert (v1["is_paid_partnership"], v2["is_paid_partnership"], v3["is_paid_partnership"]) == (
        False,
        None,
        True,
    )
    assert v2["duration_s"] == 3723.0 and v2["hashtags"] == [] and v2["caption"] == ""
    assert v3["hashtags"] == ["skincare", "glow serum", "ad"] and v3["mentions"] == ["glowlabs"]
    assert v1["url"] == "https://www.youtube.com/watch?v=vidMoss0001" and v1["media_type"] == "video"
    assert v1["created_at"] == dt.datetime(2024, 3, 1, 17, 0, tzinfo=UTC)

    com = _rows(ws, "comments", "comment_id")
    top = com["UgxThreadA1"]
    assert (top["post_id"], top["author_id"], top["author_name"], top["parent_comment_id"]) == (
        "vidMoss0001",
        FAN_A,
        "PlantPal",
        None,
    )
    assert (top["text"], top["likes"], top["reply_count"]) == ("Love this build! <3", 12, 2)
    creator_reply = com["UgxThreadA1.9zReplyA1"]
    assert creator_reply["author_id"] == posts[creator_reply["post_id"]]["creator_id"] == MOSS
    assert creator_reply["parent_comment_id"] == "UgxThreadA1" and creator_reply["reply_count"] is None
    assert creator_reply["author_name"] == "MossAndFern"  # as shown; the account keeps customUrl's spelling
    fan_reply = com["UgxThreadA1.9zReplyA2"]  # follower ↔ follower
    assert (fan_reply["author_id"], fan_reply["parent_comment_id"]) == (FAN_B, "UgxThreadA1")
    assert fan_reply["created_at"] == dt.datetime(2024, 3, 1, 19, 30, tzinfo=UTC)  # +01:00 → UTC
    html_only = com["UgxThreadB2"]  # no textOriginal: textDisplay without HTML
    assert html_only["text"] == "Where's the moss from?\nAsking for a friend"
    assert html_only["created_at"] == dt.datetime(2024, 3, 2, 7, 0, 0, 500000, tzinfo=UTC)
    # comments.list replies: one names its video, one takes it from its thread read earlier
    assert com["UgxThreadC3.9zReplyC2"]["post_id"] == com["UgxThreadC3.9zReplyC3"]["post_id"] == "vidGlow0003"
    assert {c: com[c]["parent_comment_id"] for c in com if c.startswith("UgxThreadC3.")} == {
        "UgxThreadC3.9zReplyC1": "UgxThreadC3",
        "UgxThreadC3.9zReplyC2": "UgxThreadC3",
        "UgxThreadC3.9zReplyC3": "UgxThreadC3",
    }
    assert com["UgxThreadC3"]["reply_count"] == 3


def test_reimport_is_idempotent(ws, yt):
    import_paths(ws, [yt])
    before = _counts(ws)
    again = import_paths(ws, [yt])
    assert all(f.skipped for f in again.files)
    forced = import_paths(ws, [yt], force=True)
    assert sum(forced.rows().values()) == 0
    assert _counts(ws) == before


def test_detected_from_content_gzip_array_and_bare_resources(ws, yt, tmp_path):
    pages = [json.loads(line) for line in (yt / "commentThreads.jsonl").read_text().splitlines()]
    gz = tmp_path / "export.bin"  # no telling name or suffix
    gz.write_bytes(gzip.compress((yt / "commentThreads.jsonl").read_bytes()))
    array = tmp_path / "pages.json"
    array.write_text(json.dumps(pages, indent=2))
    bare = tmp_path / "resources.ndjson"  # one resource per line, no response wrapper
    bare.write_text("\n".join(json.dumps(item) for item in pages[0]["items"]) + "\n")
    assert detect_format(Source(gz)).name == "youtube"
    r = import_paths(ws, [gz])
    gc.collect()  # a leaked file handle would surface here as an unraisable ResourceWarning (an error)
    for f in (array, bare):
        assert detect_format(Source(f)).name == "youtube"
    assert r.rows()["comments"] == 8
    r2 = import_paths(ws, [array, bare])
    assert r2.rows().get("comments", 0) == 0  # the same comments again: nothing changes
    assert [f.records for f in r2.files] == [5, 2]


def test_items_without_kind_are_recognised_by_shape(ws, yt, tmp_path):
    page = json.loads((yt / "videos.jsonl").read_text().splitlines()[0])
    for item in page["items"]:
        del item["kind"]
    del page["kind"]
    f = tmp_path / "v.json"
    f.write_text(json.dumps(page))
    r = import_paths(ws, [f], format="youtube")
    assert r.rows()["posts"] == 2


def _thread(i, likes=1, video="vidX"):
    return {
        "kind": "youtube#commentThread",
        "id": f"T{i}",
        "snippet": {
            "videoId": video,
            "totalReplyCount": 0,
            "topLevelComment": {
                "kind": "youtube#comment",
                "id": f"T{i}",
                "snippet": {
                    "videoId": video,
                    "textOriginal": f"c{i}",
                    "authorDisplayName": f"@u{i}",
                    "authorChannelId": {"value": f"UCu{i}"},
                    "likeCount": likes,
                    "publishedAt": "2024-01-01T00:00:00Z",
                },
            },
        },
    }


def _page(items):
    return {"kind": "youtube#commentThreadListResponse", "items": items}


def test_bad_item_fails_whole_import_or_is_quarantined_alone(ws, tmp_path):
    f = tmp_path / "threads.jsonl"
    f.write_text(json.dumps(_page([_thread(0), _thread(1, likes="lots"), _thread(2)])) + "\n")
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "threads.jsonl, line 1, items[1]" in msg
    assert "'items[1].snippet.topLevelComment.snippet.likeCount'" in msg and "'lots'" in msg
    assert _counts(ws) == {"accounts": 0, "posts": 0, "comments": 0, "rejects": 0}

    r = import_paths(ws, [f], skip_bad=True)
    assert r.rejected == 1 and r.rows()["comments"] == 2
    rej = ws.table("rejects").to_pyarrow().to_pylist()
    assert [(x["location"], x["field"]) for x in rej] == [
        ("line 1, items[1]", "items[1].snippet.topLevelComment.snippet.likeCount")
    ]
    assert json.loads(rej[0]["raw"])["id"] == "T1"
    assert sorted(_rows(ws, "comments", "comment_id")) == ["T0", "T2"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda t: t.pop("id") and t["snippet"]["topLevelComment"].pop("id"),
            "items[0].snippet.topLevelComment.id",
        ),
        (
            lambda t: (
                t["snippet"].pop("videoId") and t["snippet"]["topLevelComment"]["snippet"].pop("videoId")
            ),
            "items[0].snippet.topLevelComment.snippet.videoId",
        ),
        (lambda t: t["snippet"].pop("topLevelComment"), "items[0].snippet.topLevelComment"),
        (lambda t: t["snippet"].update(totalReplyCount="x"), "items[0].snippet.totalReplyCount"),
        (
            lambda t: t.update(replies={"comments": [{"id": "R", "snippet": {"likeCount": -1.5}}]}),
            "items[0].replies.comments[0].snippet.likeCount",
        ),
        (
            lambda t: t["snippet"]["topLevelComment"]["snippet"].update(publishedAt="yesterday"),
            "items[0].snippet.topLevelComment.snippet.publishedAt",
        ),
    ],
)
def test_strict_fields_are_named(tmp_path, mutate, field):
    t = _thread(0)
    mutate(t)
    ctx = Context("x", "i", dt.datetime.now(UTC))
    fmt = YouTubeAPI()
    f = tmp_path / "p.json"
    f.write_text(json.dumps(_page([t])))
    ((loc, raw),) = list(fmt.records(Source(f), ctx))
    assert loc == "line 1, items[0]"
    with pytest.raises(FieldError) as e:
        fmt.convert(raw, ctx)
    assert e.value.field == field


def test_unplaceable_reply_and_unsupported_kind_are_rejected_with_reasons(ws, tmp_path):
    orphan = {"kind": "youtube#comment", "id": "R9", "snippet": {"parentId": "NotSeen", "textOriginal": "hi"}}
    f = tmp_path / "mixed.jsonl"
    f.write_text(
        json.dumps({"kind": "youtube#commentListResponse", "items": [orphan]})
        + "\n"
        + json.dumps({"kind": "youtube#searchListResponse", "items": [{"id": {"videoId": "v"}}]})
        + "\n"
        + json.dumps(_page([_thread(1)]))
        + "\n"
    )
    r = import_paths(ws, [f], skip_bad=True)
    assert r.rejected == 2 and r.rows()["comments"] == 1
    rej = {x["location"]: x for x in ws.table("rejects").to_pyarrow().to_pylist()}
    # no videoId and a parent that neither this import nor the workspace holds (qa73: placed by its parent's video)
    assert rej["line 1, items[0]"]["field"] == "items[0].snippet.parentId"
    assert "parent comment 'NotSeen' is in no file of this import" in rej["line 1, items[0]"]["reason"]
    assert "unsupported kind 'youtube#searchListResponse'" in rej["line 2"]["reason"]


def test_non_numeric_video_count_names_the_statistic(ws, yt, tmp_path):
    page = json.loads((yt / "videos.jsonl").read_text().splitlines()[0])
    page["items"][1]["statistics"]["likeCount"] = "1.2K"
    f = tmp_path / "videos.json"
    f.write_text(json.dumps(page, indent=1))
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    assert "videos.json, document, items[1], field 'items[1].statistics.likeCount'" in str(e.value)
    assert "expected a whole number, found '1.2K'" in str(e.value)


def test_lenient_on_optional_fields(ws, tmp_path):
    page = {"kind": "youtube#videoListResponse", "items": [{"id": "v1", "snippet": {"channelId": "UCx"}}]}
    ch = {"kind": "youtube#channelListResponse", "items": [{"kind": "youtube#channel", "id": "UCx"}]}
    f = tmp_path / "v.jsonl"
    f.write_text(
        json.dumps(page) + "\n" + json.dumps(ch) + "\n" + json.dumps({"kind": "youtube#channelListResponse"})
    )
    r = import_paths(ws, [f])
    assert r.rows() == {"posts": 1, "accounts": 1}
    post = _rows(ws, "posts", "post_id")["v1"]
    assert (post["likes"], post["hashtags"], post["duration_s"], post["title"]) == (None, [], None, None)


def test_api_error_response_gives_a_clear_error(ws, tmp_path):
    f = tmp_path / "page7.json"
    f.write_text(
        json.dumps(
            {
                "error": {
                    "code": 403,
                    "message": "The request cannot be completed because you have exceeded your quota.",
                    "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}],
                }
            }
        )
    )
    assert detect_format(Source(f)).name == "youtube"
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [f])
    msg = str(e.value)
    assert "page7.json" in msg and "code 403 (quotaExceeded)" in msg and "exceeded your quota" in msg


def test_truncated_file_fails_naming_it_and_changes_nothing(ws, yt, tmp_path):
    import_paths(ws, [yt / "videos.jsonl"])
    before = _counts(ws)
    text = (yt / "channels.json").read_text()
    f = tmp_path / "channels_cut.json"
    f.write_text(text[: len(text) // 2])
    good = tmp_path / "a_threads.jsonl"
    shutil.copy(yt / "commentThreads.jsonl", good)
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [good, f])
    assert "channels_cut.json" in str(e.value) and "truncated" in str(e.value)
    assert _counts(ws) == before
    cut = tmp_path / "threads_cut.jsonl"
    raw = (yt / "commentThreads.jsonl").read_bytes()
    cut.write_bytes(raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 200])  # last page cut mid-line
    r = import_paths(ws, [cut], skip_bad=True)
    assert r.rejected == 1 and r.rows()["comments"] == 6


def test_large_single_response_is_streamed(ws, tmp_path):
    items = [_thread(i) for i in range(900)]
    f = tmp_path / "big.json"
    f.write_text(json.dumps(_page(items), indent=2))
    assert f.stat().st_size > 256 * 1024
    assert detect_format(Source(f)).name == "youtube"
    r = import_paths(ws, [f])
    assert r.records == 900 and r.rows() == {"comments": 900, "accounts": 900}
    g = tmp_path / "big_cut.json"
    g.write_bytes(f.read_bytes()[:-5000])
    with pytest.raises(ImportFailed, match=r"big_cut\.json, document, items\[\d+\]"):
        import_paths(ws, [g])


def test_ndjson_with_pages_longer_than_the_probe(ws, tmp_path):
    f = tmp_path / "long_pages.jsonl"
    f.write_text(
        "\n".join(json.dumps(_page([_thread(i + k) for i in range(1000)])) for k in (0, 1000)) + "\n"
    )
    assert len(f.read_text().split("\n", 1)[0]) > 256 * 1024
    assert detect_format(Source(f)).name == "youtube"
    r = import_paths(ws, [f])
    assert r.records == 2000 and r.rows()["comments"] == 2000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT4M13S", 253.0),
        ("PT1H", 3600.0),
        ("P1DT2H3M4.5S", 93784.5),
        ("P0D", 0.0),
        ("PT0S", 0.0),
        ("P2W", 1209600.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["4:13", "PT", "P", "PT4M13", "1 hour"])
def test_parse_duration_rejects(text):
    with pytest.raises(FieldError, match="ISO-8601 duration"):
        parse_duration(text)


# ---------------------------------------------------------------------------- properties

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["12", "1,5", "P1D", "2024-01-01", "<b>&amp;", "@x #y"]),
)
json_value = st.recursive(
    json_scalar,
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["id", "kind", "snippet", "videoId", "items", "value", "likeCount", "replies", "comments"]
            )
            | st.text(max_size=4),
            c,
            max_size=4,
        )
    ),
    max_leaves=12,
)

PATHS = [
    ("id",),
    ("kind",),
    ("snippet",),
    ("snippet", "videoId"),
    ("snippet", "totalReplyCount"),
    ("snippet", "topLevelComment"),
    ("snippet", "topLevelComment", "id"),
    ("snippet", "topLevelComment", "snippet", "likeCount"),
    ("snippet", "topLevelComment", "snippet", "publishedAt"),
    ("snippet", "topLevelComment", "snippet", "authorChannelId"),
    ("snippet", "topLevelComment", "snippet", "textOriginal"),
    ("replies",),
    ("replies", "comments"),
]


@st.composite
def messy_thread(draw):
    t = _thread(draw(st.integers(0, 5)))
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(PATHS))
        node = t
        for k in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(k, {})
        else:
            if isinstance(node, dict):
                node[path[-1]] = draw(json_value)
    return t


@st.composite
def messy_file(draw):
    kinds = [
        "youtube#commentThreadListResponse",
        "youtube#videoListResponse",
        "youtube#channelListResponse",
        "youtube#commentListResponse",
        "youtube#searchListResponse",
        None,
        ["youtube#videoListResponse"],
    ]
    pages = []
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            pages.append(draw(json_value))
        elif choice == 1:
            pages.append(
                {"error": {"code": draw(st.integers(400, 503)), "message": draw(st.text(max_size=5))}}
            )
        else:
            pages.append(
                {
                    "kind": draw(st.sampled_from(kinds)),
                    "items": draw(st.lists(messy_thread() | json_value, max_size=3)),
                }
            )
    layout = draw(st.sampled_from(["ndjson", "array", "single"]))
    if layout == "ndjson":
        data = "\n".join(json.dumps(p) for p in pages).encode()
    elif layout == "array":
        data = json.dumps(pages).encode()
    else:
        data = json.dumps(pages[0] if pages else {}).encode()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=100, deadline=None)
@given(data=messy_file())
def test_parser_raises_only_field_or_source_errors(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("y") / "x.json"
    f.write_bytes(data)
    parse_all(YouTubeAPI(), f)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=messy_file())
def test_import_only_fails_with_import_failed_and_skip_bad_never_raises(ws, tmp_path_factory, data):
    f = tmp_path_factory.mktemp("y") / "x.json"
    f.write_bytes(data)
    before = _counts(ws)
    try:
        import_paths(ws, [f], format="youtube", force=True)
    except ImportFailed as exc:
        assert "x.json" in str(exc)
        assert _counts(ws) == before
    import_paths(ws, [f], format="youtube", force=True, skip_bad=True)
