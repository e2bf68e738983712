"""Stop 37 consistency: CSV ``--out`` times as ISO 8601 (as the JSON files), the campaign report's engagements
counting comments as the metrics do, and one brand-word rule in the database and in Python."""

from __future__ import annotations

import csv
import datetime as dt
import json

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tribescope.brand._text import engine_pattern, word_pattern
from tribescope.campaigns import campaign_report, import_campaign
from tribescope.cli._out import write_table

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

UTC = dt.UTC
SEEN = dt.datetime(2026, 2, 8, 16, 58, 51, 896000, tzinfo=UTC)


# 1 — CSV --out times as ISO 8601, as the JSON --out files; Parquet keeps the type


def _times() -> pa.Table:
    return pa.table(
        {
            "member_id": ["a", "b", "c"],
            "first_seen": pa.array([SEEN, None, SEEN.replace(microsecond=0)], pa.timestamp("us", tz="UTC")),
            "day": pa.array([SEEN.date(), None, SEEN.date()], pa.date32()),
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_csv_out_writes_iso_times_as_json_does(tmp_path, suffix):
    t = _times()
    write_table(t, tmp_path / f"x{suffix}")
    write_table(t, tmp_path / "x.json")
    with (tmp_path / f"x{suffix}").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ","))
    js = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert [r["first_seen"] for r in rows] == [
        "2026-02-08T16:58:51.896000+00:00",
        "",
        "2026-02-08T16:58:51+00:00",
    ]
    assert [r["first_seen"] or None for r in rows] == [r["first_seen"] for r in js]
    assert [r["day"] for r in rows] == ["2026-02-08", "", "2026-02-08"]
    assert [r["day"] or None for r in rows] == [r["day"] for r in js]


def test_parquet_out_keeps_times_typed(tmp_path):
    write_table(_times(), tmp_path / "x.parquet")
    back = pq.read_table(tmp_path / "x.parquet")
    assert back.schema.field("first_seen").type == pa.timestamp("us", tz="UTC")
    assert back.column("first_seen").to_pylist()[0] == SEEN


# 2 — campaign engagements: a post's comments as post_engagement counts them


def test_campaign_engagements_count_comment_rows_of_a_post_without_comments_count(ws, tmp_path):
    from tribescope.metrics import post_engagement

    t = dt.datetime(2026, 4, 2, 12, tzinfo=UTC)
    _put(
        ws,
        "accounts",
        [{"platform": "instagram", "account_id": "alice", "username": "alice", "followers": 1000}],
    )
    _put(
        ws,
        "posts",
        [
            {  # no comments_count: its 3 comment rows count
                "platform": "instagram",
                "post_id": "p1",
                "creator_id": "alice",
                "created_at": t,
                "caption": "spring kit, code ALICE15",
                "likes": 10,
                "shares": 2,
            },
            {  # a comments_count: it counts, not the one row under the post
                "platform": "instagram",
                "post_id": "p2",
                "creator_id": "alice",
                "created_at": t,
                "caption": "again ALICE15",
                "likes": 5,
                "comments_count": 4,
            },
        ],
    )
    _put(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": f"c{k}",
                "post_id": post,
                "author_id": f"u{k}",
                "text": "nice",
            }
            for k, post in enumerate(["p1", "p1", "p1", "p2"])
        ],
    )
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code\n"
        "c1,Acme,instagram,alice,alice,100.00,USD,2026-04-01,2026-04-10,ALICE15\n"
    )
    import_campaign(ws, plan=plan)
    row = campaign_report(ws, n_boot=20).creators.to_pylist()[0]
    assert row["posts"] == 2
    # (10 likes + 3 comment rows + 2 shares) + (5 likes + 4 comments_count)
    assert row["engagements"] == 24.0
    assert row["cpe"] == pytest.approx(100 / 24)
    # the same comments as the metrics' per-post engagement
    pe = post_engagement(ws.table("posts"), ws.table("accounts"), ws.table("comments")).to_pyarrow()
    assert dict(
        zip(pe.column("post_id").to_pylist(), pe.column("n_comments_post").to_pylist(), strict=True)
    ) == {
        "p1": 3,
        "p2": 4,
    }


# 3 — one brand-word rule: engine_pattern (RE2, in the database) marks what word_pattern (Python) marks

SAMPLES = [
    "the pack is great",
    "#pack day",
    "@pack thanks",
    "#PACK!",
    "Pack.",
    "backpack",
    "packed lunch",
    "pack_it",
    "#packs",
    "a#pack",
    "@@pack",
    "trail pack out",
    "trail  pack",
    "TRAIL PACK",
    "#trail pack",
    "brightfold rocks",
    "@BrightFold",
    "#brightfold2026",
    "über pack",
    "über",
    "überpack",
    "",
    "nothing here",
]

TERM_SETS = [
    ["pack"],
    ["#pack"],
    ["@pack"],
    ["#Pack", "@brightfold"],
    [" trail pack ", "#BrightFold"],
    ["über", "#über"],
    ["@", "#", "  "],
    [],
]


def _engine_marks(terms: list[str]) -> list[bool]:
    con = ibis.duckdb.connect()
    t = ibis.memtable({"i": list(range(len(SAMPLES))), "text": SAMPLES})
    res = con.execute(t.select("i", hit=t.text.re_search(engine_pattern(terms))).order_by("i"))
    return [bool(v) for v in res["hit"]]


@pytest.mark.parametrize("terms", TERM_SETS, ids=repr)
def test_engine_and_python_brand_word_rules_mark_the_same_texts(terms):
    words = word_pattern(terms)
    python = [bool(words and words.search(s)) for s in SAMPLES]
    assert _engine_marks(terms) == python


def test_hash_or_at_keyword_marks_the_bare_word_in_the_database():
    marks = dict(zip(SAMPLES, _engine_marks(["#pack"]), strict=True))
    assert marks["the pack is great"] and marks["#pack day"] and marks["@pack thanks"] and marks["Pack."]
    assert not marks["backpack"] and not marks["packed lunch"] and not marks["#packs"]
    assert _engine_marks(["@BrightFold"]) == _engine_marks(["brightfold"]) == _engine_marks(["#brightfold"])
